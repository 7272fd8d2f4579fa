/**
 * The publish sweeper: the log is the truth, the bus only a doorbell.
 *
 * An event is published after its commit. If the writer dies between the two, or the bus drops the
 * message (Redis down), a live subscriber on a quiet topic would otherwise wait for the next event of
 * that topic to reveal the gap, which may never come. So every `intervalMs` each instance reads the
 * heads of all topics it has live subscribers on, in one query, and hands each head to those
 * subscribers (`check(head)`). A subscriber that is still behind a head it was shown one sweep
 * earlier fills from the log (see `checkHead` in subscription.ts): ordinary bus latency never causes
 * a log read, a lost publish is delivered within two intervals plus one log read.
 *
 * Cost per instance: nothing while it has no live persisted subscription; otherwise one indexed
 * primary-key read per interval, whatever the number of topics and subscribers.
 */
import type { PrismaClient } from '../db/index.js';

/** Called with the topic's head seq as of the sweep. */
export type HeadCheck = (headSeq: number) => void;

/** Live subscriptions per topic, each with its head check. */
export class LiveTopics {
  private readonly byTopic = new Map<string, Set<HeadCheck>>();

  /** Registers a live subscription of `topic`; the returned function removes it. */
  watch(topic: string, check: HeadCheck): () => void {
    let set = this.byTopic.get(topic);
    if (!set) this.byTopic.set(topic, (set = new Set()));
    set.add(check);
    return () => {
      if (set.delete(check) && set.size === 0 && this.byTopic.get(topic) === set) this.byTopic.delete(topic);
    };
  }

  topics(): string[] {
    return [...this.byTopic.keys()];
  }

  /** Shows every live subscription of `topic` its head. */
  check(topic: string, headSeq: number): void {
    for (const check of this.byTopic.get(topic) ?? []) check(headSeq);
  }
}

export interface SweeperStats {
  /** Head queries run since start. */
  sweeps: number;
  /** Sweeps that failed (database unreachable); the next one retries. */
  failures: number;
}

/** Starts sweeping; the returned function stops it (and waits for a sweep in progress). */
export function startSweeper(
  db: Pick<PrismaClient, 'streamTopic'>,
  live: LiveTopics,
  intervalMs: number,
  onError: (error: unknown) => void,
): { stop(): Promise<void>; stats(): SweeperStats } {
  const stats: SweeperStats = { sweeps: 0, failures: 0 };
  let stopped = false;
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<void> = Promise.resolve();

  async function sweep(): Promise<void> {
    const topics = live.topics();
    if (topics.length === 0) return;
    stats.sweeps++;
    try {
      const heads = await db.streamTopic.findMany({ where: { topic: { in: topics } }, select: { topic: true, seq: true } });
      for (const { topic, seq } of heads) live.check(topic, seq);
    } catch (error) {
      // The database is unreachable: subscribers stay open and catch up once a sweep succeeds.
      stats.failures++;
      onError(error);
    }
  }

  const schedule = () => {
    if (stopped) return;
    timer = setTimeout(() => {
      running = sweep().finally(schedule);
    }, intervalMs);
    timer.unref();
  };
  schedule();

  return {
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running;
    },
    stats: () => ({ ...stats }),
  };
}
