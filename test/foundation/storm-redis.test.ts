/**
 * Scaled mode: opening a subscription over WebSocket costs no Redis round trip (a reconnect storm
 * re-opens every subscription at once), while it is still rate limited, on the socket's instance.
 * Queries and mutations keep the limit shared through Redis.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gql } from '../support/client.js';
import { TEST_BUS, TEST_DATABASE_URL, TEST_REDIS_URL } from '../support/database.js';
import { startTestServer, waitForSubscriptions, type TestServer } from '../support/server.js';
import { initSocket } from '../security/support.js';

const FEED = 'subscription { matchFeed(region: NA) { kind cursor } }';
const LIMIT = 20;

describe.runIf(TEST_DATABASE_URL && TEST_REDIS_URL && TEST_BUS === 'redis')('rate limits of subscriptions in scaled mode', () => {
  let server: TestServer;
  let redis: Redis;
  beforeAll(async () => {
    server = await startTestServer({ database: 'postgres', redis: true, config: { rateLimitPerMinute: LIMIT } });
    redis = new Redis(TEST_REDIS_URL!);
  });
  afterAll(async () => {
    await server?.stop();
    await redis?.quit();
  });

  /** The shared limiter's counters of this server (one key per consumer). */
  const sharedCounters = async () => {
    const keys = await redis.keys(`${server.pulse.services.config.redisPrefix}rl*`);
    return Promise.all(keys.map(async (key) => Number(await redis.get(key))));
  };

  it('WebSocket subscriptions are counted on the instance, not in Redis; past the budget they are RATE_LIMITED', async () => {
    expect(await gql(server.url, '{ viewer { id } }')).not.toHaveProperty('errors');
    expect(await sharedCounters()).toEqual([1]); // HTTP: the shared limiter

    const raw = await initSocket(server.wsUrl);
    for (let i = 0; i < LIMIT; i++) raw.send({ id: `s${i}`, type: 'subscribe', payload: { query: FEED } });
    await waitForSubscriptions(server, LIMIT);
    expect(await sharedCounters()).toEqual([1]); // twenty subscriptions opened: no Redis counter moved

    raw.send({ id: 'over', type: 'subscribe', payload: { query: FEED } });
    const refused = await raw.waitFor((m) => m.id === 'over' && (m.type === 'error' || m.type === 'next'));
    const errors = refused.type === 'error' ? refused.payload : refused.payload.errors;
    expect(errors[0].extensions.code).toBe('RATE_LIMITED');
    raw.socket.close();
  });
});
