/**
 * Presence: a user is online while at least one of their authenticated connections is open on any
 * instance. Connection lifecycle events update the store (store.ts) and announce ONLINE / OFFLINE
 * as ephemeral signals on `presence:<userId>`; `watchPresence` turns them into a watcher's feed.
 */
import type { Config } from '../config.js';
import type { RedisCommands } from '../redis/clients.js';
import type { PrismaClient } from '../db/index.js';
import type { SubscriptionStats } from '../streams/stats.js';
import { badInput, notFound } from '../errors.js';
import { Topics, type Streams } from '../streams/index.js';
import type { Connections } from './connections.js';
import { openPresenceFeed, type PresenceUpdate } from './feed.js';
import { LocalPresenceStore, RedisPresenceStore, type PresenceStore, type Transition } from './store.js';

/** How many users one `presence` subscription may watch. */
export const MAX_WATCHED_USERS = 100;

/** One instance's presence: its store and the work in flight against it. */
export class Presence {
  readonly store: PresenceStore;
  private readonly inFlight = new Set<Promise<unknown>>();
  private stopped = false;

  /** Shared entries in Redis when the instance has one (scaled mode), in memory otherwise. */
  constructor(
    private readonly streams: Streams,
    private readonly connections: Connections,
    config: Pick<Config, 'presenceTtlMs' | 'heartbeatMs' | 'redisPrefix' | 'instanceId'>,
    redis: RedisCommands | null,
  ) {
    // Never less than two heartbeats: one late refresh must not expire a connected user.
    const ttlMs = Math.max(config.presenceTtlMs, 2 * config.heartbeatMs);
    this.store = redis ? new RedisPresenceStore(redis, config.redisPrefix, config.instanceId, ttlMs) : new LocalPresenceStore();
  }

  /** Starts tracking this instance's connections (register before anything that asks presence about a close). */
  start(): void {
    const { connections } = this;
    connections.listen({
      opened: (userId, _id, first) => (first ? this.track(() => this.announce('ONLINE', userId, this.store.join(userId))) : undefined),
      closed: (userId, _id, last) => (last ? this.track(() => this.announce('OFFLINE', userId, this.store.leave(userId))) : undefined),
      heartbeat: () =>
        this.track(async () => {
          // Refresh only users still connected when the command is queued: a leave queued later on
          // the same Redis connection then runs after it and is not undone by it.
          for (const t of await this.store.refresh(connections.users())) await this.signal('ONLINE', t);
          for (const t of await this.store.sweep()) await this.signal('OFFLINE', t);
        }),
    });
  }

  /** Resolves once every presence change started so far has been stored and announced (tests, shutdown). */
  async settled(): Promise<void> {
    // A snapshot: with steady connection churn the set may never be empty.
    await Promise.allSettled([...this.inFlight]);
  }

  /** Waits for changes in flight, then marks the users still connected here offline (this instance is going away). */
  async stop(): Promise<void> {
    if (this.stopped) return;
    await this.settled();
    this.stopped = true;
    // Connections the transport has not reported closed yet: this instance is going away with them.
    await Promise.allSettled(this.connections.users().map((userId) => this.announce('OFFLINE', userId, this.store.leave(userId))));
  }

  /** Runs `work` unless stopped, so that `settled` can wait for it. */
  private track(work: () => Promise<unknown>): Promise<void> {
    if (this.stopped) return Promise.resolve();
    const running = work();
    this.inFlight.add(running);
    return running.then(
      () => void this.inFlight.delete(running),
      (error) => {
        this.inFlight.delete(running);
        throw error;
      },
    );
  }

  private async announce(status: 'ONLINE' | 'OFFLINE', userId: string, change: Promise<number | null>): Promise<void> {
    const version = await change;
    if (version !== null) await this.signal(status, { userId, version });
  }

  private signal(status: 'ONLINE' | 'OFFLINE', t: Transition): Promise<void> {
    return this.streams.signal(Topics.presence(t.userId), status, { version: t.version });
  }
}

/**
 * A watcher's feed of `userIds`: the current status of each first, then changes. BAD_USER_INPUT for
 * an empty or too long list, NOT_FOUND for an unknown user.
 */
export async function watchPresence(
  app: { prisma: PrismaClient; streams: Streams; presence: Presence; subscriptionStats: SubscriptionStats },
  userIds: readonly string[],
): Promise<AsyncIterableIterator<PresenceUpdate>> {
  const ids = [...new Set(userIds)];
  if (ids.length === 0) throw badInput('userIds', 'Name at least one user.');
  if (ids.length > MAX_WATCHED_USERS) throw badInput('userIds', `Watch at most ${MAX_WATCHED_USERS} users at once.`);
  const found = new Set((await app.prisma.user.findMany({ where: { id: { in: ids } }, select: { id: true } })).map((u) => u.id));
  const missing = ids.find((id) => !found.has(id));
  if (missing !== undefined) throw notFound('User', missing);
  // Counted in the stream statistics once it is live (listening, statuses read), like a stream subscription.
  let release = () => {};
  const feed = await openPresenceFeed(app.streams.bus, app.presence.store, ids, {
    onEnd: () => release(),
    onDeliver: () => app.subscriptionStats.delivered(),
  });
  release = app.subscriptionStats.track('presence');
  return feed;
}
