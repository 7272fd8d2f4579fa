/**
 * Streams: the one mechanism behind every subscription in Pulse.
 *
 * `write` runs a unit of work in a database transaction; events appended through its `Writer` are
 * stored in the same transaction and published on the bus only after the commit. `subscribe` merges
 * replay and live events by seq (see subscription.ts). `signal` sends an ephemeral event (no log).
 */
import type { PrismaClient, Tx } from '../db/index.js';
import type { Bus } from './bus.js';
import { GroupCommit as Batches, type ApplyBatch as BatchOf, type GroupCommitOptions } from './batch.js';
import { append, appendMany, heads, trimIfDue, trimInIfDue, type Logged } from './log.js';
import { FairGate } from './replays.js';
import { TopicHeads } from './heads.js';
import { openSubscription } from './subscription.js';
import type { SubscribeOptions } from './subscription-options.js';
import { LiveTopics } from './sweeper.js';
import type { SubscriptionStats } from './stats.js';
import type { StreamTracing } from './trace-hooks.js';
import {
  signalEvent,
  type AnyEventOf,
  type Family,
  type KindOf,
  type BusEvent,
  type StreamEvent,
  type StreamPayloads,
  type Topic,
} from './topics.js';

export { encodeCursor } from './cursor.js';
export { appendCtes, LOG_HEAD, loggedEvents, pageOf, type LogHead, type Logged } from './log.js';
export type { Outcome } from './batch.js';
export type { SubscribeOptions, Verdict } from './subscription-options.js';
export { EventQueue, MAX_BACKLOG, type QueueSink } from './queue.js';
export type { StreamTracing } from './trace-hooks.js';
export * from './topics.js';

/** What a unit of work gets: the transaction, and a way to append events to streams. */
export interface Writer {
  readonly tx: Tx;
  /** Appends a logged event in this transaction; it is published after commit. */
  append<F extends Family, K extends KindOf<F>>(topic: Topic<F>, kind: K, data: StreamPayloads[F][K]): Promise<StreamEvent<F, K>>;
  /** Appends several events to one topic in one statement, with consecutive seqs in the order given. */
  appendMany<F extends Family>(topic: Topic<F>, events: readonly EventInput<F>[]): Promise<StreamEvent<F>[]>;
  /**
   * Runs, in this transaction, ONE statement that changes rows and appends their events itself (log.ts
   * `appendCtes`), as `Streams.writeStatement` does on its own; its events are published after commit.
   */
  statement<T>(run: (tx: Tx) => Promise<{ value: T; logged: Logged | null }>): Promise<T>;
  /** Queues an ephemeral signal to send after commit (nothing is sent if the transaction fails). */
  signal<F extends Family, K extends KindOf<F>>(topic: Topic<F>, kind: K, data: StreamPayloads[F][K]): void;
}

/** One event to append: a kind of the family and its payload. */
export type EventInput<F extends Family> = { [K in KindOf<F>]: { kind: K; data: StreamPayloads[F][K] } }[KindOf<F>];

/**
 * Errors worth retrying the whole transaction for: PostgreSQL's serialization failure and deadlock,
 * and Prisma's name for them on model queries (P2034, "write conflict or a deadlock").
 */
const RETRYABLE = new Set(['40001', '40P01', 'P2034']);

function isRetryable(error: unknown): boolean {
  const e = error as {
    code?: string;
    meta?: { code?: string; driverAdapterError?: { cause?: { originalCode?: string } } };
    cause?: { code?: string };
    message?: string;
  };
  const codes = [e?.code, e?.meta?.code, e?.cause?.code, e?.meta?.driverAdapterError?.cause?.originalCode];
  return (
    codes.some((code) => code !== undefined && RETRYABLE.has(code)) ||
    /deadlock detected|could not serialize|write conflict/i.test(e?.message ?? '')
  );
}

/** A group commit over this instance's streams (streams/batch.ts). */
export type GroupCommit<Q, R> = Batches<Q, R, Streams>;
/** Applies one batch of a group commit through this instance's streams (streams/batch.ts). */
export type ApplyBatch<Q, R> = BatchOf<Q, R, Streams>;

/**
 * A group commit over `streams`: concurrent writes to one hot key are coalesced into one write per
 * batch (batch.ts). The composition root (app.ts) builds each domain's one per instance.
 */
export function groupCommit<Q, R>(streams: Streams, apply: ApplyBatch<Q, R>, options?: GroupCommitOptions): GroupCommit<Q, R> {
  return new Batches<Q, R, Streams>(streams, apply, options);
}

export class Streams {
  /** Live persisted subscriptions per topic, for the publish sweeper. */
  readonly liveTopics = new LiveTopics();
  /** Replay page reads of this instance take turns per client here (replays.ts). */
  readonly replays = new FairGate(4);
  private readonly heads: TopicHeads;
  private readonly onPublishError: (error: unknown) => void;
  private readonly tracing: StreamTracing | null;

