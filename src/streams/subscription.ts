/**
 * One subscriber's view of a stream: live events from the bus merged with the log by seq.
 *
 * 1. listen on the bus first, buffering;
 * 2. replay the log after the cursor (or start at the head when there is none; or emit one GAP when
 *    the cursor is older than what retention kept);
 * 3. drain the buffer in order: drop seq <= last delivered; when a live event skips ahead, read the
 *    missing ones from the log first. Ephemeral events (seq null) pass straight through.
 */
import type { PrismaClient } from '../db/index.js';
import type { Bus } from './bus.js';
import { decodeCursor } from './cursor.js';
import type { TopicHeads } from './heads.js';
import { head, readRange } from './log.js';
import { EventQueue, MAX_BACKLOG } from './queue.js';
import type { FairGate } from './replays.js';
import type { BusEvent } from './topics.js';

/**
 * What to do with one event: deliver it, skip it, deliver nothing and end the stream, or (`last`)
 * deliver it and end the stream once it is sent (a stream's final event).
 */
export type Verdict = 'deliver' | 'skip' | 'end' | 'last';

export interface SubscribeOptions<E extends BusEvent = BusEvent> {
  /** An opaque cursor from an earlier event of this stream. */
  after?: string | null;
  /**
   * Checked for every event, replayed or live, before it reaches the subscriber's queue (authorization
   * that can change mid-stream, filters): a skipped event costs the subscriber nothing further.
   */
  check?: (event: E) => Verdict | Promise<Verdict>;
  /**
   * Who is reading (the user; the connection or address when anonymous): replays take turns per
   * client through the fair gate (replays.ts), so one client's flood costs that client.
   */
  client?: string;
}

export interface SubscriptionHooks {
  onOpen(family: string): void;
  /** The subscription listens on the bus and knows its starting point: every later commit reaches it. */
  onLive(family: string): void;
  onClose(family: string, wasLive: boolean): void;
  onDeliver(event: BusEvent): void;
  /**
   * Registers the live subscription with the publish sweeper (sweeper.ts), which calls `check` with
   * the topic's head; the returned function unregisters it.
   */
  watch?(topic: string, check: (headSeq: number) => void): () => void;
  /** Replay page reads take turns through this gate (a cap on concurrent replays per instance). */
  replays?: FairGate;
  /** Heads of topics known here (or being read), so an opener starts without its own database read (heads.ts). */
  heads?: TopicHeads;
}

