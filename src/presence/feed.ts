/**
 * One watcher's presence feed over several `presence:<userId>` topics: the current status of each
 * user first, then changes only.
 *
 * It listens on the bus before reading the statuses, so no change is lost in between. Signals from
 * different instances may arrive out of order, so each carries the version (time) of its change and
 * the feed drops one older than what it already knows, and one that does not change the status.
 */
import type { Bus } from '../streams/bus.js';
import { EventQueue, Topics, type StreamEvent } from '../streams/index.js';
import type { PresenceStore } from './store.js';

type PresenceStatus = 'ONLINE' | 'OFFLINE';

/** What a watcher receives. */
export interface PresenceUpdate {
  userId: string;
  status: PresenceStatus;
  at: string;
}

/**
 * Opens a watcher's feed: listens to every user's topic, then emits their current statuses.
 * `onEnd` runs when the feed ends (to release its statistics).
 */
export async function openPresenceFeed(
  bus: Bus,
  store: PresenceStore,
  userIds: string[],
  hooks: { onEnd(): void; onDeliver(): void },
): Promise<AsyncIterableIterator<PresenceUpdate>> {
  const unlisten: (() => void)[] = [];
  const known = new Map<string, { status: PresenceStatus; version: number }>();
  /** Signals that arrived before the statuses were read; null once they were. */
  let early: { userId: string; event: StreamEvent<'presence'> }[] | null = [];
  const queue = new EventQueue<PresenceUpdate>(() => {
    for (const off of unlisten.splice(0)) off();
    hooks.onEnd();
  }, hooks.onDeliver);

  const apply = (userId: string, status: PresenceStatus, version: number, at: string): void => {
    const current = known.get(userId);
    if (current) {
      if (version < current.version) return;
      current.version = version;
      if (status === current.status) return;
    }
    known.set(userId, { status, version });
    queue.push({ userId, status, at });
  };
  const applyEvent = (userId: string, event: StreamEvent<'presence'>): void => {
    if (event.kind !== 'GAP') apply(userId, event.kind, event.data.version, event.at);
  };

  try {
    await Promise.all(
      userIds.map(async (userId) => {
        const off = await bus.subscribe(Topics.presence(userId).name, (event) => {
          if (queue.closed) return;
          if (early) early.push({ userId, event: event as StreamEvent<'presence'> });
          else applyEvent(userId, event as StreamEvent<'presence'>);
        });
        if (queue.closed) off();
        else unlisten.push(off);
      }),
    );
    const statuses = await store.status(userIds);
    const at = new Date().toISOString();
    for (const [userId, { online, version }] of statuses) apply(userId, online ? 'ONLINE' : 'OFFLINE', version, at);
    for (const { userId, event } of early) applyEvent(userId, event);
    early = null;
  } catch (error) {
    queue.end();
    throw error;
  }
  return queue;
}
