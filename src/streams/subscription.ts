/**
 * One subscriber's view of a stream: live events from the bus merged with the log by seq.
 *
 * 1. listen on the bus first, buffering;
 * 2. replay the log after the cursor (or start at the head when there is none; or emit one GAP when
 *    the cursor is older than what retention kept);
 * 3. drain the buffer in order: drop seq <= last delivered; when a live event skips ahead, read the
 *    missing ones from the log first. Ephemeral events (seq null) pass straight through.
 *
 * It is a hand-written AsyncIterator rather than an async generator so that `return()` takes effect
 * at once even while the consumer is waiting (an async generator parked on `await` cannot be returned,
 * which is how subscription iterators leak).
 */
import type { Bus } from './bus.js';
import { decodeCursor } from './cursor.js';
import { head, readRange } from './log.js';
import type { StreamEvent } from './topics.js';
import type { PrismaClient } from '../db/index.js';

/** What to do with one event: deliver it, skip it, or deliver nothing and end the stream. */
export type Verdict = 'deliver' | 'skip' | 'end';

export interface SubscribeOptions {
  /** An opaque cursor from an earlier event of this stream. */
  after?: string | null;
  /** Checked for every event before delivery (authorization that can change mid-stream, filters). */
  check?: (event: StreamEvent) => Verdict | Promise<Verdict>;
}

export interface SubscriptionHooks {
  onOpen(family: string): void;
  /** The subscription listens on the bus and knows its starting point: every later commit reaches it. */
  onLive(family: string): void;
  onClose(family: string, wasLive: boolean): void;
  onDeliver(): void;
}

export class StreamSubscription implements AsyncIterableIterator<StreamEvent> {
  private readonly inbox: StreamEvent[] = [];
  private readonly outbox: StreamEvent[] = [];
  private waiting: { resolve(r: IteratorResult<StreamEvent>): void; reject(e: unknown): void } | null = null;
  private last = 0;
  private ready = false;
  private live = false;
  private draining = false;
  private closed = false;
  private failure: unknown = null;
  private unlisten: (() => void) | null = null;
  private readonly family: string;

  private constructor(
    private readonly db: PrismaClient,
    private readonly bus: Bus,
    private readonly topic: string,
    private readonly options: SubscribeOptions,
    private readonly hooks: SubscriptionHooks,
  ) {
    this.family = topic.slice(0, topic.indexOf(':'));
  }

  /** Validates the cursor, starts listening and replaying; rejects (e.g. BAD_USER_INPUT) before anything is open. */
  static async open(
    db: PrismaClient,
    bus: Bus,
    topic: string,
    options: SubscribeOptions,
    hooks: SubscriptionHooks,
  ): Promise<StreamSubscription> {
    const after = options.after ? decodeCursor(options.after, topic) : null;
    const subscription = new StreamSubscription(db, bus, topic, options, hooks);
    hooks.onOpen(subscription.family);
    try {
      subscription.unlisten = await bus.subscribe(topic, (event) => subscription.receive(event));
    } catch (error) {
      await subscription.return();
      throw error;
    }
    void subscription.start(after);
    return subscription;
  }

  private async start(after: number | null): Promise<void> {
    try {
      const { seq: headSeq, trimmedThrough } = await head(this.db, this.topic);
      if (this.closed) return;
      this.live = true;
      this.hooks.onLive(this.family);
      if (after === null) {
        this.last = headSeq;
      } else if (after < trimmedThrough || after > headSeq) {
        // Older than retention (or from another database): say so once, then continue from the head.
        this.last = headSeq;
        await this.emit({ topic: this.topic, seq: headSeq, kind: 'GAP', data: {}, at: new Date().toISOString() } as StreamEvent);
      } else {
        this.last = after;
        await this.fill(null);
      }
      this.ready = true;
      await this.drain();
    } catch (error) {
      this.fail(error);
    }
  }

  private receive(event: StreamEvent): void {
    if (this.closed) return;
    this.inbox.push(event);
    if (this.ready) void this.drain();
  }

  private async drain(): Promise<void> {
    if (this.draining) return;
    this.draining = true;
    try {
      while (this.inbox.length > 0 && !this.closed) {
        const event = this.inbox.shift()!;
        if (event.seq === null) {
          await this.emit(event);
        } else if (event.seq > this.last) {
          if (event.seq > this.last + 1) await this.fill(event.seq);
          if (event.seq > this.last) await this.emit(event);
        }
      }
    } catch (error) {
      this.fail(error);
    } finally {
      this.draining = false;
    }
  }

  /** Delivers logged events after `last` and before `before`, in pages. */
  private async fill(before: number | null): Promise<void> {
    for (;;) {
      const page = await readRange(this.db, this.topic, this.last, before);
      for (const event of page) {
        if (this.closed) return;
        await this.emit(event);
      }
      if (page.length < 500) return;
    }
  }

  private async emit(event: StreamEvent): Promise<void> {
    if (event.seq !== null) this.last = event.seq;
    const verdict = this.options.check ? await this.options.check(event) : 'deliver';
    if (this.closed) return;
    if (verdict === 'end') {
      await this.return();
      return;
    }
    if (verdict === 'skip') return;
    if (this.waiting) {
      const waiting = this.waiting;
      this.waiting = null;
      this.hooks.onDeliver();
      waiting.resolve({ value: event, done: false });
    } else {
      this.outbox.push(event);
    }
  }

  private fail(error: unknown): void {
    if (this.closed) return;
    this.failure = error;
    if (this.waiting) {
      const waiting = this.waiting;
      this.waiting = null;
      waiting.reject(error);
    }
    void this.return();
  }

  next(): Promise<IteratorResult<StreamEvent>> {
    const event = this.outbox.shift();
    if (event) {
      this.hooks.onDeliver();
      return Promise.resolve({ value: event, done: false });
    }
    if (this.failure) {
      const failure = this.failure;
      this.failure = null;
      return Promise.reject(failure);
    }
    if (this.closed) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve, reject) => (this.waiting = { resolve, reject }));
  }

  async return(): Promise<IteratorResult<StreamEvent>> {
    if (!this.closed) {
      this.closed = true;
      this.unlisten?.();
      this.unlisten = null;
      this.inbox.length = 0;
      this.outbox.length = 0;
      this.hooks.onClose(this.family, this.live);
      this.waiting?.resolve({ value: undefined, done: true });
      this.waiting = null;
    }
    return { value: undefined, done: true };
  }

  async throw(error?: unknown): Promise<IteratorResult<StreamEvent>> {
    await this.return();
    throw error;
  }

  [Symbol.asyncIterator](): this {
    return this;
  }
}
