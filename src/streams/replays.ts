/**
 * A fair gate for replay reads: at most `slots` log pages are being read at once on this instance,
 * and waiting replays take turns in arrival order. A replay takes the gate once per page, so ten
 * clients resuming from far back interleave page by page instead of one holding the database (and
 * everyone else's queries) until it has read ten thousand events.
 */
export class FairGate {
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly slots: number) {}

  /** Runs `work` when a slot is free (first come, first served). */
  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.running >= this.slots) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.running++;
    try {
      return await work();
    } finally {
      const next = this.waiting.shift();
      if (next)
        next(); // hands the slot over: `running` stays the same
      else this.running--;
    }
  }

  /** Replays waiting for a slot. */
  get queued(): number {
    return this.waiting.length;
  }
}
