/**
 * Typing indicators: ephemeral TYPING signals on `conversation:<id>`, never stored or replayed.
 *
 * An indicator that is not renewed ends by itself: the instance that received `isTyping: true`
 * schedules the `isTyping: false` signal `typingTtlMs` later, pushed back on every renewal. Without
 * sticky sessions a renewal may reach another instance; each instance with a pending expiry listens
 * on the conversation's channel and hands the expiry over when another instance signals for the same
 * typist, so an indicator does not end early because an older instance's timer ran out.
 */
import { randomUUID } from 'node:crypto';
import { Topics, type AnyEventOf, type Streams } from '../streams/index.js';

interface Pending {
  timer: NodeJS.Timeout;
  unlisten: Promise<(() => void) | null>;
}

/** The pending typing expiries of one instance. */
export class TypingIndicators {
  private readonly pending = new Map<string, Pending>();
  /** Marks this instance's signals, to tell them from another instance's on the bus. */
  private readonly origin = randomUUID();
  private stopped = false;

  constructor(
    private readonly streams: Streams,
    private readonly ttlMs: number,
    private readonly onError: (error: unknown) => void,
  ) {}

  /** Signals the change now and (re)schedules or cancels the automatic end. */
  async set(conversationId: string, userId: string, isTyping: boolean): Promise<void> {
    // Listening before signalling: a renewal through another instance right after is not missed.
    if (isTyping) await this.schedule(conversationId, userId);
    else this.cancel(conversationId, userId);
    await this.streams.signal(Topics.conversation(conversationId), 'TYPING', { userId, isTyping, origin: this.origin });
  }

  /** Typists whose indicator this instance will end (for tests and stats). */
  get size(): number {
    return this.pending.size;
  }

  /** Drops every pending expiry without signalling (the instance is stopping). */
  stop(): void {
    this.stopped = true;
    for (const key of [...this.pending.keys()]) this.drop(key);
  }

  private async schedule(conversationId: string, userId: string): Promise<void> {
    if (this.stopped) return;
    const key = `${conversationId}\n${userId}`;
    const existing = this.pending.get(key);
    if (existing) clearTimeout(existing.timer);
    const timer = setTimeout(() => {
      this.drop(key);
      this.streams
        .signal(Topics.conversation(conversationId), 'TYPING', { userId, isTyping: false, origin: this.origin })
        .catch(this.onError);
    }, this.ttlMs);
    timer.unref();
    if (existing) {
      existing.timer = timer;
      await existing.unlisten;
      return;
    }
    const unlisten = this.streams.bus
      .subscribe(Topics.conversation(conversationId).name, (event) => {
        const e = event as AnyEventOf<'conversation'>;
        // Another instance now owns this typist's indicator: its timer (or its stop) ends it.
        if (e.kind === 'TYPING' && e.data.userId === userId && e.data.origin !== this.origin) this.drop(key);
      })
      .catch((error: unknown) => {
        this.onError(error);
        return null;
      });
    this.pending.set(key, { timer, unlisten });
    await unlisten;
  }

  private cancel(conversationId: string, userId: string): void {
    this.drop(`${conversationId}\n${userId}`);
  }

  private drop(key: string): void {
    const pending = this.pending.get(key);
    if (!pending) return;
    this.pending.delete(key);
    clearTimeout(pending.timer);
    void pending.unlisten.then((unlisten) => unlisten?.());
  }
}
