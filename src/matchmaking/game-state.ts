/**
 * Live game state during a match: players send actions, every player (and every spectator of a
 * public game) follows them on the game's stream, `game:<gameId>`, in one order across instances.
 *
 * Invariants:
 * - an action is stored and appended to the stream in one transaction that holds the game's row
 *   lock; `startGame` and `endGame` change the same row (matchmaking/service.ts), so GAME_STARTED,
 *   every ACTION and GAME_ENDED are appended in the order they happened, and no action follows
 *   GAME_ENDED (an action racing `endGame` waits for its commit, then finds the game ended: CONFLICT);
 * - the same `clientActionId` from the same player in the same game is stored once: a retry is
 *   answered with the first action (before any lock when it is already there; under a parallel retry
 *   the insert skips the duplicate and returns the stored one);
 * - who may read is decided when subscribing: the players, and anyone for a public game.
 */
import type { Prisma } from '../generated/prisma/client.js';
import type { PrismaClient, Tx } from '../db/index.js';
import { badInput, conflict, forbidden, notFound } from '../errors.js';
import { EventQueue, type StreamEvent, type Streams, Topics, type Verdict } from '../streams/index.js';

/** Largest action, as JSON in UTF-8. */
export const MAX_ACTION_BYTES = 4096;
const MAX_CLIENT_ACTION_ID_LENGTH = 128;

export type GameActionRow = Prisma.GameActionGetPayload<object>;

interface Deps {
  prisma: PrismaClient;
  streams: Streams;
}

/** The game's status and players under its row lock; NOT_FOUND for an unknown game. */
async function lockGame(tx: Tx, gameId: string): Promise<{ status: string; players: string[] }> {
  const [game] = await tx.$queryRaw<
    { status: string }[]
  >`SELECT "status"::text AS "status" FROM "GameSession" WHERE "id" = ${gameId} FOR UPDATE`;
  if (!game) throw notFound('Game', gameId);
  const players = await tx.gamePlayer.findMany({ where: { gameId }, select: { userId: true } });
  return { status: game.status, players: players.map((p) => p.userId) };
}

function validAction(action: unknown, clientActionId: string | null): Prisma.InputJsonValue {
  if (action === null || action === undefined) throw badInput('action', 'An action is a JSON value other than null.');
  const bytes = Buffer.byteLength(JSON.stringify(action), 'utf8');
  if (bytes > MAX_ACTION_BYTES) throw badInput('action', `An action is at most ${MAX_ACTION_BYTES} bytes of JSON (this one is ${bytes}).`);
  if (clientActionId !== null && (clientActionId.length < 1 || clientActionId.length > MAX_CLIENT_ACTION_ID_LENGTH)) {
    throw badInput('clientActionId', `A clientActionId has 1-${MAX_CLIENT_ACTION_ID_LENGTH} characters.`);
  }
  return action as Prisma.InputJsonValue;
}

/** Stores a player's action in a started game and appends it to the game's stream (see the module head). */
export async function sendGameAction(
  app: Deps,
  playerId: string,
  gameId: string,
  action: unknown,
  clientActionId: string | null = null,
): Promise<GameActionRow> {
  const value = validAction(action, clientActionId);
  const byClientId = clientActionId === null ? null : { gameId_playerId_clientActionId: { gameId, playerId, clientActionId } };
  if (byClientId) {
    const first = await app.prisma.gameAction.findUnique({ where: byClientId });
    if (first) return first;
  }
  return app.streams.write(async (w) => {
    const game = await lockGame(w.tx, gameId);
    if (!game.players.includes(playerId)) throw forbidden('Only the players of this game can send actions.');
    if (game.status !== 'STARTED') throw conflict(game.status === 'FORMED' ? 'The game has not started yet.' : 'The game has ended.');
    // ON CONFLICT DO NOTHING, not a caught unique violation: that would abort the transaction.
    const [stored] = await w.tx.gameAction.createManyAndReturn({
      data: [{ gameId, playerId, clientActionId, action: value }],
      skipDuplicates: true,
    });
    if (!stored) return w.tx.gameAction.findUniqueOrThrow({ where: byClientId! });
    await w.append(Topics.game(gameId), 'ACTION', { actionId: stored.id, playerId });
    return stored;
  });
}

/** The game's status when `readerId` may read it (a player, or anyone when public); NOT_FOUND, FORBIDDEN otherwise. */
export async function assertReader(prisma: PrismaClient, readerId: string | null, gameId: string): Promise<string> {
  const game = await prisma.gameSession.findUnique({
    where: { id: gameId },
    select: { status: true, public: true, players: { where: { userId: readerId ?? '' }, select: { userId: true } } },
  });
  if (!game) throw notFound('Game', gameId);
  if (!game.public && game.players.length === 0) throw forbidden('Only the players can follow a private game.');
  return game.status;
}

/**
 * The game's stream for a reader: its players, or anyone when the game is public (NOT_FOUND,
 * FORBIDDEN otherwise). Resumable with `after`; completes after GAME_ENDED is delivered. An ended
 * game read without `after` has nothing more to say: the stream completes at once.
 */
export async function gameEvents(app: Deps, readerId: string | null, gameId: string, after: string | null, client: string) {
  const status = await assertReader(app.prisma, readerId, gameId);
  if (status === 'ENDED' && !after) {
    const done = new EventQueue<StreamEvent<'game'>>();
    done.end();
    return done;
  }
  const check = (event: { kind: string }): Verdict => (event.kind === 'GAME_ENDED' ? 'last' : 'deliver');
  return app.streams.subscribe(Topics.game(gameId), { after, check, client });
}
