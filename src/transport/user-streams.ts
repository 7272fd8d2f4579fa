/**
 * Every open stream of each signed-in user on this instance, whatever carries it (a WebSocket with
 * its subscriptions, an SSE response, anything added later), so that a credential's end ends them all:
 *
 * - revocation: `revoke(userId, version)` (from the revocation signal every instance hears) ends every
 *   stream opened with a token older than `version`; a stream registering with a token that a
 *   revocation already outdated is refused (its token was checked just before the signal arrived);
 * - expiry: a stream is ended when its token expires (to the second), not only refused later.
 *
 * The transport decides what ending means for its stream (`end`): a WebSocket closes with 4403, an
 * SSE response sends an UNAUTHENTICATED event and completes.
 */

export type EndReason = 'revoked' | 'expired';

export interface StreamRegistration {
  /** The stream ended on its own (the client left): forget it. */
  remove(): void;
}

interface Entry {
  userId: string;
  version: number;
  expiresAt: number | null;
  end(reason: EndReason): void;
}

/** Recent revocations remembered, for streams whose token was checked just before one arrived. */
const REMEMBERED = 10_000;
/** setTimeout's longest delay; a later expiry re-arms. */
const LONGEST_TIMER_MS = 2 ** 31 - 1;

export class UserStreams {
  private readonly byUser = new Map<string, Set<Entry>>();
  private readonly revoked = new Map<string, number>();
  /** Entries by the second their token expires: one timer per second that has any. */
  private readonly expiring = new Map<number, { entries: Set<Entry>; timer: NodeJS.Timeout }>();

  /**
   * Registers a stream opened with a token of `version` that expires at `expiresAt` (ms since the
   * epoch); null (registering nothing) when a revocation of that version has already arrived.
   */
  add(userId: string, version: number, expiresAt: number | null, end: (reason: EndReason) => void): StreamRegistration | null {
    if ((this.revoked.get(userId) ?? -1) >= version + 1) return null;
    const entry: Entry = { userId, version, expiresAt, end };
    let entries = this.byUser.get(userId);
    if (!entries) this.byUser.set(userId, (entries = new Set()));
    entries.add(entry);
    if (expiresAt !== null) this.expireAt(entry, expiresAt);
    return { remove: () => this.forget(entry) };
  }

  /** Ends every stream of `userId` opened with a token older than `version`. */
  revoke(userId: string, version: number): void {
    const latest = Math.max(version, this.revoked.get(userId) ?? 0);
    this.revoked.delete(userId); // re-inserted last: the oldest entries are dropped first
    this.revoked.set(userId, latest);
    if (this.revoked.size > REMEMBERED) this.revoked.delete(this.revoked.keys().next().value!);
    for (const entry of [...(this.byUser.get(userId) ?? [])]) {
      if (entry.version < version) this.finish(entry, 'revoked');
    }
  }

  /** Stops the expiry timers (the instance is stopping; its streams are being closed anyway). */
  close(): void {
    for (const { timer } of this.expiring.values()) clearTimeout(timer);
    this.expiring.clear();
  }

  private expireAt(entry: Entry, expiresAt: number): void {
    const second = Math.ceil(expiresAt / 1000);
    const bucket = this.expiring.get(second);
    if (bucket) return void bucket.entries.add(entry);
    const timer = setTimeout(() => this.expireSecond(second), Math.min(LONGEST_TIMER_MS, Math.max(0, second * 1000 - Date.now())));
    timer.unref();
    this.expiring.set(second, { entries: new Set([entry]), timer });
  }

  private expireSecond(second: number): void {
    const bucket = this.expiring.get(second);
    if (!bucket) return;
    this.expiring.delete(second);
    if (second * 1000 > Date.now()) {
      // The delay was clamped (an expiry weeks away): arm again for what is left.
      for (const entry of bucket.entries) this.expireAt(entry, entry.expiresAt!);
      return;
    }
    for (const entry of bucket.entries) this.finish(entry, 'expired');
  }

  private finish(entry: Entry, reason: EndReason): void {
    if (!this.forget(entry)) return;
    entry.end(reason);
  }

  /** Removes `entry`; false when it was already gone. */
  private forget(entry: Entry): boolean {
    const entries = this.byUser.get(entry.userId);
    if (!entries?.delete(entry)) return false;
    if (entries.size === 0) this.byUser.delete(entry.userId);
    if (entry.expiresAt !== null) {
      const second = Math.ceil(entry.expiresAt / 1000);
      const bucket = this.expiring.get(second);
      if (bucket?.entries.delete(entry) && bucket.entries.size === 0) {
        clearTimeout(bucket.timer);
        this.expiring.delete(second);
      }
    }
    return true;
  }
}
