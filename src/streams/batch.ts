/**
 * Group commit for hot keys. Writers that all lock one row (one event's seats, one post's likes)
 * would otherwise queue one transaction each behind that row lock. A `GroupCommit` coalesces them per
 * key on this instance: the first request for an idle key starts a batch at once (with whatever else
 * arrived in the same tick); while that batch's write is in flight, new requests for the key wait and
 * form the next batch. A batch applies its requests in arrival order in ONE atomic write (a
 * `Streams.write` transaction, or a single `Streams.writeStatement`), so its rows and its stream events
 * commit together and are published after the commit; each caller is answered with its own outcome.
 * If the write fails, nothing of the batch is committed or published and every caller in it gets that
 * error. Across instances, the row lock the batch takes orders the batches, exactly as it orders
 * single transactions.
 */
/** One request's outcome inside a batch that commits: its value, or its own expected error (SOLD_OUT). */
export type Outcome<R> = { ok: true; value: R } | { ok: false; error: Error };

/**
 * Applies a batch: `requests` in arrival order, all for `key`, in one atomic write through `streams`
 * (the instance's `Streams`: a type parameter, so this module does not import the one that builds it).
 * Returns one outcome per request, same order. Throwing (a failing statement or transaction) means the
 * write committed nothing, and fails every request in the batch.
 */
export type ApplyBatch<Q, R, S> = (streams: S, key: string, requests: readonly Q[]) => Promise<Outcome<R>[]>;

export interface GroupCommitOptions {
  /** Most requests in one transaction; the rest wait for the next batch (default 500). */
  maxBatch?: number;
}

interface Pending<Q, R> {
  request: Q;
  resolve(value: R): void;
  reject(error: unknown): void;
}

interface KeyState<Q, R> {
  waiting: Pending<Q, R>[];
  running: boolean;
}

export class GroupCommit<Q, R, S> {
  private readonly keys = new Map<string, KeyState<Q, R>>();
  private readonly maxBatch: number;
  /** Batches committed or failed, and requests answered by them: for metrics and tests. */
  readonly stats = { batches: 0, requests: 0, largest: 0 };

  constructor(
    private readonly streams: S,
    private readonly apply: ApplyBatch<Q, R, S>,
    options: GroupCommitOptions = {},
  ) {
    this.maxBatch = options.maxBatch ?? 500;
  }

  /** Queues `request` for `key`'s next batch; settles with this request's own outcome. */
  submit(key: string, request: Q): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      let state = this.keys.get(key);
      if (!state) this.keys.set(key, (state = { waiting: [], running: false }));
      state.waiting.push({ request, resolve, reject });
      if (!state.running) {
        state.running = true;
        // A microtask, so requests submitted in the same tick share the first batch.
        queueMicrotask(() => void this.drain(key, state));
      }
    });
  }

  private async drain(key: string, state: KeyState<Q, R>): Promise<void> {
    while (state.waiting.length > 0) {
      const batch = state.waiting.splice(0, this.maxBatch);
      this.stats.batches++;
      this.stats.requests += batch.length;
      this.stats.largest = Math.max(this.stats.largest, batch.length);
      try {
        const outcomes = await this.apply(
          this.streams,
          key,
          batch.map((p) => p.request),
        );
        if (outcomes.length !== batch.length) throw new Error(`a batch of ${batch.length} returned ${outcomes.length} outcomes`);
        batch.forEach((p, i) => {
          const outcome = outcomes[i];
          if (outcome.ok) p.resolve(outcome.value);
          else p.reject(outcome.error);
        });
      } catch (error) {
        for (const p of batch) p.reject(error);
      }
    }
    state.running = false;
    this.keys.delete(key);
  }
}
