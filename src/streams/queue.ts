/**
 * A push-fed AsyncIterator: producers `push` values, the consumer (graphql-ws) pulls with `next`.
 *
 * Hand-written rather than an async generator so that `return()` takes effect at once even while
 * the consumer is waiting: an async generator parked on `await` cannot be returned, which is how
 * subscription iterators leak. Every subscription iterator in Pulse is one of these.
 */
/** Where a redirected queue's values go instead of waiting for `next()` (see `EventQueue.redirect`). */
export interface QueueSink<T> {
  push(value: T): void;
  /** Resolves when the sink can take another page (its socket drained). */
  room(): Promise<void>;
  /** Resolves once every value pushed so far has been handed to the socket (or the sink ended). */
  sent(): Promise<void>;
  /** The queue ended (values not yet sent are dropped). */
  end(): void;
}

/**
 * Events one subscriber may fall behind before its backlog is replaced by one GAP: the same bound
 * whether graphql-ws pulls from the queue (streams/subscription.ts) or the fan-out sends for it
 * (transport/fanout-member.ts).
 */
export const MAX_BACKLOG = 5_000;

/** A reader with fewer than this many values waiting has room for another replay page. */
const LOW_WATER = 500;

export class EventQueue<T> implements AsyncIterableIterator<T> {
  private readonly buffered: T[] = [];
  private sink: QueueSink<T> | null = null;
  /** Set for a stream subscription's queue (logged events in seq order): the transport may redirect it. */
  redirectable = false;
  private roomWaiters: (() => void)[] = [];
  private takenWaiters: (() => void)[] = [];
  private waiting: { resolve(result: IteratorResult<T>): void; reject(error: unknown): void } | null = null;
  private failure: unknown = null;
  private ended = false;

  /**
   * `onEnd` runs once, when the consumer returns or the producer ends or fails the queue.
   * A consumer that falls `maxBuffered` values behind (a client that stopped reading) does not grow
   * the server's memory: the backlog is dropped and replaced by what `onOverflow` returns (a GAP
   * event telling the client to refetch), or by nothing.
   */
  constructor(
    private readonly onEnd: () => void = () => {},
    private readonly onDeliver: (value: T) => void = () => {},
    private readonly overflow: { maxBuffered: number; onOverflow(): T | null } = { maxBuffered: 10_000, onOverflow: () => null },
  ) {}

  get closed(): boolean {
    return this.ended;
  }

  /**
   * From now on values go to `sink` (which sends them itself) instead of to `next()`; what is
   * buffered goes first. `next()` then only reports the end of the queue. The WebSocket transport
   * uses this to send one shared serialized payload to every subscriber of a group.
   */
  redirect(sink: QueueSink<T>): void {
    if (this.ended) return;
    this.sink = sink;
    for (const value of this.buffered.splice(0)) {
      this.onDeliver(value);
      sink.push(value);
    }
    this.wakeRoomWaiters();
    // What they waited for is the sink's now.
    for (const wake of this.takenWaiters.splice(0)) void sink.sent().then(wake);
  }

  /** Resolves once the consumer has room for another page of replayed values (or the queue ended). */
  room(): Promise<void> {
    if (this.ended) return Promise.resolve();
    if (this.sink) return this.sink.room();
    if (this.buffered.length < LOW_WATER) return Promise.resolve();
    return new Promise((resolve) => this.roomWaiters.push(resolve));
  }

  /**
   * Resolves once the values pushed so far have left this queue: handed to the socket by the sink,
   * or all taken by the consumer (or the queue ended).
   */
  sent(): Promise<void> {
    if (this.ended) return Promise.resolve();
    if (this.sink) return this.sink.sent();
    if (this.buffered.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.takenWaiters.push(resolve));
  }

  private wakeTakenWaiters(): void {
    if (this.takenWaiters.length === 0) return;
    const waiters = this.takenWaiters;
    this.takenWaiters = [];
    for (const wake of waiters) wake();
  }

  private wakeRoomWaiters(): void {
    if (this.roomWaiters.length === 0) return;
    const waiters = this.roomWaiters;
    this.roomWaiters = [];
    for (const wake of waiters) wake();
  }

  push(value: T): void {
    if (this.ended) return;
    if (this.sink) {
      this.onDeliver(value);
      this.sink.push(value);
      return;
    }
    if (this.waiting) {
      const waiting = this.waiting;
      this.waiting = null;
      this.onDeliver(value);
      waiting.resolve({ value, done: false });
    } else {
      if (this.buffered.length >= this.overflow.maxBuffered) {
        this.buffered.length = 0;
        const replacement = this.overflow.onOverflow();
        if (replacement !== null) this.buffered.push(replacement);
      }
      this.buffered.push(value);
    }
  }

  /** Ends the queue with an error: the consumer's next `next()` rejects with it. */
  fail(error: unknown): void {
    if (this.ended) return;
    if (this.waiting) {
      const waiting = this.waiting;
      this.waiting = null;
      waiting.reject(error);
    } else {
      this.failure = error;
    }
    this.end();
  }

  /** Ends the queue; values not yet taken are dropped. */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    this.buffered.length = 0;
    this.waiting?.resolve({ value: undefined, done: true });
    this.waiting = null;
    this.sink?.end();
    this.wakeRoomWaiters();
    this.wakeTakenWaiters();
    this.onEnd();
  }

  next(): Promise<IteratorResult<T>> {
    if (this.buffered.length > 0) {
      const value = this.buffered.shift()!;
      this.onDeliver(value);
      if (this.buffered.length < LOW_WATER) this.wakeRoomWaiters();
      if (this.buffered.length === 0) this.wakeTakenWaiters();
      return Promise.resolve({ value, done: false });
    }
    if (this.failure !== null) {
      const failure = this.failure;
      this.failure = null;
      return Promise.reject(failure);
    }
    if (this.ended) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve, reject) => (this.waiting = { resolve, reject }));
  }

  async return(): Promise<IteratorResult<T>> {
    this.end();
    return { value: undefined, done: true };
  }

  async throw(error?: unknown): Promise<IteratorResult<T>> {
    this.end();
    throw error;
  }

  [Symbol.asyncIterator](): this {
    return this;
  }
}
