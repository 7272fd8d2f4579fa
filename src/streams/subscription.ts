/**
 * One subscriber's view of a stream: live events from the bus merged with the log by seq.
 *
 * A subscription moves through four states, in this order only:
 * - `opening`: it listens on the bus (live events wait in the inbox) and reads the topic's head;
 * - `replaying`: its starting point is known (every later commit reaches it); it replays the log after
 *   the cursor (or starts at the head when there is none; or emits one GAP when the cursor is older
 *   than what retention kept), live events still waiting in the inbox;
 * - `live`: the inbox drains in order (seq <= last delivered is dropped; when a live event skips
 *   ahead, the missing ones are read from the log first), then each next event goes straight through;
 *   ephemeral events (seq null) pass straight through;
 * - `closed`: the consumer returned, or the stream ended or failed; nothing is held any more.
 */
import type { PrismaClient } from '../db/index.js';
import type { Bus } from './bus.js';
import { decodeCursor } from './cursor.js';
import { head, readRange } from './log.js';
import { EventQueue, MAX_BACKLOG } from './queue.js';
import type { SubscribeOptions, SubscriptionHooks, Verdict } from './subscription-options.js';
import { gapEvent, type BusEvent } from './topics.js';

/** What waits in a subscription's inbox: a bus event, or the sweeper's word that the log's head was at least `seq`. */
type InboxEntry = { type: 'event'; event: BusEvent } | { type: 'head'; seq: number };

type State = 'opening' | 'replaying' | 'live' | 'closed';

const PAGE = 500;
/**
 * A paced replay page holds its gate slot until its events are handed to the socket, at most this
 * long: the gate then bounds the replay work (reads, executions, sends) in flight on the instance, not
 * only the reads, and a reader that stalls cannot keep a slot.
 */
const SLOT_HOLD_MS = 1_000;

/** Opens a subscription: validates the cursor (BAD_USER_INPUT before anything is open), listens, replays. */
export async function openSubscription(
  db: PrismaClient,
  bus: Bus,
  topic: string,
  options: SubscribeOptions,
  hooks: SubscriptionHooks,
): Promise<AsyncIterableIterator<BusEvent>> {
  const after = options.after ? decodeCursor(options.after, topic) : null;
  const subscription = new StreamSubscription(db, topic, options, hooks);
  await subscription.listen(bus);
  void subscription.start(after);
  return subscription.queue;
}

class StreamSubscription {
  readonly queue: EventQueue<BusEvent>;
  private state: State = 'opening';
  private readonly family: string;
  /** The seq of the last logged event emitted (delivered, or judged by `check`). */
  private last = 0;
  /** Live events (and head marks) waiting behind a replay, a gap fill or a check that has to wait. */
  private readonly inbox: InboxEntry[] = [];
  /** A drain of the inbox is running (or a check is pending): new events queue behind it. */
  private draining = false;
  private unlisten: (() => void) | null = null;
  private unwatch: (() => void) | null = null;
  /** A head the previous sweep showed that was not delivered yet (0: none). */
  private shownHead = 0;
  /** This subscription holds the topic's entry in the shared heads (heads.ts). */
  private holdsHead = false;

  constructor(
    private readonly db: PrismaClient,
    private readonly topic: string,
    private readonly options: SubscribeOptions,
    private readonly hooks: SubscriptionHooks,
  ) {
    this.family = topic.slice(0, topic.indexOf(':'));
    this.queue = new EventQueue<BusEvent>(
      () => this.released(),
      hooks.onDeliver,
      // A client that stops reading loses its backlog, not the server its memory: it gets a GAP
      // (positioned before the event that overflowed) and refetches.
      { maxBuffered: MAX_BACKLOG, onOverflow: () => gapEvent(topic, this.last - 1) },
    );
    this.queue.redirectable = true;
    hooks.onOpen(this.family);
  }

  /** `opening`: listens on the bus before anything is read, so no commit falls between the read and the listen. */
  async listen(bus: Bus): Promise<void> {
    try {
      this.unlisten = await bus.subscribe(this.topic, (event) => this.received(event));
    } catch (error) {
      this.queue.end();
      throw error;
    }
    if (this.queue.closed) this.unlisten();
  }

  /** `opening` → `replaying` → `live`: finds the starting point, replays up to the head, drains the inbox. */
  async start(after: number | null): Promise<void> {
    const { hooks, topic } = this;
    try {
      const read = () => head(this.db, topic);
      let facts = hooks.heads ? await hooks.heads.current(topic) : await read();
      // A cursor past a known or shared head may come from a commit after that read: judge it on our own.
      if (after !== null && after > facts.seq) facts = await read();
      if (this.queue.closed) return;
      this.state = 'replaying';
      hooks.onLive(this.family);
      if (after === null) {
        this.last = facts.seq;
      } else if (after < facts.trimmedThrough || after > facts.seq) {
        // Older than retention (or from another database): say so once, then continue from the head.
        this.last = facts.seq;
        await this.emit(gapEvent(topic, facts.seq));
      } else {
        this.last = after;
        // Resuming at the head (a reconnect storm where nothing happened meanwhile) reads nothing.
        if (after < facts.seq) await this.fill(null, true);
      }
      if (this.queue.closed) return;
      this.state = 'live';
      if (hooks.watch) this.unwatch = hooks.watch(topic, (headSeq) => this.checkHead(headSeq));
      if (hooks.heads) {
        hooks.heads.hold(topic, this.last, facts.trimmedThrough);
        this.holdsHead = true;
      }
      await this.drain();
    } catch (error) {
      this.queue.fail(error);
    }
  }

