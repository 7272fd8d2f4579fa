/** Prometheus metrics for `/metrics`: one registry per instance, read from the live counters at scrape time. */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Bus } from '../streams/bus.js';
import type { SubscriptionStats } from '../streams/stats.js';
import type { Connections } from '../presence/connections.js';

export function createMetrics(stats: SubscriptionStats, bus: Bus, connections: Connections, instanceId: string, defaults: boolean) {
  const registry = new Registry();
  registry.setDefaultLabels({ instance_id: instanceId });
  if (defaults) collectDefaultMetrics({ register: registry });

  new Gauge({
    name: 'pulse_websocket_connections',
    help: 'Open WebSocket connections on this instance.',
    registers: [registry],
    collect() {
      this.set(connections.count);
    },
  });
  new Gauge({
    name: 'pulse_subscriptions_active',
    help: 'Open stream subscriptions on this instance, by stream family.',
    labelNames: ['family'],
    registers: [registry],
    collect() {
      this.reset();
      for (const [family, count] of Object.entries(stats.snapshot().active)) this.set({ family }, count);
    },
  });
  new Gauge({
    name: 'pulse_subscriptions_live',
    help: 'Open stream subscriptions that are live: listening on the bus with their starting point fixed (every later commit reaches them).',
    registers: [registry],
    collect() {
      this.set(stats.liveCount());
    },
  });
  new Gauge({
    name: 'pulse_bus_topics',
    help: 'Bus topics (Redis channels) this instance listens to.',
    registers: [registry],
    collect() {
      this.set(bus.stats().topics);
    },
  });
  const published = new Counter({
    name: 'pulse_stream_events_published_total',
    help: 'Stream events published on the bus.',
    registers: [registry],
  });
  const delivered = new Counter({
    name: 'pulse_stream_events_delivered_total',
    help: 'Stream events delivered to subscribers.',
    registers: [registry],
  });
  let seen = { published: 0, delivered: 0 };
  const sync = () => {
    const now = stats.snapshot();
    published.inc(now.published - seen.published);
    delivered.inc(now.delivered - seen.delivered);
    seen = { published: now.published, delivered: now.delivered };
  };
  const latency = new Histogram({
    name: 'pulse_delivery_latency_seconds',
    help: 'Time from the commit of a logged stream event to its delivery to a subscriber (replays included).',
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry],
  });
  const stopObserving = stats.observeDeliveries((ms) => latency.observe(ms / 1000));
  const operations = new Counter({
    name: 'pulse_graphql_operations_total',
    help: 'GraphQL operations executed, by type.',
    labelNames: ['type'],
    registers: [registry],
  });
  const shed = new Counter({
    name: 'pulse_websocket_shed_total',
    help: 'WebSocket connections closed with 1013 at once because the instance was at MAX_CONNECTIONS.',
    registers: [registry],
  });

  return {
    registry,
    operations,
    shed,
    /** Stops feeding the latency histogram (the server is closing). */
    dispose: stopObserving,
    async scrape(): Promise<{ contentType: string; body: string }> {
      sync();
      return { contentType: registry.contentType, body: await registry.metrics() };
    },
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
