/**
 * The stream mechanism end to end: resumable cursors across instances, retention GAP, gap-free
 * sequences under concurrent appends, and no leaked bus channels or iterators.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { gqlOk, registerUser, type TestUser } from '../support/client.js';
import { connectWs } from '../support/ws.js';
import { DATABASE_KINDS, TEST_DATABASE_URL, TEST_REDIS_URL } from '../support/database.js';
import { makeAdmin, waitForSubscriptions } from '../support/server.js';
import { useTestCluster, useTestServer } from '../support/setup.js';
import { inspectBus } from '../support/redis.js';
import { waitUntil } from '../support/wait.js';

const NOTIFICATIONS = `subscription($after: String) { notifications(after: $after) { kind cursor notification { message } } }`;
const BROADCAST = `mutation($input: BroadcastInput!) { broadcast(input: $input) }`;

const send = (url: string, admin: string, user: TestUser, message: string) =>
  gqlOk(url, BROADCAST, { input: { userIds: [user.id], message } }, admin);

describe.each(DATABASE_KINDS)('stream retention on %s', (kind) => {
  const { server, cleanup } = useTestServer(kind, { config: { streamRetention: 5 } });

  it('a cursor older than retention yields one GAP first, then live events', async () => {
    const admin = await makeAdmin(server, (await registerUser(server.url, 'admin')).username);
    const user = await registerUser(server.url, 'retained');
    const ws1 = connectWs(server.wsUrl, user.token);
    const sub1 = ws1.subscribe(NOTIFICATIONS);
    await waitForSubscriptions(server, 1);
    await send(server.url, admin, user, 'first');
    const first = await sub1.next();
    await ws1.drop();
    for (let i = 0; i < 12; i++) await send(server.url, admin, user, `later ${i}`);

    const ws2 = cleanup.add(connectWs(server.wsUrl, user.token));
    const sub2 = ws2.subscribe(NOTIFICATIONS, { after: first.notifications.cursor });
    const gap = (await sub2.next()).notifications;
    expect(gap).toMatchObject({ kind: 'GAP', notification: null });
    await send(server.url, admin, user, 'after the gap');
    expect((await sub2.next()).notifications.notification.message).toBe('after the gap');
    expect(sub2.received).toHaveLength(2);

    // A cursor still within retention replays normally (no GAP).
    const ws3 = cleanup.add(connectWs(server.wsUrl, user.token));
    const sub3 = ws3.subscribe(NOTIFICATIONS, { after: gap.cursor });
    expect((await sub3.next()).notifications.notification.message).toBe('after the gap');
  });
});

describe.runIf(TEST_DATABASE_URL && TEST_REDIS_URL)('streams across two instances (PostgreSQL + Redis)', () => {
  const { servers, cleanup } = useTestCluster(2);
  const [a, b] = servers;
  let admin: string;
  beforeAll(async () => {
    admin = await makeAdmin(a, (await registerUser(a.url, 'admin')).username);
  });

  it('a subscriber on A receives, in order, notifications created through B', async () => {
    const user = await registerUser(a.url, 'fanout');
    const ws = cleanup.add(connectWs(a.wsUrl, user.token));
    const sub = ws.subscribe(NOTIFICATIONS);
    await waitForSubscriptions(a, 1);
    for (let i = 1; i <= 10; i++) await send(b.url, admin, user, `n${i}`);
    const events = await sub.take(10);
    expect(events.map((e) => e.notifications.notification.message)).toEqual(Array.from({ length: 10 }, (_, i) => `n${i + 1}`));
  });

  it('resumes on the other instance with exactly the missed events, then live ones, no duplicates', async () => {
    const user = await registerUser(a.url, 'resume');
    const wsA = connectWs(a.wsUrl, user.token);
    const subA = wsA.subscribe(NOTIFICATIONS);
    await waitForSubscriptions(a, 1);
    const k = 4;
    const n = 25;
    for (let i = 1; i <= k; i++) await send(a.url, admin, user, `e${i}`);
    const seen = await subA.take(k);
    await wsA.drop();
    // N more, appended through both instances while the subscriber is away.
    for (let i = k + 1; i <= k + n; i++) await send(i % 2 ? a.url : b.url, admin, user, `e${i}`);

    const wsB = cleanup.add(connectWs(b.wsUrl, user.token));
    const subB = wsB.subscribe(NOTIFICATIONS, { after: seen[k - 1].notifications.cursor });
    const replayed = await subB.take(n);
    expect(replayed.map((e) => e.notifications.notification.message)).toEqual(Array.from({ length: n }, (_, i) => `e${k + 1 + i}`));
    await send(a.url, admin, user, 'live');
    expect((await subB.next()).notifications.notification.message).toBe('live');
    expect(subB.received).toHaveLength(n + 1);
    expect(new Set(subB.received.map((e) => e.notifications.cursor)).size).toBe(n + 1);
  });

  it('200 concurrent appends to one topic through two instances: seqs 1..200, each delivered once, in order', async () => {
    const user = await registerUser(a.url, 'burst');
    const ws = cleanup.add(connectWs(a.wsUrl, user.token));
    const sub = ws.subscribe(NOTIFICATIONS);
    await waitForSubscriptions(a, 1);
    await Promise.all(Array.from({ length: 200 }, (_, i) => send(i % 2 ? a.url : b.url, admin, user, `c${i}`)));

    const rows = await a.pulse.services.prisma.streamEvent.findMany({ where: { topic: `user:${user.id}` }, orderBy: { seq: 'asc' } });
    expect(rows.map((r) => r.seq)).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));

    const events = await sub.take(200, 30_000);
    const notificationIds = rows.map((r) => (r.data as { notificationId: string }).notificationId);
    const messages = await a.pulse.services.prisma.notification.findMany({ where: { id: { in: notificationIds } } });
    const messageOf = new Map(messages.map((m) => [m.id, m.message]));
    // Delivered in seq order: the i-th event is the i-th logged one.
    expect(events.map((e) => e.notifications.notification.message)).toEqual(notificationIds.map((id) => messageOf.get(id)));
    expect(new Set(events.map((e) => e.notifications.notification.message)).size).toBe(200);
  });

  it('10,000 subscribe/complete cycles leave no Redis channel, listener or iterator behind', async () => {
    const user = await registerUser(a.url, 'cycles');
    const topicChannel = `${a.pulse.services.config.redisPrefix}user:${user.id}`;
    const redis = await inspectBus();
    cleanup.defer(() => redis.close());
    const ws = cleanup.add(connectWs(a.wsUrl, user.token));
    await ws.connected;
    const cycles = 10_000;
    const parallel = 25; // below the per-connection limit (50), since completes settle asynchronously
    let maxChannels = 0;
    for (let done = 0; done < cycles; done += parallel) {
      const batch = Array.from({ length: parallel }, () => ws.subscribe(NOTIFICATIONS));
      await waitForSubscriptions(a, parallel);
      if (done === 0) {
        maxChannels = await redis.subscribers(topicChannel);
      }
      for (const sub of batch) sub.unsubscribe();
      await waitUntil(() => a.pulse.services.subscriptionStats.activeCount() === 0, 'no active subscription');
    }
    // While subscribed, the instance held exactly one Redis subscription for the topic, whatever the local count.
    expect(maxChannels).toBe(1);
    await waitUntil(async () => (await redis.subscribers(topicChannel)) === 0, 'the topic channel unsubscribed in Redis');
    // What is left is what every instance listens to for its whole life: token revocations.
    const channels = await redis.channels(`${a.pulse.services.config.redisPrefix}*`);
    expect(channels).toEqual([`${a.pulse.services.config.redisPrefix}session:revoked`]);
    expect(a.pulse.services.streams.bus.stats()).toEqual({ topics: 1, listeners: 1 });
    expect(a.pulse.services.subscriptionStats.activeCount()).toBe(0);
    expect(a.pulse.services.subscriptionStats.liveCount()).toBe(0);
  }, 180_000);
});
