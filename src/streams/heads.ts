/**
 * What a new subscriber needs of its topic, known once per topic per instance: the head (last seq)
 * and how far retention trimmed. While live subscribers of a topic hold it, its head is known without
 * a read; before that, concurrent openers of one topic share ONE in-flight read (single flight), so a
 * reconnect storm of N subscribers costs one head read per topic, not N.
 *
 * Invariants:
 * - a known head is a lower bound of the log's head: a subscriber starting there merges by seq, so
 *   an event it missed on the bus (published before it listened, or while a holder was catching up)
 *   is read from the log when the next one arrives or when the publish sweeper shows the head (never lost);
 * - `trimmedThrough` here may be older than the log's: a fill that finds `last + 1` missing emits the
 *   GAP itself (subscription.ts), so a stale value costs a read, never a silent loss;
 * - a failed read is not remembered: the next opener tries again;
 * - the heads of different topics asked for in the same turn of the event loop are read in ONE
 *   statement (a storm over many small topics: conversations, users' notifications).
 */
export interface LogHeadFacts {
  seq: number;
  trimmedThrough: number;
}

/** Reads the heads of several topics in one statement (a topic without a row is absent). */
export type ReadHeads = (topics: string[]) => Promise<Map<string, LogHeadFacts>>;

export class TopicHeads {
  private readonly heads = new Map<string, LogHeadFacts & { holders: number }>();
  private readonly reads = new Map<string, Promise<LogHeadFacts>>();
  /** Topics asked for in this turn, read together on the next. */
  private batch: { topics: string[]; done: Promise<Map<string, LogHeadFacts>> } | null = null;

  constructor(private readonly readHeads: ReadHeads) {}

  /** The known head of `topic`, or the result of one read shared with every concurrent caller. */
  current(topic: string): LogHeadFacts | Promise<LogHeadFacts> {
    const known = this.heads.get(topic);
    if (known) return { seq: known.seq, trimmedThrough: known.trimmedThrough };
    let pending = this.reads.get(topic);
    if (!pending) {
      pending = this.batched(topic).finally(() => this.reads.delete(topic));
      this.reads.set(topic, pending);
    }
    return pending;
  }

  private async batched(topic: string): Promise<LogHeadFacts> {
    if (!this.batch) {
      const topics: string[] = [];
      const done = new Promise<void>((resolve) => setImmediate(resolve)).then(() => {
        this.batch = null;
        return this.readHeads(topics);
      });
      this.batch = { topics, done };
    }
    this.batch.topics.push(topic);
    return (await this.batch.done).get(topic) ?? { seq: 0, trimmedThrough: 0 };
  }

  /** A live subscriber of `topic` knows its head is at least `seq`. */
  hold(topic: string, seq: number, trimmedThrough = 0): void {
    const head = this.heads.get(topic);
    if (head) {
      head.holders++;
      if (seq > head.seq) head.seq = seq;
      if (trimmedThrough > head.trimmedThrough) head.trimmedThrough = trimmedThrough;
    } else this.heads.set(topic, { seq, trimmedThrough, holders: 1 });
  }

  seen(topic: string, seq: number): void {
    const head = this.heads.get(topic);
    if (head && seq > head.seq) head.seq = seq;
  }

  release(topic: string): void {
    const head = this.heads.get(topic);
    if (head && --head.holders === 0) this.heads.delete(topic);
  }
}