  /** The bus callback: the live case goes straight to the queue; anything else waits in the inbox. */
  private received(event: BusEvent): void {
    if (this.queue.closed) return;
    if (this.state === 'live' && !this.draining && this.inbox.length === 0 && (event.seq === null || event.seq === this.last + 1)) {
      // Once per subscriber per event: the next event, nothing waiting before it.
      const waiting = this.emit(event);
      if (waiting) {
        // A check that has to wait: later events queue behind it in the inbox.
        this.draining = true;
        waiting.then(
          () => {
            this.draining = false;
            void this.drain();
          },
          (error: unknown) => this.queue.fail(error),
        );
      }
      return;
    }
    // While a long replay runs, live events wait here. Only the newest needs keeping: the drain
    // reads anything between the replay's end and it from the log.
    if (this.inbox.length >= MAX_BACKLOG && event.seq !== null) this.inbox.length = 0;
    this.inbox.push({ type: 'event', event });
    void this.drain();
  }

  /** Synchronous unless a check has to wait: a live event reaches the socket in the bus callback. */
  private emit(event: BusEvent): Promise<void> | void {
    if (event.seq !== null) {
      this.last = event.seq;
      if (this.holdsHead) this.hooks.heads!.seen(this.topic, this.last);
    }
    const verdict = this.options.check ? this.options.check(event) : 'deliver';
    if (typeof verdict !== 'string') return verdict.then((v) => this.apply(v, event));
    this.apply(verdict, event);
  }

  private apply(verdict: Verdict, event: BusEvent): void {
    const queue = this.queue;
    if (verdict === 'end') queue.end();
    else if (verdict === 'deliver') queue.push(event);
    else if (verdict === 'last') {
      queue.push(event);
      void queue.sent().then(() => queue.end());
    }
  }

  /**
   * Delivers logged events after `last` and before `before` (no bound when null), in pages. Seqs
   * have no holes, so a missing `last + 1` was trimmed by retention while we read: one GAP says so.
   * A `paced` fill (a resume's replay) takes the replay gate for each page, from its read until its
   * events are handed to the socket (SLOT_HOLD_MS at most), and waits for the reader's socket to drain
   * before the next, so a replay of everything retention kept is bounded work that never overflows
   * the reader's live backlog bound, and the replays in flight on the instance are the gate's slots.
   */
  private async fill(before: number | null, paced = false): Promise<void> {
    const gate = paced ? this.hooks.replays : undefined;
    for (;;) {
      const more = gate ? await gate.run(this.options.client ?? this.topic, () => this.page(before, true)) : await this.page(before, false);
      if (!more) return;
      if (paced) await this.queue.room();
    }
  }

  /** Reads one page after `last` and delivers it (`held`: until it is sent, within SLOT_HOLD_MS); true when more may follow. */
  private async page(before: number | null, held: boolean): Promise<boolean> {
    const events = await readRange(this.db, this.topic, this.last, before, PAGE);
    const next = events.length > 0 ? events[0].seq! : before;
    if (next !== null && next > this.last + 1) await this.emit(gapEvent(this.topic, next - 1));
    for (const event of events) {
      if (this.queue.closed) return false;
      await this.emit(event);
    }
    if (held) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([this.queue.sent(), new Promise<void>((resolve) => (timer = setTimeout(resolve, SLOT_HOLD_MS)))]);
      clearTimeout(timer);
    }
    return events.length === PAGE;
  }

  /** Hands the inbox over in seq order (`live` only; a replay drains it when it is done). */
  private async drain(): Promise<void> {
    if (this.draining || this.state !== 'live') return;
    this.draining = true;
    try {
      while (this.inbox.length > 0 && !this.queue.closed) {
        const entry = this.inbox.shift()!;
        if (entry.type === 'head') {
          // The database may be unreachable right now: keep the subscription, the next sweep retries.
          if (entry.seq > this.last) await this.fill(entry.seq + 1).catch(() => {});
          continue;
        }
        const event = entry.event;
        if (event.seq === null) {
          await this.emit(event);
        } else if (event.seq > this.last) {
          if (event.seq > this.last + 1) await this.fill(event.seq);
          if (event.seq > this.last && !this.queue.closed) {
            const waiting = this.emit(event);
            if (waiting) await waiting;
          }
        }
      }
    } catch (error) {
      this.queue.fail(error);
    } finally {
      this.draining = false;
    }
  }

  /**
   * The sweeper's head check. A head that was already shown one sweep ago and is still ahead of what
   * was delivered means its publish was lost (writer died, bus down): fill from the log. Ordinary bus
   * latency (well under one sweep interval) never causes a log read.
   */
  private checkHead(headSeq: number): void {
    if (this.queue.closed || this.state !== 'live') return;
    if (this.shownHead > this.last) {
      this.inbox.push({ type: 'head', seq: this.shownHead });
      void this.drain();
    }
    this.shownHead = headSeq > this.last ? headSeq : 0;
  }

  /** → `closed` (the queue ended, once): lets go of the bus, the sweeper and the shared head. */
  private released(): void {
    const wasLive = this.state !== 'opening';
    this.state = 'closed';
    this.unlisten?.();
    this.unlisten = null;
    this.unwatch?.();
    this.unwatch = null;
    this.inbox.length = 0;
    if (this.holdsHead) this.hooks.heads?.release(this.topic);
    this.hooks.onClose(this.family, wasLive);
  }
}
