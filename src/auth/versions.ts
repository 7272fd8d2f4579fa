/**
 * The token version (and role) of each user, known on this instance so that neither a request nor a
 * reconnect storm of WebSocket connections reads the user each time: one read per user per instance
 * (single flight), then kept true by the revocation signal on the bus.
 *
 * Invariants (an entry is never trusted beyond what the bus guarantees):
 * - entries are used and stored only while the revocation channel is listening; when the bus
 *   connection drops (`interrupted`) every entry is forgotten, since a revocation may be lost meanwhile;
 * - a revocation raises a known entry's version at once (on the revoking instance before the signal
 *   is even sent), and a read that was in flight when any revocation arrived is not stored;
 * - an entry lives at most `ttlMs` (a backstop for a signal lost in a way nobody noticed; and the
 *   longest a role changed in the database without a revocation goes unseen by new connections);
 * - every credential check uses it (HTTP, SSE, WebSocket): a revocation applies here at once on the
 *   revoking instance, and elsewhere when its signal arrives (milliseconds), which also ends the streams
 *   opened with the old token just before it (UserStreams). A request answered in that window is one
 *   that raced the revocation, as it could have on any single instance.
 */
import type { SharedReads } from '../db/shared-reads.js';

export interface UserFacts {
  role: 'USER' | 'ADMIN';
  tokenVersion: number;
}

export class TokenVersions {
  private readonly known = new Map<string, UserFacts & { until: number }>();
  private listening = false;
  private readonly listeners = new Set<(userId: string, version: number) => void>();
  /** Changes on every revocation and interruption: a read that spans one is not stored. */
  private epoch = 0;

  constructor(
    private readonly reads: SharedReads,
    private readonly load: (userId: string) => Promise<UserFacts | null>,
    private readonly options: { ttlMs?: number; max?: number } = {},
  ) {}

  /**
   * The user's role and token version: known here, or one read shared by concurrent callers. A token
   * signed with another role than the known one (the role was changed in the database and the user
   * signed in again) reads afresh.
   */
  async get(userId: string, claimedRole?: UserFacts['role']): Promise<UserFacts | null> {
    const known = this.listening ? this.known.get(userId) : undefined;
    if (known && known.until > Date.now() && (claimedRole === undefined || claimedRole === known.role)) {
      return { role: known.role, tokenVersion: known.tokenVersion };
    }
    const epoch = this.epoch;
    const user = await this.reads.once(`user:${userId}`, () => this.load(userId));
    if (user && this.listening && epoch === this.epoch) {
      this.known.delete(userId);
      this.known.set(userId, { ...user, until: Date.now() + (this.options.ttlMs ?? 60_000) });
      if (this.known.size > (this.options.max ?? 100_000)) this.known.delete(this.known.keys().next().value!);
    }
    return user;
  }

  /** Every token of `userId` before `version` is revoked (heard on the bus, or revoked here): listeners run after. */
  revoked(userId: string, version: number): void {
    this.epoch++;
    const known = this.known.get(userId);
    if (known && known.tokenVersion < version) known.tokenVersion = version;
    for (const listener of this.listeners) listener(userId, version);
  }

  /** Runs `listener` for every revocation this instance hears (the one bus listener is in app.ts); returns a remover. */
  onRevoked(listener: (userId: string, version: number) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The revocation channel listens (again): entries may be kept from now on. */
  resumed(): void {
    this.epoch++;
    this.known.clear();
    this.listening = true;
  }

  /** The revocation channel may have missed signals: forget everything, keep nothing until resumed. */
  interrupted(): void {
    this.epoch++;
    this.listening = false;
    this.known.clear();
  }
}
