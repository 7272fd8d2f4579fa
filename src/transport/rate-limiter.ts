/**
 * The per-user (per-IP when anonymous) operation limiter: shared through Redis in scaled mode. Each
 * consumer is one key (`<prefix>rl:<key>`) and each charge one single-key script, so on a cluster the
 * consumers spread over the slots by their own names.
 */
import type { RedisCommands } from '../redis/clients.js';
import { RateLimiterMemory, RateLimiterRedis, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { Config } from '../config.js';

export function createRateLimiter(
  config: Pick<Config, 'rateLimitPerMinute' | 'redisPrefix'>,
  redis: RedisCommands | null,
): RateLimiterAbstract {
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
