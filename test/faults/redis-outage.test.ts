/**
 * Redis cut (a TCP proxy between both instances and Redis): mutations still commit and answer, and a
 * live subscriber on the other instance still receives every event — through the publish sweeper,
 * from the log, while Redis is down — then through the bus again once it is back. Exactly once each.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { gqlOk, registerUser } from '../support/client.js';
import { connectWs } from '../support/ws.js';
import { disposers } from '../support/setup.js';
import { createTestDatabase, TEST_DATABASE_URL, TEST_REDIS_URL, type TestDatabase } from '../support/database.js';
import { startTcpProxy, viaProxy, type TcpProxy } from '../support/tcp-proxy.js';
import { startTestServer, waitForSubscriptions, type TestServer } from '../support/server.js';
import { MATCH_FEED, POST_MATCH, type FeedEvent } from '../matches/queries.js';
import { seqOf } from './feed-subscriber.js';

describe.runIf(TEST_DATABASE_URL && TEST_REDIS_URL)('Redis outage', () => {
  const cleanup = disposers();
  let proxy: TcpProxy;
  let database: TestDatabase;
  const servers: TestServer[] = [];
  afterAll(async () => {
    await cleanup.run();
    await Promise.all(servers.map((s) => s.stop()));
    await proxy?.close();
    await database?.drop();
  });

  it('delivers events committed while Redis is cut, from the log, exactly once', async () => {
    database = await createTestDatabase('postgres');
    proxy = await startTcpProxy('127.0.0.1', Number(new URL(TEST_REDIS_URL!).port || 6379));
    const redisUrl = viaProxy(TEST_REDIS_URL!, proxy);
    for (const id of ['A', 'B']) servers.push(await startTestServer({ database, redis: true, config: { instanceId: id, redisUrl } }));
    const [a, b] = servers;
    const user = await registerUser(b.url, 'redis');
    const feed = cleanup.add(connectWs(a.wsUrl)).subscribe<FeedEvent>(MATCH_FEED, { region: 'EU' });
    await waitForSubscriptions(a, 1);
    const post = async (game: string) =>
      (await gqlOk(b.url, POST_MATCH, { input: { game, region: 'EU', slots: 1 } }, user.token)).postMatch.id;

    const first = await post('before');
    expect((await feed.next()).matchFeed.match!.id).toBe(first);

    proxy.cut();
    const during = [await post('during-1'), await post('during-2')];
    const received = await feed.take(2, 15_000);
    expect(received.map((e) => e.matchFeed.match!.id)).toEqual(during);
    expect((await fetch(b.url.replace('/graphql', '/readyz'))).status).toBe(503);

    proxy.restore();
    // Once the subscriber connection is back, the bus delivers again (the sweeper would anyway).
    const after = await post('after');
    expect((await feed.next(30_000)).matchFeed.match!.id).toBe(after);
    expect(feed.received.map((e) => seqOf(e.matchFeed.cursor))).toEqual([1, 2, 3, 4]);
    await new Promise((resolve) => setTimeout(resolve, 1_500)); // two sweeps: nothing is repeated
    expect(feed.pending).toHaveLength(0);
  }, 120_000);
});
