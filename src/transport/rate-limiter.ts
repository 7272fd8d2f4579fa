/** The per-user (per-IP when anonymous) operation limiter: shared through Redis in scaled mode. */
import type { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { Config } from '../config.js';

export function createRateLimiter(config: Pick<Config, 'rateLimitPerMinute' | 'redisPrefix'>, redis: Redis | null): RateLimiterAbstract {
  const perMinute = { points: config.rateLimitPerMinute, duration: 60 };
  if (!redis) return new RateLimiterMemory(perMinute);
  return new RateLimiterRedis({
    storeClient: redis,
    keyPrefix: `${config.redisPrefix}rl`,
    ...perMinute,
    // While Redis is unreachable, limit per instance rather than failing every operation.
    insuranceLimiter: new RateLimiterMemory(perMinute),
  });
}