/** An inbox entry that is not an event: "the log's head was at least `seq`", left by the sweeper. */
const HEAD_MARK = '#HEAD';

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
  const family = topic.slice(0, topic.indexOf(':'));
  const inbox: BusEvent[] = [];
  let unlisten: (() => void) | null = null;
  let live = false;
  let ready = false;
  let draining = false;
  let last = 0;
  let unwatch: (() => void) | null = null;
  /** A head the previous sweep showed that was not delivered yet (0: none). */
  let shownHead = 0;
  let holdsHead = false;

  const gapAfter = (seq: number) => ({ topic, seq, kind: 'GAP', data: {}, at: new Date().toISOString() }) as BusEvent;
  const queue = new EventQueue<BusEvent>(
    () => {
      unlisten?.();
      unlisten = null;
      unwatch?.();
      unwatch = null;
      inbox.length = 0;
      if (holdsHead) hooks.heads?.release(topic);
      hooks.onClose(family, live);
    },
    hooks.onDeliver,
    // A client that stops reading loses its backlog, not the server its memory: it gets a GAP
    // (positioned before the event that overflowed) and refetches.
    { maxBuffered: MAX_BACKLOG, onOverflow: () => gapAfter(last - 1) },
  );
  queue.redirectable = true;
  hooks.onOpen(family);

  /** Synchronous unless a check has to wait: a live event reaches the socket in the bus callback. */
  function emit(event: BusEvent): Promise<void> | void {
    if (event.seq !== null) {
      last = event.seq;
      if (holdsHead) hooks.heads!.seen(topic, last);
    }
    const verdict = options.check ? options.check(event) : 'deliver';
    if (typeof verdict !== 'string') return verdict.then((v) => apply(v, event));
    apply(verdict, event);
  }

  function apply(verdict: Verdict, event: BusEvent): void {
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
  async function fill(before: number | null, paced = false): Promise<void> {
    for (;;) {
      const more =
        paced && hooks.replays ? await hooks.replays.run(options.client ?? topic, () => page(before, true)) : await page(before, false);
      if (!more) return;
      if (paced) await queue.room();
    }
  }

  /** Reads one page after `last` and delivers it (`held`: until it is sent, within SLOT_HOLD_MS); true when more may follow. */
  async function page(before: number | null, held: boolean): Promise<boolean> {
    const events = await readRange(db, topic, last, before, PAGE);
    const next = events.length > 0 ? events[0].seq! : before;
    if (next !== null && next > last + 1) await emit(gapAfter(next - 1));
    for (const event of events) {
      if (queue.closed) return false;
      await emit(event);
    }
    if (held) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([queue.sent(), new Promise<void>((resolve) => (timer = setTimeout(resolve, SLOT_HOLD_MS)))]);
      clearTimeout(timer);
    }
    return events.length === PAGE;
  }

  async function drain(): Promise<void> {
    if (draining || !ready) return;
    draining = true;
    try {
      while (inbox.length > 0 && !queue.closed) {
        const event = inbox.shift()!;
        if ((event.kind as string) === HEAD_MARK) {
          // The database may be unreachable right now: keep the subscription, the next sweep retries.
          if (event.seq! > last) await fill(event.seq! + 1).catch(() => {});
        } else if (event.seq === null) {
          await emit(event);
        } else if (event.seq > last) {
          if (event.seq > last + 1) await fill(event.seq);
          if (event.seq > last && !queue.closed) {
            const waiting = emit(event);
            if (waiting) await waiting;
          }
        }
      }
    } catch (error) {
      queue.fail(error);
    } finally {
      draining = false;
    }
  }

  /**
   * The sweeper's head check. A head that was already shown one sweep ago and is still ahead of what
   * was delivered means its publish was lost (writer died, bus down): fill from the log. Ordinary bus
   * latency (well under one sweep interval) never causes a log read.
   */
  function checkHead(headSeq: number): void {
    if (queue.closed || !ready) return;
    if (shownHead > last) {
      inbox.push({ topic, seq: shownHead, kind: HEAD_MARK, data: {}, at: '' });
      void drain();
    }
    shownHead = headSeq > last ? headSeq : 0;
  }

  async function start(): Promise<void> {
    try {
      const read = () => head(db, topic);
      let facts = hooks.heads ? await hooks.heads.current(topic) : await read();
      // A cursor past a known or shared head may come from a commit after that read: judge it on our own.
      if (after !== null && after > facts.seq) facts = await read();
      if (queue.closed) return;
      live = true;
      hooks.onLive(family);
      if (after === null) {
        last = facts.seq;
      } else if (after < facts.trimmedThrough || after > facts.seq) {
        // Older than retention (or from another database): say so once, then continue from the head.
        last = facts.seq;
        await emit(gapAfter(facts.seq));
      } else {
        last = after;
        // Resuming at the head (a reconnect storm where nothing happened meanwhile) reads nothing.
        if (after < facts.seq) await fill(null, true);
      }
      ready = true;
      if (!queue.closed && hooks.watch) unwatch = hooks.watch(topic, checkHead);
      if (hooks.heads && !queue.closed) {
        hooks.heads.hold(topic, last, facts.trimmedThrough);
        holdsHead = true;
      }
      await drain();
    } catch (error) {
      queue.fail(error);
    }
  }

  try {
    unlisten = await bus.subscribe(topic, (event) => {
      if (queue.closed) return;
      if (ready && !draining && inbox.length === 0 && (event.seq === null || event.seq === last + 1)) {
        // The live case, once per subscriber per event: the next event, nothing waiting before it.
        const waiting = emit(event);
        if (waiting) {
          // A check that has to wait: later events queue behind it in the inbox.
          draining = true;
          waiting.then(
            () => {
              draining = false;
              void drain();
            },
            (error: unknown) => queue.fail(error),
          );
        }
        return;
      }
      // While a long replay runs, live events wait here. Only the newest needs keeping: the drain
      // reads anything between the replay's end and it from the log.
      if (inbox.length >= MAX_BACKLOG && event.seq !== null) inbox.length = 0;
      inbox.push(event);
      void drain();
    });
  } catch (error) {
    queue.end();
    throw error;
  }
  if (queue.closed) unlisten();
  void start();
  return queue;
}
