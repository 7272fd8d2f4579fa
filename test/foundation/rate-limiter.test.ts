/**
 * The shared rate limiter against a real Redis: a consumer well inside its budget costs no Redis
 * round trip (its points are charged in batches), while near the limit every point is charged before
 * the answer, so small budgets stay exact across instances; a Redis that cannot be reached still
 * limits (transport/rate-limiter.ts).
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis } from 'rate-limiter-flexible';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalFirstLimiter } from '../../src/transport/rate-limiter.js';
import { TEST_REDIS_URL } from '../support/database.js';

/** Resolves true when `key` may go on, false when it is limited. */
const allowed = (limiter: LocalFirstLimiter, key: string) =>
  limiter.consume(key).then(
    () => true,
    (rejection: unknown) => {
      if (rejection instanceof Error) throw rejection;
      expect((rejection as { msBeforeNext: number }).msBeforeNext).toBeGreaterThan(0);
      return false;
    },
  );

describe.runIf(TEST_REDIS_URL)('the shared rate limiter (local first, Redis near the limit)', () => {
  let redis: Redis;
  const prefix = `rl-test-${randomUUID()}`;
  const limiter = (points: number, client: Redis = redis) =>
    new LocalFirstLimiter(
      new RateLimiterRedis({
        storeClient: client,
        keyPrefix: prefix,
        points,
        duration: 60,
        insuranceLimiter: new RateLimiterMemory({ points, duration: 60 }),
      }),
    );
  const counted = async (key: string) => Number(await redis.get(`${prefix}:${key}`));

  beforeAll(() => {
    redis = new Redis(TEST_REDIS_URL!);
  });
  afterAll(async () => {
    await redis.quit();
  });

  it('asks Redis once, then counts here while well inside the budget, and charges the batch later', async () => {
    const one = limiter(1000);
    for (let i = 0; i < 100; i++) expect(await allowed(one, 'busy')).toBe(true);
    expect(await counted('busy')).toBe(1); // only the first point went to Redis before its answer
    await one.flush();
    expect(await counted('busy')).toBe(100);
    await one.close();
  });

  it('a small budget is exact across two instances taking turns', async () => {
    const [a, b] = [limiter(5), limiter(5)];
    const answers: boolean[] = [];
    for (let i = 0; i < 10; i++) answers.push(await allowed(i % 2 ? b : a, 'login'));
    expect(answers.filter(Boolean)).toHaveLength(5);
    expect(answers.slice(5)).toEqual([false, false, false, false, false]);
    await Promise.all([a.close(), b.close()]);
  });

  it('two instances answering locally pass a larger budget by at most what the other has not charged yet', async () => {
    const [a, b] = [limiter(40), limiter(40)];
    let passed = 0;
    for (let i = 0; i < 200; i++) if (await allowed(i % 2 ? b : a, 'burst')) passed++;
    // Each answers locally while under half the budget by its own view: never more than half on top.
    expect(passed).toBeGreaterThanOrEqual(40);
    expect(passed).toBeLessThanOrEqual(60);
    // Once charged, both refuse.
    await Promise.all([a.flush(), b.flush()]);
    expect(await allowed(a, 'burst')).toBe(false);
    expect(await allowed(b, 'burst')).toBe(false);
    await Promise.all([a.close(), b.close()]);
  });

  it('while Redis cannot be reached, what could not be charged still counts and the insurance limiter limits', async () => {
    const dead = new Redis({ port: 1, lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0, retryStrategy: () => null });
    dead.on('error', () => {});
    const cut = limiter(10, dead);
    let passed = 0;
    for (let i = 0; i < 30; i++) {
      if (await allowed(cut, 'offline')) passed++;
      if (i % 3 === 2) await cut.flush();
    }
    expect(passed).toBeGreaterThanOrEqual(5);
    expect(passed).toBeLessThanOrEqual(10);
    await cut.close();
    dead.disconnect();
  });
});
