/** A page at the gate: asked for, started (holds a slot), done (gave it back). */
export type GateStep = 'asked' | 'started' | 'done';

/**
 * A fair gate for replays: at most `slots` log pages are in flight at once on this instance, and a
 * replay takes the gate once per page. A page holds its slot from its read until its events are
 * handed to the reader's socket (streams/subscription.ts bounds that wait), so the slots bound the
 * replay work of the whole instance (reads, executions, sends), not only its database reads. Fair per
 * client (the user; the connection or address when anonymous), not per replay:
 *
 * - waiting clients take turns page by page (round robin over clients, each client's own pages in
 *   order), so a client with fifty replays queued waits behind itself, and another client's replay
 *   is next in line after at most one page per client ahead of it;
 * - one client holds at most half the slots (at least one), so a slot is always free for the others
 *   soon: a flood from one client costs that client, not everyone resuming beside it.
 */
export class FairGate {
  private running = 0;
  private readonly runningBy = new Map<string, number>();
  /** Waiting clients in turn order, each with its pages' wake-ups in arrival order. */
  private readonly waiting = new Map<string, (() => void)[]>();
  private readonly perClient: number;
  private readonly observers = new Set<(step: GateStep, client: string) => void>();

  constructor(private readonly slots: number) {
    this.perClient = Math.max(1, Math.floor(slots / 2));
  }

  /** Runs `work` for `client` when its turn comes. */
  async run<T>(client: string, work: () => Promise<T>): Promise<T> {
    for (const observe of this.observers) observe('asked', client);
    await new Promise<void>((resolve) => {
      const queue = this.waiting.get(client);
      if (queue) queue.push(resolve);
      else this.waiting.set(client, [resolve]);
      this.next();
    });
    try {
      return await work();
    } finally {
      for (const observe of this.observers) observe('done', client);
      this.running--;
      const held = (this.runningBy.get(client) ?? 1) - 1;
      if (held === 0) this.runningBy.delete(client);
      else this.runningBy.set(client, held);
      this.next();
    }
  }

  /** Calls `observe` as each page is asked for, starts and is done, with its client (figures, tests); returns the remover. */
  observe(observe: (step: GateStep, client: string) => void): () => void {
    this.observers.add(observe);
    return () => this.observers.delete(observe);
  }

  /** Pages waiting for a slot, all clients. */
  get queued(): number {
    let count = 0;
    for (const queue of this.waiting.values()) count += queue.length;
    return count;
  }

  private mayStart(client: string): boolean {
    return this.running < this.slots && (this.runningBy.get(client) ?? 0) < this.perClient;
  }

  private start(client: string): void {
    this.running++;
    this.runningBy.set(client, (this.runningBy.get(client) ?? 0) + 1);
  }

  /** Hands free slots to waiting clients in turn: the first that may start, which then goes to the back. */
  private next(): void {
    while (this.running < this.slots) {
      let chosen: string | null = null;
      for (const client of this.waiting.keys()) {
        if (this.mayStart(client)) {
          chosen = client;
          break;
        }
      }
      if (chosen === null) return;
      const queue = this.waiting.get(chosen)!;
      const wake = queue.shift()!;
      this.waiting.delete(chosen);
      if (queue.length > 0) this.waiting.set(chosen, queue); // to the back of the turn order
      this.start(chosen);
      for (const observe of this.observers) observe('started', chosen);
      wake();
    }
  }
}
