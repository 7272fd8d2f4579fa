/**
 * The bus: fans stream events out to every instance. In-process when Redis is not configured; Redis
 * pub/sub over the instance's clients otherwise: classic channels on a single node (`REDIS_URL`),
 * sharded channels (`SPUBLISH`/`SSUBSCRIBE`) on a Redis Cluster (`REDIS_CLUSTER_NODES`), where each
 * topic's channel lives on the shard that owns its slot, so topics spread over every shard.
 *
 * Both keep one channel per topic, subscribed while at least one local listener wants it and
 * unsubscribed when the last one leaves, and fan a message out to local listeners once.
 */
import { unavailable } from '../errors.js';
import type { RedisClients } from '../redis/clients.js';
import type { BusEvent } from './topics.js';

type Listener = (event: BusEvent) => void;

/** How long a channel subscription waits for a Redis link that is down before its openers get UNAVAILABLE. */
const LINK_DOWN_MS = 3_000;
/** An attempt not answered in this long is sent again (subscribing twice is harmless). */
const ATTEMPT_MS = 10_000;
/** Attempts stop (openers get UNAVAILABLE) once this long has passed since the first. */
const SUBSCRIBE_DEADLINE_MS = 30_000;
/** What an opener that met either is told to wait before trying again. */
const RETRY_AFTER_MS = 1_000;

interface BusStats {
  /** Topics with at least one local listener (for Redis: channels this instance is subscribed to). */
  topics: number;
  listeners: number;
}

export interface Bus {
  readonly kind: 'memory' | 'redis' | 'redis-cluster';
  publish(topic: string, event: BusEvent): Promise<void>;
  /** Resolves once the listener is live; the returned function removes it. */
  subscribe(topic: string, listener: Listener): Promise<() => void>;
  stats(): BusStats;
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

  deliver(topic: string, event: BusEvent): void {
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

class MemoryBus implements Bus {
  readonly kind = 'memory';
  private readonly listeners = new Listeners();

  async publish(topic: string, event: BusEvent): Promise<void> {
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

class RedisBus implements Bus {
  readonly kind: 'redis' | 'redis-cluster';

  private readonly listeners = new Listeners();
  /** SUBSCRIBE per topic (a promise while in flight). */
  private readonly subscriptions = new Map<string, Promise<unknown>>();

  /** `prefix` namespaces the channels, so deployments (or test files) can share one Redis. */
  constructor(
    private readonly redis: RedisClients,
    private readonly prefix = 'pulse:',
    private readonly onError: (error: unknown) => void = () => {},
  ) {
    // One JSON message per event on the topic's channel (redis/clients.ts publishes it: classic or sharded).
    this.kind = redis.channels.sharded ? 'redis-cluster' : 'redis';
    redis.channels.onMessage((channel: string, message: string) => {
      if (!channel.startsWith(this.prefix)) return;
      let event: BusEvent;
      try {
        event = JSON.parse(message) as BusEvent;
      } catch (error) {
        return this.onError(error);
      }
      // Parsed once: every local listener gets the same object (the fan-out keys shared work on it).
      this.listeners.deliver(channel.slice(this.prefix.length), event);
    });
  }

  async publish(topic: string, event: BusEvent): Promise<void> {
    await this.redis.channels.publish(this.prefix + topic, event);
  }

  async subscribe(topic: string, listener: Listener): Promise<() => void> {
    if (this.listeners.add(topic, listener)) this.subscriptions.set(topic, this.subscribeChannel(this.prefix + topic));
    try {
      await this.subscriptions.get(topic);
    } catch (error) {
      this.unlisten(topic, listener);
      throw error;
    }
    return () => this.unlisten(topic, listener);
  }

  /**
   * SUBSCRIBE (or SSUBSCRIBE) of one channel, shared by every opener of its topic. The subscriber
   * connections have no command timeout (redis/clients.ts): on a box saturated by a reconnect storm the
   * answer comes late, and a timer would fire before the reply already waiting on the socket is read,
   * failing a subscription that succeeded. So a slow answer only makes the openers wait: an attempt not
   * answered within ATTEMPT_MS, or refused, is sent again. Openers get UNAVAILABLE with retryAfterMs
   * (clients retry), never an internal error, only when the link has been down for LINK_DOWN_MS or
   * SUBSCRIBE_DEADLINE_MS have passed.
   */
  private async subscribeChannel(channel: string): Promise<void> {
    const deadline = Date.now() + SUBSCRIBE_DEADLINE_MS;
    for (;;) {
      if (!(await this.linkUpWithin(LINK_DOWN_MS))) return this.giveUp(new Error(`Redis link down: could not subscribe ${channel}`));
      let timer: NodeJS.Timeout | undefined;
      const attempt = await Promise.race([
        this.redis.channels.subscribe(channel).then(
          () => 'subscribed' as const,
          (error: unknown) => error,
        ),
        new Promise<'slow'>((resolve) => (timer = setTimeout(() => resolve('slow'), ATTEMPT_MS))),
      ]);
      clearTimeout(timer);
      if (attempt === 'subscribed') return;
      if (attempt !== 'slow') this.onError(attempt);
      if (Date.now() >= deadline) return this.giveUp(new Error(`Redis did not answer the subscription of ${channel}`));
    }
  }

  /** Whether the subscriber link is (or comes) up within `ms`. */
  private async linkUpWithin(ms: number): Promise<boolean> {
    const until = Date.now() + ms;
    while (!this.redis.channels.live) {
      if (Date.now() >= until) return false;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    return true;
  }

  private giveUp(error: Error): never {
    this.onError(error);
    throw unavailable(RETRY_AFTER_MS);
  }

  private unlisten(topic: string, listener: Listener): void {
    if (!this.listeners.remove(topic, listener)) return;
    this.subscriptions.delete(topic);
    // Sent at once, so it is ordered before any later SUBSCRIBE of the same channel on this connection.
    this.redis.channels.unsubscribe(this.prefix + topic).catch(this.onError);
  }

  stats(): BusStats {
    return this.listeners.stats();
  }

  ping(): Promise<boolean> {
    return this.redis.ping();
  }

  async close(): Promise<void> {
    // The clients belong to the instance (app.ts), which quits them after the bus: that ends the
    // channel subscriptions too, without waiting on UNSUBSCRIBE replies from a Redis that may be down.
    this.listeners.byTopic.clear();
    this.subscriptions.clear();
  }
}

/** The bus for an instance: over its Redis clients in scaled mode, in-process otherwise. */
export function createBus(redis: RedisClients | null, prefix?: string, onError?: (error: unknown) => void): Bus {
  return redis ? new RedisBus(redis, prefix, onError) : new MemoryBus();
}
