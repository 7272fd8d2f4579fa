/**
 * The matchmaking queue. Tickets live in the database (an instance crash loses nobody's place);
 * each player's signals go on their own ephemeral stream, `queue:<userId>`.
 *
 * Every change to one queue (a mode in a region) runs under a transaction-scoped advisory lock of
 * that queue, on whichever instance it happens. Holding it, a join inserts its ticket (so `order`,
 * and with it the position, follows lock order), then forms games from the oldest tickets. Because
 * each join forms what it can before releasing the lock, and the next holder sees every ticket
 * committed before it, no full team is ever left waiting and no ticket can end up in two games.
 * One lock per queue, rather than `FOR UPDATE SKIP LOCKED`, keeps first come first served exact
 * (skipping locked rows lets younger tickets overtake older ones) at the cost of serializing one
 * queue's formation, which is a few short statements.
 */
import type { Tx } from '../db/index.js';
import { badInput, conflict, forbidden, isUniqueViolation, notFound } from '../errors.js';
import type { Region } from '../generated/prisma/client.js';
import { notify } from '../notifications/service.js';
import { Topics, type Writer } from '../streams/index.js';
import type { Connections } from '../presence/connections.js';
import type { Logger } from 'pino';
import type { PrismaClient } from '../db/index.js';
import type { Streams } from '../streams/index.js';
import type { Presence } from '../presence/service.js';

/** What this module's functions use of the instance's services (context.ts `Services` has them all). */
interface Deps {
  connections: Connections;
  logger: Logger;
  presence: Presence;
  prisma: PrismaClient;
  streams: Streams;
}

/** Players per game, by mode. */
export const TEAM_SIZES: Readonly<Record<string, number>> = { duel: 2, squad: 4 };

/** First key of the queue locks, so they do not collide with other advisory locks on the database. */
const QUEUE_LOCK_SPACE = 0x5155;

/** A waiting ticket as the API shows it; `gameId` is set when joining formed a game at once. */
export interface QueueTicketView {
  id: string;
  mode: string;
  region: Region;
  position: number;
  gameId: string | null;
}

