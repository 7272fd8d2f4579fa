/** Matchmaking queue: tickets, game sessions, the queue mutations and the viewer's `matchmaking` stream. */
import { GameStatus } from '../generated/prisma/enums.js';
import { endGame, joinQueue, leaveQueue, startGame, TEAM_SIZES, viewerTicket, type QueueTicketView } from '../matchmaking/service.js';
import { Topics, type StreamEvent } from '../streams/index.js';
import { builder } from './builder.js';
import { written } from './written.js';
import { RegionEnum } from './matches.js';
import { noEntity, handOver } from './streams.js';
import { SNAPSHOT_HELP, snapshotOf } from './snapshots.js';

const GameStatusEnum = builder.enumType(GameStatus, { name: 'GameStatus' });

builder.prismaObject('GameSession', {
  fields: (t) => ({
    id: t.exposeID('id'),
    mode: t.exposeString('mode'),
    region: t.expose('region', { type: RegionEnum }),
    status: t.expose('status', { type: GameStatusEnum }),
    public: t.exposeBoolean('public', { description: 'Spectators may follow its `gameEvents`.' }),
    eventsCursor: t.string({
      nullable: true,
      description: `\`gameEvents\`: ${SNAPSHOT_HELP}`,
      resolve: (game) => snapshotOf(game),
    }),
    players: t.prismaField({
      type: ['User'],
      resolve: (query, game, _args, ctx) =>
        ctx.app.prisma.user.findMany({ ...query, where: { gamePlayers: { some: { gameId: game.id } } }, orderBy: { createdAt: 'asc' } }),
    }),
    winner: t.relation('winner', { nullable: true }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
  }),
});

const QueueTicket = builder.objectRef<QueueTicketView>('QueueTicket').implement({
  description: 'A place in the matchmaking queue of one mode and region.',
  fields: (t) => ({
    id: t.exposeID('id'),
    mode: t.exposeString('mode'),
    region: t.field({ type: RegionEnum, resolve: (ticket) => ticket.region }),
    position: t.exposeInt('position', { description: '1-based, oldest first.' }),
    game: t.prismaField({
      type: 'GameSession',
      nullable: true,
      description: 'Set when joining completed a team at once.',
      resolve: (query, ticket, _args, ctx) =>
        ticket.gameId ? ctx.app.prisma.gameSession.findUnique({ ...query, where: { id: ticket.gameId } }) : noEntity(query),
    }),
  }),
});

const MatchmakingKind = builder.enumType('MatchmakingKind', {
  values: ['QUEUED', 'POSITION', 'LEFT', 'MATCH_FOUND', 'GAME_STARTED', 'GAME_ENDED'] as const,
});

type QueueEvent = StreamEvent<'queue'>;

const MatchmakingEvent = builder.objectRef<QueueEvent>('MatchmakingEvent').implement({
  description: "The viewer's queue and game signals. Ephemeral: not stored, not replayed.",
  fields: (t) => ({
    kind: t.field({ type: MatchmakingKind, resolve: (e) => e.kind as Exclude<QueueEvent['kind'], 'GAP'> }),
    position: t.int({ nullable: true, resolve: (e) => ('position' in e.data ? e.data.position : null) }),
    game: t.prismaField({
      type: 'GameSession',
      nullable: true,
      resolve: (query, e, _args, ctx) =>
        'gameId' in e.data ? ctx.app.prisma.gameSession.findUnique({ ...query, where: { id: e.data.gameId } }) : noEntity(query),
    }),
    at: t.field({ type: 'DateTime', resolve: (e) => e.at }),
  }),
});

builder.queryFields((t) => ({
  queueTicket: t.withAuth({ signedIn: true }).field({
    type: QueueTicket,
    nullable: true,
    description: "The viewer's place in the matchmaking queue, or null.",
    resolve: (_root, _args, ctx) => viewerTicket(ctx.app, ctx.viewer.id),
  }),
  currentGame: t.withAuth({ signedIn: true }).prismaField({
    type: 'GameSession',
    nullable: true,
    description: "The viewer's game that is formed or started, or null.",
    resolve: (query, _root, _args, ctx) =>
      ctx.app.prisma.gameSession.findFirst({
        ...query,
        where: { status: { in: ['FORMED', 'STARTED'] }, players: { some: { userId: ctx.viewer.id } } },
        orderBy: { createdAt: 'desc' },
      }),
  }),
}));

builder.mutationFields((t) => ({
  joinQueue: t.withAuth({ signedIn: true }).field({
    type: QueueTicket,
    description: `Queues the viewer (CONFLICT if already queued or in a game). Modes: ${Object.entries(TEAM_SIZES)
      .map(([mode, size]) => `${mode} (${size})`)
      .join(', ')}.`,
    args: { mode: t.arg.string(), region: t.arg({ type: RegionEnum }) },
    resolve: (_root, args, ctx) => joinQueue(ctx.app, ctx.viewer.id, args.mode, args.region),
  }),
  leaveQueue: t.withAuth({ signedIn: true }).boolean({
    description: 'Leaves the queue; false when the viewer was not queued.',
    resolve: (_root, _args, ctx) => leaveQueue(ctx.app, ctx.viewer.id),
  }),
  startGame: t.withAuth({ signedIn: true }).prismaField({
    type: 'GameSession',
    description: 'Players only: FORMED -> STARTED. `public`: anyone may follow its `gameEvents` (spectators); players only otherwise.',
    args: { gameId: t.arg.id(), public: t.arg.boolean({ required: false }) },
    resolve: written('GameSession', (args, ctx) =>
      startGame(ctx.app, ctx.viewer.id, args.gameId, args.public ?? false).then(() => args.gameId),
    ),
  }),
  endGame: t.withAuth({ signedIn: true }).prismaField({
    type: 'GameSession',
    description: 'Players only: STARTED -> ENDED, with an optional winner among the players.',
    args: { gameId: t.arg.id(), winnerId: t.arg.id({ required: false }) },
    resolve: written('GameSession', (args, ctx) =>
      endGame(ctx.app, ctx.viewer.id, args.gameId, args.winnerId ?? null).then(() => args.gameId),
    ),
  }),
}));

builder.subscriptionField('matchmaking', (t) =>
  t.withAuth({ signedIn: true }).field({
    type: MatchmakingEvent,
    description: "The viewer's own queue position, matches found and game changes.",
    subscribe: (_root, _args, ctx, info) =>
      handOver(
        ctx,
        info,
        ctx.app.streams.subscribe(Topics.queue(ctx.viewer.id), { check: (e) => (e.kind === 'GAP' ? 'skip' : 'deliver') }),
      ),
    resolve: (event) => event as QueueEvent,
  }),
);
