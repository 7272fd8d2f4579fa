/**
 * The operations view: every instance samples its figures once a second (connections, subscriptions
 * by stream, events published and delivered per second, commit-to-delivery latency) and publishes
 * them on the bus topic `ops:instances`; every instance keeps the latest sample of each, so an ADMIN's
 * `operationsStats` subscription on any instance sees the whole cluster.
 */
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import type { Streams } from '../streams/index.js';
import { EventQueue } from '../streams/queue.js';
import type { SubscriptionStats } from '../streams/stats.js';
import type { Connections } from '../presence/connections.js';
import { Topics, type InstanceStatsFacts, type StreamEvent } from '../streams/topics.js';

export const SAMPLE_INTERVAL_MS = 1_000;
/** An instance whose samples stop arriving (it died) leaves the view after this many intervals. */
const STALE_INTERVALS = 5;
/** Latencies kept per interval for the percentiles; beyond it, a uniform sample (reservoir). */
const LATENCY_SAMPLES = 4_096;

export interface InstanceStats extends InstanceStatsFacts {
  at: string;
}

export interface OperationsStats {
  at: string;
  instances: InstanceStats[];
}

const TOPIC = Topics.ops('instances');

/** What the monitor reads and publishes through (the composition root passes them). */
export interface MonitorDeps {
  streams: Streams;
  subscriptionStats: SubscriptionStats;
  connections: Connections;
  config: Pick<Config, 'instanceId'>;
  logger: Logger;
}

export class OperationsMonitor {
  private readonly latest = new Map<string, { stats: InstanceStats; receivedAt: number }>();
  private readonly watchers = new Set<EventQueue<OperationsStats>>();
  private readonly latencies = new Float64Array(LATENCY_SAMPLES);
  private latencyCount = 0;
  private previous = { published: 0, delivered: 0, at: Date.now() };
  private timer: NodeJS.Timeout | null = null;
  /** Listening to the other instances' samples: only while this instance has a watcher. */
  private listening: Promise<void> | null = null;
  private stopListening: (() => void) | null = null;

  constructor(
    private readonly app: MonitorDeps,
    private readonly intervalMs = SAMPLE_INTERVAL_MS,
  ) {}

  /** Starts sampling and publishing; returns the function that stops it. */
  start(): () => Promise<void> {
    const { subscriptionStats } = this.app;
    const stopObserving = subscriptionStats.observeDeliveries((ms) => this.observeLatency(ms));
    const stats = subscriptionStats.snapshot();
    this.previous = { published: stats.published, delivered: stats.delivered, at: Date.now() };
    this.timer = setInterval(() => void this.tick(), this.intervalMs);
    this.timer.unref();
    return async () => {
      if (this.timer) clearInterval(this.timer);
      stopObserving();
      for (const watcher of this.watchers) watcher.end();
      await this.listening;
    };
  }

  /** An ADMIN's feed: the cluster's latest figures after every sampling interval of this instance. */
  watch(): AsyncIterableIterator<OperationsStats> {
    // A reader that stops reading keeps only the newest figures.
    const queue: EventQueue<OperationsStats> = new EventQueue<OperationsStats>(() => this.unwatch(queue), undefined, {
      maxBuffered: 2,
      onOverflow: () => null,
    });
    this.watchers.add(queue);
    if (!this.listening) {
      const listening: Promise<void> = this.app.streams.bus
        .subscribe(TOPIC.name, (event) => this.received(event.data as InstanceStats))
        .then(
          // Every watcher may have left (and another may have started listening) meanwhile.
          (stop) => {
            if (this.listening === listening) this.stopListening = stop;
            else stop();
          },
          (err) => this.app.logger.error({ err }, 'the operations view cannot hear the other instances'),
        );
      this.listening = listening;
    }
    queue.push(this.snapshot());
    return queue;
  }

  private unwatch(queue: EventQueue<OperationsStats>): void {
    this.watchers.delete(queue);
    if (this.watchers.size > 0) return;
    this.stopListening?.();
    this.stopListening = null;
    this.listening = null; // a subscribe still pending sees this and removes its listener at once
    // Other instances' samples are heard again from the next watcher on.
    this.latest.clear();
  }

  /** The cluster as this instance last heard it (instances silent for a while are left out). */
  snapshot(): OperationsStats {
    const now = Date.now();
    const instances = [...this.latest.values()]
      .filter((entry) => now - entry.receivedAt < STALE_INTERVALS * this.intervalMs)
      .map((entry) => entry.stats)
      .sort((a, b) => a.instanceId.localeCompare(b.instanceId));
    if (!instances.some((i) => i.instanceId === this.app.config.instanceId)) instances.unshift(this.sample(false));
    return { at: new Date(now).toISOString(), instances };
  }

  private observeLatency(ms: number): void {
    const n = this.latencyCount++;
    if (n < LATENCY_SAMPLES) this.latencies[n] = ms;
    else {
      const slot = Math.floor(Math.random() * (n + 1));
      if (slot < LATENCY_SAMPLES) this.latencies[slot] = ms;
    }
  }

  /** This instance's figures since the previous sample; `advance` starts the next interval. */
  private sample(advance: boolean): InstanceStats {
    const { subscriptionStats, connections, config } = this.app;
    const now = Date.now();
    const stats = subscriptionStats.snapshot();
    const seconds = Math.max(0.001, (now - this.previous.at) / 1000);
    const kept = Math.min(this.latencyCount, LATENCY_SAMPLES);
    const sorted = this.latencies.slice(0, kept).sort();
    const percentile = (p: number) => (kept === 0 ? null : Math.max(0, sorted[Math.min(kept - 1, Math.floor(p * kept))]));
    const sample: InstanceStats = {
      instanceId: config.instanceId,
      at: new Date(now).toISOString(),
      connections: connections.count,
      subscriptions: Object.entries(stats.active)
        .filter(([, count]) => count > 0)
        .map(([kind, count]) => ({ kind, count })),
      publishedPerSecond: round((stats.published - this.previous.published) / seconds),
      deliveredPerSecond: round((stats.delivered - this.previous.delivered) / seconds),
      latencyP50Ms: percentile(0.5),
      latencyP99Ms: percentile(0.99),
      rssBytes: process.memoryUsage.rss(),
    };
    if (advance) {
      this.previous = { published: stats.published, delivered: stats.delivered, at: now };
      this.latencyCount = 0;
    }
    return sample;
  }

  private async tick(): Promise<void> {
    const sample = this.sample(true);
    // Kept at once, so this instance's watchers see it even while the bus is unreachable.
    this.received(sample, false);
    try {
      await this.app.streams.bus.publish(TOPIC.name, {
        topic: TOPIC.name,
        seq: null,
        kind: 'STATS',
        data: sample,
        at: sample.at,
      } satisfies StreamEvent<'ops', 'STATS'>);
    } catch {
      // Redis is down: /readyz says so; the other instances drop this one from their view.
    }
    const snapshot = this.snapshot();
    for (const watcher of this.watchers) watcher.push(snapshot);
  }

  private received(stats: InstanceStats, fromBus = true): void {
    // This instance's own sample comes back over the bus too; the local copy is already kept.
    if (fromBus && stats.instanceId === this.app.config.instanceId) return;
    this.latest.set(stats.instanceId, { stats, receivedAt: Date.now() });
  }
}

function round(value: number): number {
  return Math.round(value * 10) / 10;
}
