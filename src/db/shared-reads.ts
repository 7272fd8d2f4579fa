/**
 * Reads shared by every caller on this instance, for the paths a reconnect storm runs thousands of
 * times at once (opening a subscription, authenticating a connection):
 * - `once`: concurrent callers with one key wait on ONE in-flight read (single flight); nothing is kept;
 * - `lasting`: the same, and a result that can never turn false again (an event or a post exists:
 *   neither is ever deleted) is remembered, at most `max` of them, oldest forgotten first.
 * A failed read is not remembered: the next caller reads again.
 */
export class SharedReads {
  private readonly inFlight = new Map<string, Promise<unknown>>();
  private readonly kept = new Map<string, unknown>();

  constructor(private readonly max = 100_000) {}

  once<T>(key: string, read: () => Promise<T>): Promise<T> {
    let pending = this.inFlight.get(key) as Promise<T> | undefined;
    if (!pending) {
      pending = read().finally(() => this.inFlight.delete(key));
      this.inFlight.set(key, pending);
    }
    return pending;
  }

  /** `once`, remembering a result that `lasts` says can never change. */
  async lasting<T>(key: string, read: () => Promise<T>, lasts: (value: T) => boolean): Promise<T> {
    if (this.kept.has(key)) return this.kept.get(key) as T;
    const value = await this.once(key, read);
    if (lasts(value) && !this.kept.has(key)) {
      this.kept.set(key, value);
      if (this.kept.size > this.max) this.kept.delete(this.kept.keys().next().value!);
    }
    return value;
  }
}
