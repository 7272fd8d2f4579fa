// What a stream subscription is opened with: the subscriber's options and the instance's hooks (subscription.ts).
import type { TopicHeads } from './heads.js';
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
