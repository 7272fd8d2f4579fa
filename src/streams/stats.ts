/**
 * The subscription figures of this instance, for every kind of subscription (stream subscriptions
 * and presence feeds): open ones by family, live ones, events published and delivered, and the
 * commit-to-delivery time of logged events. Built by the composition root (app.ts); stream
 * subscriptions and presence feeds report to it, /metrics, the operations view and tests read it.
 */
export interface StreamStats {
  published: number;
  delivered: number;
  /** Stream events executed by the WebSocket fan-out: once per event per group of identical subscriptions. */
  executed: number;
  /** Open subscriptions by topic family. */
  active: Record<string, number>;
}

export class SubscriptionStats {
  private readonly counters: StreamStats = { published: 0, delivered: 0, executed: 0, active: {} };
  private live = 0;
  private readonly deliveryObservers = new Set<(latencyMs: number) => void>();
  private lastTimed: { event: object | null; at: number } = { event: null, at: 0 };

  /** A subscription of `family` opened (it is not live until `becameLive`). */
  opened(family: string): void {
    this.counters.active[family] = (this.counters.active[family] ?? 0) + 1;
  }

  /** An open subscription is listening, its starting point fixed. */
  becameLive(): void {
    this.live++;
  }

  closed(family: string, wasLive: boolean): void {
    this.counters.active[family] = (this.counters.active[family] ?? 1) - 1;
    if (wasLive) this.live--;
  }

  /** Opens a subscription that is live at once (a presence feed); call the returned function when it ends. */
  track(family: string): () => void {
    this.opened(family);
    this.becameLive();
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.closed(family, true);
    };
  }

  published(): void {
    this.counters.published++;
  }

  /** The fan-out executed one event for one group (transport/fanout.ts). */
  executed(): void {
    this.counters.executed++;
  }

  /** One event delivered to one subscriber; a logged one (with its commit time `at`) is timed. */
  delivered(event?: { seq: number | null; at: string }): void {
    this.counters.delivered++;
    if (event && event.seq !== null && this.deliveryObservers.size > 0) {
      // Every subscriber of an event is handed the same object: parse its commit time once.
      if (event !== this.lastTimed.event) this.lastTimed = { event, at: Date.parse(event.at) };
      const latencyMs = Date.now() - this.lastTimed.at;
      for (const observe of this.deliveryObservers) observe(latencyMs);
    }
  }

  /** Calls `observe` with the commit-to-delivery time (ms) of every logged event delivered (replays included). Returns the remover. */
  observeDeliveries(observe: (latencyMs: number) => void): () => void {
    this.deliveryObservers.add(observe);
    return () => this.deliveryObservers.delete(observe);
  }

  snapshot(): StreamStats {
    return { ...this.counters, active: { ...this.counters.active } };
  }

  /** Open subscriptions on this instance, all families. */
  activeCount(): number {
    return Object.values(this.counters.active).reduce((a, b) => a + b, 0);
  }

  /** Open subscriptions that are live: listening on the bus with their starting point fixed. */
  liveCount(): number {
    return this.live;
  }
}
