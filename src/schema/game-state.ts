/** Live game state: `sendGameAction` and the `gameEvents` stream of one game (matchmaking/game-state.ts). */
import { assertReader, gameEvents, MAX_ACTION_BYTES, sendGameAction } from '../matchmaking/game-state.js';
import type { AnyEventOf } from '../streams/index.js';
import { builder } from './builder.js';
import { entityOf, selectionKey, withId } from './entities.js';
import { LoggedStreamEvent, noEntity, handOver } from './streams.js';
import { readerOf, viewerIdOf } from './viewer.js';
import { readAtCursor } from './snapshots.js';
import { Topics } from '../streams/index.js';
import { written } from './written.js';

builder.prismaObject('GameAction', {
  description: 'One game-state change a player sent during a started game.',
  fields: (t) => ({
    id: t.exposeID('id'),
    game: t.relation('game'),
    player: t.relation('player'),
    action: t.field({ type: 'JSON', resolve: (a) => a.action }),
    clientActionId: t.exposeString('clientActionId', { nullable: true }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
  }),
});

const GameEventKind = builder.enumType('GameEventKind', {
  values: ['GAME_STARTED', 'ACTION', 'GAME_ENDED', 'GAP'] as const,
  description: 'GAP: events were missed (older than what is retained); refetch the game.',
});

type GameEvent = AnyEventOf<'game'>;

const GameEventType = builder.objectRef<GameEvent>('GameEvent').implement({
  interfaces: [LoggedStreamEvent],
  description: "One event of a game's stream, in the one order every reader sees.",
  fields: (t) => ({
    kind: t.field({ type: GameEventKind, resolve: (e) => e.kind }),
    gameAction: t.prismaField({
      type: 'GameAction',
      nullable: true,
      description: 'The action (ACTION only; null otherwise).',
      resolve: (query, e, _args, ctx) =>
        e.kind === 'ACTION'
          ? entityOf(e, {
              key: selectionKey('GameAction', query),
              idOf: (x) => (x.kind === 'ACTION' ? x.data.actionId : null),
              load: (ids) => ctx.app.prisma.gameAction.findMany({ ...withId(query), where: { id: { in: ids } } }),
            })
          : noEntity(query),
    }),
    action: t.field({
      type: 'JSON',
      nullable: true,
      description: 'The action as the player sent it (ACTION only).',
      resolve: async (e, _args, ctx) => {
        if (e.kind !== 'ACTION') return null;
        const row = await entityOf(e, {
          key: 'GameAction|action',
          idOf: (x) => (x.kind === 'ACTION' ? x.data.actionId : null),
          load: (ids) => ctx.app.prisma.gameAction.findMany({ where: { id: { in: ids } }, select: { id: true, action: true } }),
        });
        return row?.action ?? null;
      },
    }),
    by: t.prismaField({
      type: 'User',
      nullable: true,
      description: 'The player who sent the action (ACTION only).',
      resolve: (query, e, _args, ctx) =>
        e.kind === 'ACTION'
          ? entityOf(e, {
              key: selectionKey('User', query),
              idOf: (x) => (x.kind === 'ACTION' ? x.data.playerId : null),
              load: (ids) => ctx.app.prisma.user.findMany({ ...withId(query), where: { id: { in: ids } } }),
            })
          : noEntity(query),
    }),
    winner: t.prismaField({
      type: 'User',
      nullable: true,
      description: 'GAME_ENDED: the winner, if one was named.',
      resolve: (query, e, _args, ctx) =>
        e.kind === 'GAME_ENDED' && e.data.winnerId
          ? ctx.app.prisma.user.findUnique({ ...query, where: { id: e.data.winnerId } })
          : noEntity(query),
    }),
  }),
});

builder.queryField('game', (t) =>
  t.prismaField({
    type: 'GameSession',
    nullable: true,
    description:
      'A game, for its players, or for anyone when it is public (FORBIDDEN otherwise; null when unknown). ' +
      '`eventsCursor` is set: subscribe to `gameEvents` with `after` set to it to miss nothing since this read.',
    args: { id: t.arg.id() },
    resolve: async (query, _root, args, ctx) => {
      const game = await readAtCursor(ctx, Topics.game(args.id), (tx) => tx.gameSession.findUnique({ ...query, where: { id: args.id } }));
      if (game) await assertReader(ctx.app.prisma, viewerIdOf(ctx), args.id);
      return game;
    },
  }),
);

builder.mutationField('sendGameAction', (t) =>
  t.withAuth({ signedIn: true }).prismaField({
    type: 'GameAction',
    description:
      `Players of a STARTED game: appends an action to the game's stream (FORBIDDEN for anyone else, NOT_FOUND for an ` +
      `unknown game, CONFLICT before the start or after the end, BAD_USER_INPUT over ${MAX_ACTION_BYTES} bytes of JSON). ` +
      'The same `clientActionId` again returns the first action, stored once.',
    args: {
      gameId: t.arg.id(),
      action: t.arg({ type: 'JSON' }),
      clientActionId: t.arg.string({ required: false }),
    },
    resolve: written('GameAction', (args, ctx) =>
      sendGameAction(ctx.app, ctx.viewer.id, args.gameId, args.action, args.clientActionId ?? null),
    ),
  }),
);

builder.subscriptionField('gameEvents', (t) =>
  t.field({
    type: GameEventType,
    description:
      "A game's stream: GAME_STARTED, every ACTION, GAME_ENDED, in one order across instances. For its players, and for " +
      'anyone when the game is public (`startGame(public: true)`). Resumable with `after`; completes after GAME_ENDED.',
    args: { gameId: t.arg.id(), after: t.arg.string({ required: false }) },
    subscribe: (_root, args, ctx, info) =>
      handOver(ctx, info, gameEvents(ctx.app, ctx.viewer?.id ?? null, args.gameId, args.after ?? null, readerOf(ctx))),
    resolve: (event) => event as GameEvent,
  }),
);
