/**
 * The bus: fans stream events out to every instance. In-process when `REDIS_URL` is unset;
 * graphql-redis-subscriptions' RedisPubSub over two ioredis clients when it is set.
 *
 * Both keep one channel per topic, subscribed while at least one local listener wants it and
 * unsubscribed when the last one leaves, and fan a message out to local listeners once.
 */
import { RedisPubSub } from 'graphql-redis-subscriptions';
import { Redis } from 'ioredis';
import type { StreamEvent } from './topics.js';

export type Listener = (event: StreamEvent) => void;

export interface BusStats {
  /** Topics with at least one local listener (for Redis: channels this instance is subscribed to). */
  topics: number;
  listeners: number;
}

export interface Bus {
  readonly kind: 'memory' | 'redis';
  publish(topic: string, event: StreamEvent): Promise<void>;
  /** Resolves once the listener is live; the returned function removes it. */
  subscribe(topic: string, listener: Listener): Promise<() => void>;
  stats(): BusStats;
  /** A Redis client for shared state (presence), or null in embedded mode. */
  readonly redis: Redis | null;
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

/** Local fan-out: topic -> listeners, shared by both bus kinds. */
class Listeners {
  readonly byTopic = new Map<string, Set<Listener>>();

  add(topic: string, listener: Listener): boolean {
    let set = this.byTopic.get(topic);
    const first = !set;
    if (!set) this.byTopic.set(topic, (set = new Set()));
    set.add(listener);
    return first;
  }

  /** true when it was the last listener of the topic. */
  remove(topic: string, listener: Listener): boolean {
    const set = this.byTopic.get(topic);
    if (!set?.delete(listener) || set.size > 0) return false;
    this.byTopic.delete(topic);
    return true;
  }

  deliver(topic: string, event: StreamEvent): void {
    for (const listener of this.byTopic.get(topic) ?? []) {
      listener(event);
    }
  }

  stats(): BusStats {
    let listeners = 0;
    for (const set of this.byTopic.values()) listeners += set.size;
    return { topics: this.byTopic.size, listeners };
  }
}

export class MemoryBus implements Bus {
  readonly kind = 'memory';
  readonly redis = null;
  private readonly listeners = new Listeners();

  async publish(topic: string, event: StreamEvent): Promise<void> {
    // Deliver asynchronously, like a real bus: a publisher never runs subscriber code inline.
    queueMicrotask(() => this.listeners.deliver(topic, event));
  }

  async subscribe(topic: string, listener: Listener): Promise<() => void> {
    this.listeners.add(topic, listener);
    return () => void this.listeners.remove(topic, listener);
  }

  stats(): BusStats {
    return this.listeners.stats();
  }

  async ping(): Promise<boolean> {
    return true;
  }

  async close(): Promise<void> {
    this.listeners.byTopic.clear();
  }
}

export class RedisBus implements Bus {
  readonly kind = 'redis';
  readonly redis: Redis;
  private readonly subscriber: Redis;
  private readonly pubsub: RedisPubSub;
  private readonly listeners = new Listeners();
  /** Redis subscription id per topic (a promise while SUBSCRIBE is in flight). */
  private readonly subscriptions = new Map<string, Promise<number>>();

  /** `prefix` namespaces the channels, so deployments (or test files) can share one Redis. */
  constructor(
    url: string,
    private readonly prefix = 'pulse:',
    onError: (error: Error) => void = () => {},
  ) {
    // While Redis is unreachable, commands wait in ioredis's offline queue for at most
    // `commandTimeout`, then fail: nothing (a publish, a rate-limit check, /readyz) hangs forever.
    const options = { maxRetriesPerRequest: null, enableReadyCheck: true, lazyConnect: false, commandTimeout: 5_000 };
    this.redis = new Redis(url, options);
    this.subscriber = new Redis(url, options);
    // ioredis reconnects by itself; without a listener each failed attempt is an "Unhandled error event".
    let lastReport = 0;
    for (const client of [this.redis, this.subscriber]) {
      client.on('error', (error: Error) => {
        if (Date.now() - lastReport < 30_000) return;
        lastReport = Date.now();
        onError(error);
      });
    }
    this.pubsub = new RedisPubSub({ publisher: this.redis, subscriber: this.subscriber });
  }

  async publish(topic: string, event: StreamEvent): Promise<void> {
    await this.pubsub.publish(this.prefix + topic, event);
  }

  async subscribe(topic: string, listener: Listener): Promise<() => void> {
    if (this.listeners.add(topic, listener)) {
      const subscription = this.pubsub.subscribe(this.prefix + topic, (event: StreamEvent) =>
        this.listeners.deliver(topic, event),
      );
      this.subscriptions.set(topic, subscription);
    }
    try {
      await this.subscriptions.get(topic);
    } catch (error) {
      this.unlisten(topic, listener);
      throw error;
    }
    return () => this.unlisten(topic, listener);
  }

  private unlisten(topic: string, listener: Listener): void {
    if (!this.listeners.remove(topic, listener)) return;
    const subscription = this.subscriptions.get(topic);
    this.subscriptions.delete(topic);
    subscription?.then(
      (id) => this.pubsub.unsubscribe(id),
      () => {},
    );
  }

  stats(): BusStats {
    return this.listeners.stats();
  }

  async ping(): Promise<boolean> {
    try {
      const timeout = new Promise<string>((resolve) => setTimeout(() => resolve('timeout'), 2_000).unref());
      const pong = this.redis.ping().catch(() => 'failed'); // may settle after the race is lost
      return (await Promise.race([pong, timeout])) === 'PONG';
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    // QUIT on a connection that is not up would wait for its command timeout: just drop it.
    await Promise.allSettled(
      [this.redis, this.subscriber].map((client) => (client.status === 'ready' ? client.quit() : client.disconnect())),
    );
  }
}

/** The bus for a configuration: Redis when a URL is given, in-process otherwise. */
export function createBus(redisUrl: string | null, prefix?: string, onError?: (error: Error) => void): Bus {
  return redisUrl ? new RedisBus(redisUrl, prefix, onError) : new MemoryBus();
}
