/**
 * The per-user (per-IP when anonymous) operation limiters. Shared through Redis in scaled mode: each
 * consumer is one key (`<prefix>rl:<key>`) and each charge one single-key script, so on a cluster the
 * consumers spread over the slots by their own names.
 *
 * A consumer well inside its budget costs no Redis round trip (`LocalFirstLimiter`): its points are
 * counted here and charged to Redis in one batch every 100 ms. Near the limit every point is charged
 * to Redis before the answer, so the limit stays exact across instances where it matters:
 * - a consumer is answered locally only after Redis answered for it in its current window, and only
 *   while the points Redis reported plus those not yet charged stay under half its budget. What
 *   another instance answered locally and has not charged yet (under half the budget, at most 100 ms
 *   old) is the most a burst can pass the limit by: the usual price of a distributed limiter that does
 *   not ask per request. Small budgets (tests, logins) are charged point by point from the start;
 * - a charge that finds the consumer over its budget blocks it here until its window ends;
 * - while Redis is unreachable, what could not be charged still counts here, so the consumer reaches
 *   the synchronous path and the per-instance insurance limiter.
 */
import { RateLimiterMemory, RateLimiterRedis, type RateLimiterAbstract, type RateLimiterRes } from 'rate-limiter-flexible';
import type { Config } from '../config.js';
import type { RedisCommands } from '../redis/clients.js';

/** What Pulse asks of a limiter: resolves when `key` may go on, rejects with `{ msBeforeNext }` when it may not. */
export interface Limiter {
  consume(key: string): Promise<unknown>;
}

export interface RateLimiters {
  /** Every HTTP request and every WebSocket query or mutation: shared by all instances through Redis. */
  shared: Limiter;
  /**
   * Subscriptions opened over WebSocket: counted on the instance that holds the socket (the same
   * budget per user, or per address when anonymous), so that opening a subscription costs no Redis
   * round trip (a reconnect storm re-opens every subscription at once). A socket lives on one
   * instance, and what it may open is bounded there anyway (MAX_SUBSCRIPTIONS_PER_CONNECTION,
   * MAX_CONNECTIONS_PER_IP). Embedded mode has one limiter for both.
   */
  socketSubscriptions: Limiter;
  /** Charges what is still counted only here; stops the batching timer. */
  close(): Promise<void>;
}

export function createRateLimiters(config: Pick<Config, 'rateLimitPerMinute' | 'redisPrefix'>, redis: RedisCommands | null): RateLimiters {
  const perMinute = { points: config.rateLimitPerMinute, duration: 60 };
  if (!redis) {
    const limiter = new RateLimiterMemory(perMinute);
    return { shared: limiter, socketSubscriptions: limiter, close: async () => {} };
  }
  const shared = new LocalFirstLimiter(
    new RateLimiterRedis({
      storeClient: redis,
      keyPrefix: `${config.redisPrefix}rl`,
      ...perMinute,
      // While Redis is unreachable, limit per instance rather than failing every operation.
      insuranceLimiter: new RateLimiterMemory(perMinute),
    }),
  );
  return { shared, socketSubscriptions: new RateLimiterMemory(perMinute), close: () => shared.close() };
}

/** Batch interval: the longest a point answered locally waits before Redis counts it. */
const CHARGE_EVERY_MS = 100;

interface Consumer {
  /** Points Redis counted at its last answer; null until Redis answered in this window. */
  known: number | null;
  /** Points answered here and not yet charged to Redis. */
  pending: number;
  /** When the window Redis last reported ends (ms since the epoch). */
  windowEnd: number;
  /** Refused here until then (ms since the epoch). */
  blockedUntil: number;
}

/** A Redis limiter that answers consumers well inside their budget locally (see the module head). */
export class LocalFirstLimiter implements Limiter {
  private readonly consumers = new Map<string, Consumer>();
  private timer: NodeJS.Timeout | null = null;
  private charging: Promise<void> = Promise.resolve();

  constructor(private readonly store: RateLimiterAbstract) {}

  async consume(key: string): Promise<unknown> {
    const now = Date.now();
    let c = this.consumers.get(key);
    if (c && c.windowEnd <= now && c.pending === 0) c = undefined;
    if (!c) this.consumers.set(key, (c = { known: null, pending: 0, windowEnd: now + this.store.duration * 1000, blockedUntil: 0 }));
    if (c.blockedUntil > now) throw { msBeforeNext: c.blockedUntil - now };
    if (c.known !== null && (c.known + c.pending + 1) * 2 <= this.store.points) {
      c.pending++;
      this.timer ??= setTimeout(() => this.flush(), CHARGE_EVERY_MS).unref();
      return null;
    }
    const points = c.pending + 1;
    c.pending = 0;
    try {
      return this.learn(c, await this.store.consume(key, points));
    } catch (rejection) {
      if (rejection instanceof Error) throw rejection;
      this.learn(c, rejection as RateLimiterRes);
      throw rejection;
    }
  }

  private learn(c: Consumer, res: RateLimiterRes): RateLimiterRes {
    const now = Date.now();
    c.known = res.consumedPoints;
    c.windowEnd = now + res.msBeforeNext;
    if (res.consumedPoints > this.store.points) c.blockedUntil = now + res.msBeforeNext;
    return res;
  }

  /** Charges every consumer's pending points (one single-key call each, sent together) and forgets finished windows. */
  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const now = Date.now();
    const charges: Promise<void>[] = [];
    for (const [key, c] of this.consumers) {
      if (c.pending === 0) {
        if (c.windowEnd <= now && c.blockedUntil <= now) this.consumers.delete(key);
        continue;
      }
      const points = c.pending;
      c.pending = 0;
      charges.push(
        this.store.penalty(key, points).then(
          (res) => void this.learn(c, res),
          // Not charged: counted here instead, so the consumer reaches the synchronous path (and the insurance limiter).
          () => void (c.known = (c.known ?? 0) + points),
        ),
      );
    }
    this.charging = Promise.all(charges).then(() => {});
    return this.charging;
  }

  async close(): Promise<void> {
    await this.charging;
    await this.flush();
  }
}
