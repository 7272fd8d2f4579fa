/**
 * A channel subscription while the Redis link is down (here: cut) is answered UNAVAILABLE with
 * retryAfterMs once the link has stayed down a moment: a retryable signal, never INTERNAL_SERVER_ERROR.
 * (A box merely too busy to read the answer in time is not a failure: streams/bus.ts.)
 */
import { afterAll, describe, expect, it } from 'vitest';
import { createTestDatabase, TEST_DATABASE_URL, TEST_REDIS_URL, type TestDatabase } from '../support/database.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { startTcpProxy, type TcpProxy, viaProxy } from '../support/tcp-proxy.js';
import { connectWs } from '../support/ws.js';

describe.runIf(TEST_DATABASE_URL && TEST_REDIS_URL)('a channel subscription Redis does not answer', () => {
  let database: TestDatabase;
  let server: TestServer;
  let proxy: TcpProxy;
  afterAll(async () => {
    await server?.stop();
    await proxy?.close();
    await database?.drop();
  });

  it('is UNAVAILABLE with retryAfterMs, not an internal error', async () => {
    database = await createTestDatabase('postgres');
    proxy = await startTcpProxy('127.0.0.1', Number(new URL(TEST_REDIS_URL!).port || 6379));
    server = await startTestServer({ database, redis: true, config: { redisUrl: viaProxy(TEST_REDIS_URL!, proxy) } });
    proxy.cut();
    const ws = connectWs(server.wsUrl);
    const sub = ws.subscribe('subscription { matchFeed(region: OCE) { kind } }');
    const { errors } = (await sub.ended(40_000)) as { errors: { extensions: { code: string; retryAfterMs: number } }[] };
    expect(errors[0].extensions).toMatchObject({ code: 'UNAVAILABLE', retryAfterMs: 1000 });
    await ws.dispose();
  }, 60_000);
});