  constructor(
    private readonly db: PrismaClient,
    readonly bus: Bus,
    private readonly stats: SubscriptionStats,
    private readonly options: {
      retention: number;
      onPublishError?: (error: unknown) => void;
      /** Test hook: commit events but never publish them (as if the writer died after commit). */
      holdPublish?: boolean;
      /** Spans for commits and publishes, and the trace context on events (null or absent: tracing off). */
      tracing?: StreamTracing | null;
    },
  ) {
    this.onPublishError = options.onPublishError ?? (() => {});
    this.tracing = options.tracing ?? null;
    this.heads = new TopicHeads((topics) => heads(db, topics));
  }

  /** Runs `work` in one transaction; appended events are published after it commits. */
  async write<T>(work: (writer: Writer) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      const outgoing: BusEvent[] = [];
      try {
        const transaction = () =>
          this.db.$transaction(async (tx) => {
            const writer: Writer = {
              tx: tx as Tx,
              append: async (topic, kind, data) => {
                const event = await append(tx as Tx, topic, kind, data, this.options.retention);
                outgoing.push(event);
                return event;
              },
              appendMany: async (topic, events) => {
                const appended = await appendMany(tx as Tx, topic, events, this.options.retention);
                outgoing.push(...appended);
                return appended;
              },
              statement: async (run) => {
                const { value, logged } = await run(tx as Tx);
                if (logged) {
                  outgoing.push(...logged.events);
                  await trimInIfDue(tx as Tx, logged.topic, logged.seq, logged.trimmedThrough, this.options.retention);
                }
                return value;
              },
              signal: (topic, kind, data) => {
                outgoing.push(signalEvent(topic, kind, data));
              },
            };
            return work(writer);
          });
        const result = this.tracing ? await this.tracing.commit(transaction, attempt) : await transaction();
        // Not awaited: the change is committed and in the log, so a slow or unreachable bus must not
        // hold the mutation's answer (subscribers fill gaps from the log; resuming clients replay).
        if (!this.options.holdPublish) void this.publishAll(outgoing);
        return result;
      } catch (error) {
        if (attempt >= 5 || !isRetryable(error)) throw error;
      }
    }
  }

  /**
   * Runs ONE statement that changes rows and appends their events itself (log.ts `appendCtes`): a
   * single round trip, atomic as every statement. Its events are published after it; the log is
   * trimmed after it when due.
   */
  async writeStatement<T>(run: (db: PrismaClient) => Promise<{ value: T; logged: Logged | null }>): Promise<T> {
    const { value, logged } = this.tracing ? await this.tracing.commit(() => run(this.db), 1) : await run(this.db);
    if (logged) {
      void this.publishAll(logged.events);
      // The change is committed: a failed trim is reported, and the next append tries again.
      await trimIfDue(this.db, logged.topic, logged.seq, logged.trimmedThrough, this.options.retention).catch(this.onPublishError);
    }
    return value;
  }

  /** Sends an ephemeral event now (typing, presence, queue position): no seq, no replay. */
  async signal<F extends Family, K extends KindOf<F>>(topic: Topic<F>, kind: K, data: StreamPayloads[F][K]): Promise<void> {
    await this.publishAll([signalEvent(topic, kind, data)]);
  }

  /** A subscriber's iterator over one stream; rejects with BAD_USER_INPUT for a cursor of another stream. */
  subscribe<F extends Family>(
    topic: Topic<F>,
    options: SubscribeOptions<AnyEventOf<F>> = {},
  ): Promise<AsyncIterableIterator<StreamEvent<F>>> {
    const stats = this.stats;
    // Every event of the topic is one of F's: the typed check sees what the stream carries.
    return openSubscription(this.db, this.bus, topic.name, options as SubscribeOptions, {
      onOpen: (family) => stats.opened(family),
      onLive: () => stats.becameLive(),
      onClose: (family, wasLive) => stats.closed(family, wasLive),
      onDeliver: (event) => stats.delivered(event),
      watch: (name, check) => this.liveTopics.watch(name, check),
      replays: this.replays,
      heads: this.heads,
    }) as Promise<AsyncIterableIterator<StreamEvent<F>>>;
  }

  private async publishAll(events: BusEvent[]): Promise<void> {
    if (this.tracing) return this.tracing.publish(events, (carried) => this.send(carried));
    await this.send(events);
  }

  /** Publishes each event on the bus; resolves with how many failed (each reported). */
  private async send(events: BusEvent[]): Promise<number> {
    let failed = 0;
    for (const event of events) {
      try {
        await this.bus.publish(event.topic, event);
        this.stats.published();
      } catch (error) {
        // The event is in the log: live subscribers pick it up with the next event's gap fill,
        // and resuming clients replay it. Report, do not fail the committed mutation.
        failed++;
        this.onPublishError(error);
      }
    }
    return failed;
  }
}
