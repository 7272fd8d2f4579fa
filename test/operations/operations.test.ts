import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { gql, gqlOk, registerUser, type TestUser } from '../support/client.js';
import { connectWs } from '../support/ws.js';
import { disposers } from '../support/setup.js';
import { DATABASE_KINDS, TEST_BUS, TEST_DATABASE_URL, TEST_REDIS_URL } from '../support/database.js';
import { makeAdmin, startCluster, startTestServer, waitForSubscriptions, type TestServer } from '../support/server.js';
import { waitUntil } from '../support/wait.js';

const STATS = `{ serverStats { instanceId startedAt uptimeSeconds openConnections activeSubscriptions subscriptions { kind count } eventsPublished eventsDelivered busKind busTopics } }`;
const BROADCAST = `mutation($input: BroadcastInput!) { broadcast(input: $input) }`;
const MATCH_FEED = `subscription($region: Region!) { matchFeed(region: $region) { kind match { id } } }`;
const NOTIFICATIONS = `subscription { notifications { kind notification { message subjectId } } }`;
const STORED = `{ notifications(first: 50) { edges { node { kind message subjectId read } } } }`;

interface Stats {
  instanceId: string;
  openConnections: number;
  activeSubscriptions: number;
  subscriptions: { kind: string; count: number }[];
  eventsPublished: number;
  eventsDelivered: number;
  busKind: string;
  busTopics: number;
}

const byKind = (stats: Stats) => Object.fromEntries(stats.subscriptions.map((s) => [s.kind, s.count]));

