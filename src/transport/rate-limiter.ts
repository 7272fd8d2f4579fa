/**
 * The per-user (per-IP when anonymous) operation limiters. Shared through Redis in scaled mode: each
 * consumer is one key (`<prefix>rl:<key>`) and each charge one single-key script, so on a cluster the
 * consumers spread over the slots by their own names.
 */
import { RateLimiterMemory, RateLimiterRedis, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { Config } from '../config.js';
import type { RedisCommands } from '../redis/clients.js';

export interface RateLimiters {
  /** Every HTTP request and every WebSocket query or mutation: shared by all instances through Redis. */
  shared: RateLimiterAbstract;
  /**
   * Subscriptions opened over WebSocket: counted on the instance that holds the socket (the same
   * budget per user, or per address when anonymous), so that opening a subscription costs no Redis
   * round trip (a reconnect storm re-opens every subscription at once). A socket lives on one
   * instance, and what it may open is bounded there anyway (MAX_SUBSCRIPTIONS_PER_CONNECTION,
   * MAX_CONNECTIONS_PER_IP). Embedded mode has one limiter for both.
   */
  socketSubscriptions: RateLimiterAbstract;
}

export function createRateLimiters(config: Pick<Config, 'rateLimitPerMinute' | 'redisPrefix'>, redis: RedisCommands | null): RateLimiters {
  const perMinute = { points: config.rateLimitPerMinute, duration: 60 };
  if (!redis) {
    const limiter = new RateLimiterMemory(perMinute);
    return { shared: limiter, socketSubscriptions: limiter };
  }
  const shared = new RateLimiterRedis({
    storeClient: redis,
    keyPrefix: `${config.redisPrefix}rl`,
    ...perMinute,
    // While Redis is unreachable, limit per instance rather than failing every operation.
    insuranceLimiter: new RateLimiterMemory(perMinute),
  });
  return { shared, socketSubscriptions: new RateLimiterMemory(perMinute) };
}