/** Serializes changes to one queue until the transaction ends (the schema is part of the key, for shared databases). */
async function lockQueue(tx: Tx, mode: string, region: Region): Promise<void> {
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(${QUEUE_LOCK_SPACE}::int4, hashtext(current_schema() || ':' || ${mode} || ':' || ${region}))`;
}

/** Queues the user; forms a game when enough players of the mode and region wait (oldest first). */
export async function joinQueue(app: Deps, userId: string, mode: string, region: Region): Promise<QueueTicketView> {
  const teamSize = Object.hasOwn(TEAM_SIZES, mode) ? TEAM_SIZES[mode] : undefined;
  if (!teamSize) throw badInput('mode', `Unknown mode "${mode}"; choose one of: ${Object.keys(TEAM_SIZES).join(', ')}.`);
  return app.streams.write(async (w) => {
    await lockQueue(w.tx, mode, region);
    let ticket: Awaited<ReturnType<typeof w.tx.queueTicket.create>>;
    try {
      ticket = await w.tx.queueTicket.create({ data: { userId, mode, region } });
    } catch (error) {
      if (isUniqueViolation(error)) throw conflict('You are already in the matchmaking queue.');
      throw error;
    }
    // Checked after the insert: had a game just been formed from this user's previous ticket, the
    // insert waited for that commit, so the game is visible now.
    const playing = await w.tx.gamePlayer.findFirst({
      where: { userId, game: { status: { in: ['FORMED', 'STARTED'] } } },
      select: { gameId: true },
    });
    if (playing) throw conflict('You are already in a game; end it before queueing again.');
    const position = await w.tx.queueTicket.count({ where: { mode, region, order: { lte: ticket.order } } });
    w.signal(Topics.queue(userId), 'QUEUED', { position });
    const formed = await formGames(w, mode, region, teamSize);
    return { id: ticket.id, mode, region, position, gameId: formed.get(userId) ?? null };
  });
}

/** Forms games from the oldest tickets while a full team waits; returns player -> game. Call under the queue lock. */
async function formGames(w: Writer, mode: string, region: Region, teamSize: number): Promise<Map<string, string>> {
  const formed = new Map<string, string>();
  for (;;) {
    const tickets = await w.tx.queueTicket.findMany({
      where: { mode, region },
      orderBy: { order: 'asc' },
      take: teamSize,
      select: { id: true, userId: true },
    });
    if (tickets.length < teamSize) break;
    const { count } = await w.tx.queueTicket.deleteMany({ where: { id: { in: tickets.map((t) => t.id) } } });
    if (count !== teamSize) throw new Error(`queue ${mode}/${region} changed under its lock`);
    const game = await w.tx.gameSession.create({
      data: { mode, region, players: { create: tickets.map((t) => ({ userId: t.userId })) } },
      select: { id: true },
    });
    // In id order: transactions that notify the same users lock their topics in the same order.
    for (const { userId } of [...tickets].sort((a, b) => (a.userId < b.userId ? -1 : 1))) {
      await notify(w, { userId, kind: 'MATCH_FOUND', message: `Your ${mode} game in ${region} is ready.`, subjectId: game.id });
      w.signal(Topics.queue(userId), 'MATCH_FOUND', { gameId: game.id });
      formed.set(userId, game.id);
    }
  }
  if (formed.size > 0) await signalPositions(w, mode, region, null);
  return formed;
}

/** Sends POSITION to every ticket of the queue behind `afterOrder` (all of them when null). */
async function signalPositions(w: Writer, mode: string, region: Region, afterOrder: number | null): Promise<void> {
  const waiting = await w.tx.queueTicket.findMany({
    where: { mode, region },
    orderBy: { order: 'asc' },
    select: { userId: true, order: true },
  });
  waiting.forEach((ticket, index) => {
    if (afterOrder === null || ticket.order > afterOrder) w.signal(Topics.queue(ticket.userId), 'POSITION', { position: index + 1 });
  });
}

/** Takes the user out of the queue (LEFT; POSITION for everyone behind); false when they were not queued. */
export async function leaveQueue(app: Deps, userId: string): Promise<boolean> {
  for (;;) {
    const ticket = await app.prisma.queueTicket.findUnique({ where: { userId } });
    if (!ticket) return false;
    const left = await app.streams.write(async (w) => {
      await lockQueue(w.tx, ticket.mode, ticket.region);
      const { count } = await w.tx.queueTicket.deleteMany({ where: { id: ticket.id } });
      if (count === 0) return null;
      w.signal(Topics.queue(userId), 'LEFT', {});
      await signalPositions(w, ticket.mode, ticket.region, ticket.order);
      return true;
    });
    // null: the ticket went (a game formed, or it was replaced) before the lock was ours; look again.
    if (left !== null) return left;
  }
}

/** The user's waiting ticket with its current position, or null. */
export async function viewerTicket(app: Deps, userId: string): Promise<QueueTicketView | null> {
  const ticket = await app.prisma.queueTicket.findUnique({ where: { userId } });
  if (!ticket) return null;
  const position = await app.prisma.queueTicket.count({
    where: { mode: ticket.mode, region: ticket.region, order: { lte: ticket.order } },
  });
  return { id: ticket.id, mode: ticket.mode, region: ticket.region, position, gameId: null };
}

/** The game's player ids; NOT_FOUND for an unknown game, FORBIDDEN unless the viewer is one of them. */
async function playersOf(tx: Tx, gameId: string, viewerId: string): Promise<string[]> {
  const game = await tx.gameSession.findUnique({ where: { id: gameId }, select: { players: { select: { userId: true } } } });
  if (!game) throw notFound('Game', gameId);
  const players = game.players.map((p) => p.userId);
  if (!players.includes(viewerId)) throw forbidden('Only the players of this game can do this.');
  return players;
}

/**
 * FORMED -> STARTED (players only); GAME_STARTED to every player and first on the game's stream.
 * `isPublic`: spectators may follow the game's events (game-state.ts).
 */
export async function startGame(app: Deps, viewerId: string, gameId: string, isPublic = false): Promise<void> {
  await app.streams.write(async (w) => {
    const players = await playersOf(w.tx, gameId, viewerId);
    const { count } = await w.tx.gameSession.updateMany({
      where: { id: gameId, status: 'FORMED' },
      data: { status: 'STARTED', public: isPublic },
    });
    if (count === 0) throw conflict('The game has already started or ended.');
    await w.append(Topics.game(gameId), 'GAME_STARTED', {});
    for (const userId of players) w.signal(Topics.queue(userId), 'GAME_STARTED', { gameId });
  });
}

/** STARTED -> ENDED (players only), with an optional winner who must be a player; GAME_ENDED to every player. */
export async function endGame(app: Deps, viewerId: string, gameId: string, winnerId?: string | null): Promise<void> {
  await app.streams.write(async (w) => {
    const players = await playersOf(w.tx, gameId, viewerId);
    if (winnerId && !players.includes(winnerId)) throw badInput('winnerId', 'The winner must be one of the players.');
    const { count } = await w.tx.gameSession.updateMany({
      where: { id: gameId, status: 'STARTED' },
      data: { status: 'ENDED', winnerId: winnerId ?? null },
    });
    if (count === 0) throw conflict('Only a started game can end.');
    await w.append(Topics.game(gameId), 'GAME_ENDED', { winnerId: winnerId ?? null });
    for (const userId of players) w.signal(Topics.queue(userId), 'GAME_ENDED', { gameId });
  });
}

/**
 * A player whose last connection closes (or stops answering pings) leaves the queue; a close caused
 * by this instance shutting down does not count. "Last" is
 * across instances: once this instance's presence entry for the user is gone, the presence store
 * says whether another instance still holds a connection. Returns a stop function that waits for
 * removals in flight. Register it after `presence.start()` (app.ts does), so presence's own
 * bookkeeping of the same close is already in flight when this listener runs.
 */
export function leaveQueueOnDisconnect(app: Deps): () => Promise<void> {
  const inFlight = new Set<Promise<unknown>>();
  const { presence } = app;
  const removeIfGone = async (userId: string) => {
    await presence.settled();
    const status = await presence.store.status([userId]);
    if (!status.get(userId)?.online) await leaveQueue(app, userId);
  };
  app.connections.listen({
    closed(userId, _connectionId, last, shutdown) {
      // An instance stopping (a deploy) is not the player leaving: they reconnect elsewhere and keep
      // their place, as they would if the instance had crashed.
      if (!last || shutdown) return;
      const removal: Promise<unknown> = removeIfGone(userId)
        .catch((err) => app.logger.error({ err, userId }, 'removing a disconnected player from the queue failed'))
        .finally(() => inFlight.delete(removal));
      inFlight.add(removal);
      return removal.then(() => {});
    },
  });
  return async () => {
    await Promise.allSettled([...inFlight]);
  };
}