describe.each(DATABASE_KINDS)('operations on %s', (kind) => {
  let server: TestServer;
  let admin: string;
  let adminId: string;
  let alice: TestUser;
  let bob: TestUser;
  let carol: TestUser;
  const cleanup = disposers();
  // The instance's internals (bus, event counters) are ADMIN only.
  const stats = async (): Promise<Stats> => (await gqlOk(server.url, STATS, {}, admin)).serverStats;
  const services = () => server.pulse.services;

  beforeAll(async () => {
    server = await startTestServer({ database: kind, config: { instanceId: `ops-${kind}` } });
    const adminUser = await registerUser(server.url, 'admin');
    adminId = adminUser.id;
    admin = await makeAdmin(server, adminUser.username);
    [alice, bob, carol] = await Promise.all(['alice', 'bob', 'carol'].map((name) => registerUser(server.url, name)));
  });
  afterEach(async () => {
    await cleanup.run();
    await waitUntil(() => services().connections.count === 0 && services().subscriptionStats.activeCount() === 0, 'sockets to close');
  });
  afterAll(() => server?.stop());

  it('serverStats rises and falls as clients connect, subscribe, receive and leave', async () => {
    const idle = await stats();
    expect(idle).toMatchObject({
      instanceId: `ops-${kind}`,
      openConnections: 0,
      activeSubscriptions: 0,
      subscriptions: [],
      busKind: 'memory',
    });

    const aliceWs = cleanup.add(connectWs(server.wsUrl, alice.token));
    const anonymous = connectWs(server.wsUrl);
    cleanup.add(anonymous);
    await Promise.all([aliceWs.connected, anonymous.connected]);
    expect((await stats()).openConnections).toBe(2);

    const notifications = aliceWs.subscribe(NOTIFICATIONS);
    const na = anonymous.subscribe(MATCH_FEED, { region: 'NA' });
    const na2 = anonymous.subscribe(MATCH_FEED, { region: 'NA' });
    await waitForSubscriptions(server, 3);
    const subscribed = await stats();
    expect(subscribed.activeSubscriptions).toBe(3);
    expect(byKind(subscribed)).toEqual({ region: 2, user: 1 });
    expect(subscribed.busTopics).toBe(3); // region:NA, user:<alice>, and session:revoked (always)

    // One posted match is one event published, delivered to both NA subscribers.
    await gqlOk(server.url, `mutation { postMatch(input: { game: "Chess", region: NA, slots: 1 }) { id } }`, {}, bob.token);
    await Promise.all([na.next(), na2.next()]);
    const delivered = await stats();
    expect(delivered.eventsPublished).toBeGreaterThanOrEqual(idle.eventsPublished + 1);
    expect(delivered.eventsDelivered).toBe(idle.eventsDelivered + 2);
    expect(notifications.pending).toHaveLength(0);

    na2.unsubscribe();
    await waitUntil(() => services().subscriptionStats.activeCount() === 2, 'the unsubscribed feed to close');
    expect(byKind(await stats())).toEqual({ region: 1, user: 1 });

    await anonymous.dispose();
    await waitUntil(() => services().connections.count === 1, 'the anonymous socket to close');
    const left = await stats();
    expect(left.openConnections).toBe(1);
    expect(byKind(left)).toEqual({ user: 1 });
    expect(left.busTopics).toBe(2);

    await aliceWs.drop();
    await waitUntil(
      () => services().connections.count === 0 && services().subscriptionStats.activeCount() === 0,
      'the dropped socket to close',
    );
    expect(await stats()).toMatchObject({ openConnections: 0, activeSubscriptions: 0, subscriptions: [] });
  });

  it('broadcast: USER is FORBIDDEN, anonymous UNAUTHENTICATED, bad input names the field', async () => {
    expect((await gql(server.url, BROADCAST, { input: { message: 'hi' } }, alice.token)).errors?.[0].extensions).toMatchObject({
      code: 'FORBIDDEN',
    });
    expect((await gql(server.url, BROADCAST, { input: { message: 'hi' } })).errors?.[0].extensions).toMatchObject({
      code: 'UNAUTHENTICATED',
    });
    for (const [input, field] of [
      [{ message: '  ' }, 'message'],
      [{ message: 'x'.repeat(1001) }, 'message'],
      [{ message: 'hi', userIds: [] }, 'userIds'],
    ] as const) {
      expect((await gql(server.url, BROADCAST, { input }, admin)).errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field });
    }
    // The refused broadcasts stored nothing.
    expect((await gqlOk(server.url, STORED, {}, alice.token)).notifications.edges.filter((e: any) => e.node.kind === 'BROADCAST')).toEqual(
      [],
    );
  });

  it('broadcast by an ADMIN reaches exactly the named users, or everyone, as stored notifications', async () => {
    const messages = async (user: { token: string }) =>
      (await gqlOk(server.url, STORED, {}, user.token)).notifications.edges
        .map((e: any) => e.node)
        .filter((n: any) => n.kind === 'BROADCAST');

    const carolWs = cleanup.add(connectWs(server.wsUrl, carol.token));
    const carolLive = carolWs.subscribe(NOTIFICATIONS);
    await waitForSubscriptions(server, 1);

    // Named: alice and bob (an unknown id is skipped), not carol.
    expect(
      (await gqlOk(server.url, BROADCAST, { input: { userIds: [alice.id, bob.id, 'no-such-user'], message: 'maintenance at 5' } }, admin))
        .broadcast,
    ).toBe(2);
    expect(await messages(alice)).toEqual([{ kind: 'BROADCAST', message: 'maintenance at 5', subjectId: adminId, read: false }]);
    expect(await messages(bob)).toEqual([{ kind: 'BROADCAST', message: 'maintenance at 5', subjectId: adminId, read: false }]);
    expect(await messages(carol)).toEqual([]);

    // Everyone: every user of the database, carol live too; her first live event is this one.
    const users = await services().prisma.user.count();
    expect((await gqlOk(server.url, BROADCAST, { input: { message: 'hello everyone' } }, admin)).broadcast).toBe(users);
    expect((await carolLive.next()).notifications).toEqual({
      kind: 'BROADCAST',
      notification: { message: 'hello everyone', subjectId: adminId },
    });
    expect(carolLive.received).toHaveLength(1);
    for (const user of [alice, bob, carol, { token: admin }])
      expect((await messages(user)).map((n: any) => n.message)[0]).toBe('hello everyone');
    expect(await services().prisma.notification.count({ where: { kind: 'BROADCAST', message: 'hello everyone' } })).toBe(users);
  });
});

describe.runIf(TEST_DATABASE_URL && TEST_REDIS_URL)('serverStats across two instances', () => {
  it('each instance reports itself: its own id, its own connections and subscriptions', async () => {
    const cluster = await startCluster(2);
    const cleanup = disposers();
    try {
      const [s0, s1] = cluster.servers;
      const user = await registerUser(s0.url, 'stats');
      const adminUser = await registerUser(s0.url, 'admin');
      const admin = await makeAdmin(s0, adminUser.username);
      const ws = cleanup.add(connectWs(s1.wsUrl, user.token));
      ws.subscribe(NOTIFICATIONS);
      await waitForSubscriptions(s1, 1);
      const [a, b] = await Promise.all([s0, s1].map(async (s) => (await gqlOk(s.url, STATS, {}, admin)).serverStats as Stats));
      expect(a).toMatchObject({ instanceId: 'test-0', openConnections: 0, activeSubscriptions: 0, busKind: TEST_BUS });
      expect(b).toMatchObject({ instanceId: 'test-1', openConnections: 1, activeSubscriptions: 1, busKind: TEST_BUS });
      expect(byKind(b)).toEqual({ user: 1 });
    } finally {
      await cleanup.run();
      await cluster.stop();
    }
  });
});
