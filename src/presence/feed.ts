/**
 * One watcher's presence feed over several `presence:<userId>` topics: the current status of each
 * user first, then changes only.
 *
 * It listens on the bus before reading the statuses, so no change is lost in between. Signals from
 * different instances may arrive out of order, so each carries the version (time) of its change and
 * the feed drops one older than what it already knows, and one that does not change the status.
 * Like StreamSubscription it is a hand-written iterator, so `return()` takes effect at once.
 */
import type { Bus } from '../streams/bus.js';
import { Topics, type StreamEvent } from '../streams/index.js';
import type { PresenceStore } from './store.js';

export type PresenceStatus = 'ONLINE' | 'OFFLINE';

/** What a watcher receives. */
export interface PresenceUpdate {
  userId: string;
  status: PresenceStatus;
  at: string;
}

export class PresenceFeed implements AsyncIterableIterator<PresenceUpdate> {
  private readonly outbox: PresenceUpdate[] = [];
  /** Signals that arrived before the statuses were read; null once they were. */
  private early: { userId: string; event: StreamEvent<'presence'> }[] | null = [];
  private readonly known = new Map<string, { status: PresenceStatus; version: number }>();
  private readonly unlisten: (() => void)[] = [];
  private waiting: ((result: IteratorResult<PresenceUpdate>) => void) | null = null;
  private closed = false;

  private constructor() {}

  /** Listens to every user's topic, then emits their current statuses. */
  static async open(bus: Bus, store: PresenceStore, userIds: string[]): Promise<PresenceFeed> {
    const feed = new PresenceFeed();
    try {
      await Promise.all(
        userIds.map(async (userId) => {
          const off = await bus.subscribe(Topics.presence(userId).name, (event) => feed.receive(userId, event as StreamEvent<'presence'>));
          if (feed.closed) off();
          else feed.unlisten.push(off);
        }),
      );
      const { online, version } = await store.status(userIds);
      const at = new Date().toISOString();
      for (const userId of userIds) feed.apply(userId, online.has(userId) ? 'ONLINE' : 'OFFLINE', version, at);
      for (const { userId, event } of feed.early ?? []) feed.applyEvent(userId, event);
      feed.early = null;
    } catch (error) {
      await feed.return();
      throw error;
    }
    return feed;
  }

  private receive(userId: string, event: StreamEvent<'presence'>): void {
    if (this.closed) return;
    if (this.early) this.early.push({ userId, event });
    else this.applyEvent(userId, event);
  }

  private applyEvent(userId: string, event: StreamEvent<'presence'>): void {
    if (event.kind === 'GAP') return;
    this.apply(userId, event.kind, event.data.version, event.at);
  }

  private apply(userId: string, status: PresenceStatus, version: number, at: string): void {
    const known = this.known.get(userId);
    if (known) {
      if (version < known.version) return;
      known.version = version;
      if (status === known.status) return;
    }
    this.known.set(userId, { status, version });
    const update = { userId, status, at };
    if (this.waiting) {
      const waiting = this.waiting;
      this.waiting = null;
      waiting({ value: update, done: false });
    } else {
      this.outbox.push(update);
    }
  }

  next(): Promise<IteratorResult<PresenceUpdate>> {
    const update = this.outbox.shift();
    if (update) return Promise.resolve({ value: update, done: false });
    if (this.closed) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve) => (this.waiting = resolve));
  }

  async return(): Promise<IteratorResult<PresenceUpdate>> {
    if (!this.closed) {
      this.closed = true;
      for (const off of this.unlisten.splice(0)) off();
      this.outbox.length = 0;
      this.waiting?.({ value: undefined, done: true });
      this.waiting = null;
    }
    return { value: undefined, done: true };
  }

  async throw(error?: unknown): Promise<IteratorResult<PresenceUpdate>> {
    await this.return();
    throw error;
  }

  [Symbol.asyncIterator](): this {
    return this;
  }
}
