import { beforeAll, describe, expect, it } from 'vitest';
import { DATABASE_KINDS } from '../support/database.js';
import { errorCode, gql, gqlOk, registerUser } from '../support/client.js';
import { connectWs, firstError } from '../support/ws.js';
import { makeAdmin, waitForSubscriptions } from '../support/server.js';
import { useTestServer } from '../support/setup.js';

const NOTIFICATIONS = `subscription($after: String) { notifications(after: $after) { kind cursor at notification { id kind message read subjectId } } }`;
const BROADCAST = `mutation($input: BroadcastInput!) { broadcast(input: $input) }`;

describe.each(DATABASE_KINDS)('notifications on %s', (kind) => {
  const { server, users, cleanup } = useTestServer(kind, { users: ['alice', 'bob'] });
  const { alice, bob } = users;
  let admin: string;
  beforeAll(async () => {
    admin = await makeAdmin(server, (await registerUser(server.url, 'admin')).username);
  });

  it("delivers the viewer's own notifications live, and nobody else's", async () => {
    const aliceWs = cleanup.add(connectWs(server.wsUrl, alice.token));
    const bobWs = cleanup.add(connectWs(server.wsUrl, bob.token));
    const aliceSub = aliceWs.subscribe(NOTIFICATIONS);
    const bobSub = bobWs.subscribe(NOTIFICATIONS);
    await Promise.all([aliceWs.connected, bobWs.connected]);
    await waitForSubscriptions(server, 2);

    expect(await gqlOk(server.url, BROADCAST, { input: { userIds: [alice.id], message: 'for alice only' } }, admin)).toEqual({
      broadcast: 1,
    });
    expect(await gqlOk(server.url, BROADCAST, { input: { userIds: [bob.id], message: 'for bob' } }, admin)).toEqual({ broadcast: 1 });

    const first = (await aliceSub.next()).notifications;
    expect(first.kind).toBe('BROADCAST');
    expect(first.notification.message).toBe('for alice only');
    expect(first.cursor).toEqual(expect.any(String));
    // Bob's next event is his own broadcast: alice's (sent first) never reached him.
    expect((await bobSub.next()).notifications.notification.message).toBe('for bob');
    expect(bobSub.received).toHaveLength(1);
    expect(aliceSub.pending).toHaveLength(0);
  });

  it('stores notifications: list newest first, unreadOnly, markNotificationsRead (own only)', async () => {
    const carol = await registerUser(server.url, 'carol');
    for (const message of ['one', 'two', 'three']) {
      await gqlOk(server.url, BROADCAST, { input: { userIds: [carol.id], message } }, admin);
    }
    const list = await gqlOk(
      server.url,
      `{ notifications(first: 2, unreadOnly: true) { edges { node { id message read } } pageInfo { hasNextPage endCursor } } }`,
      {},
      carol.token,
    );
    expect(list.notifications.edges.map((e: any) => e.node.message)).toEqual(['three', 'two']);
    expect(list.notifications.pageInfo.hasNextPage).toBe(true);
    const rest = await gqlOk(
      server.url,
      `query($after: String) { notifications(first: 5, after: $after) { edges { node { message } } } }`,
      { after: list.notifications.pageInfo.endCursor },
      carol.token,
    );
    expect(rest.notifications.edges.map((e: any) => e.node.message)).toEqual(['one']);

    const ids = list.notifications.edges.map((e: any) => e.node.id);
    // Someone else's ids change nothing.
    expect(await gqlOk(server.url, `mutation($ids: [ID!]) { markNotificationsRead(ids: $ids) }`, { ids }, bob.token)).toEqual({
      markNotificationsRead: 0,
    });
    expect(await gqlOk(server.url, `mutation($ids: [ID!]) { markNotificationsRead(ids: $ids) }`, { ids }, carol.token)).toEqual({
      markNotificationsRead: 2,
    });
    const unread = await gqlOk(
      server.url,
      `{ notifications(first: 10, unreadOnly: true) { edges { node { message } } } }`,
      {},
      carol.token,
    );
    expect(unread.notifications.edges.map((e: any) => e.node.message)).toEqual(['one']);
    expect(await gqlOk(server.url, `mutation { markNotificationsRead }`, {}, carol.token)).toEqual({ markNotificationsRead: 1 });
  });

  it('rejects anonymous and non-admin callers with documented codes', async () => {
    expect(errorCode(await gql(server.url, `{ notifications(first: 1) { edges { cursor } } }`))).toBe('UNAUTHENTICATED');
    expect(errorCode(await gql(server.url, BROADCAST, { input: { message: 'hi' } }, alice.token))).toBe('FORBIDDEN');
    expect(errorCode(await gql(server.url, BROADCAST, { input: { message: 'hi' } }))).toBe('UNAUTHENTICATED');
    expect(errorCode(await gql(server.url, BROADCAST, { input: { message: '   ' } }, admin))).toBe('BAD_USER_INPUT');
    const anonymous = cleanup.add(connectWs(server.wsUrl));
    const sub = anonymous.subscribe(NOTIFICATIONS);
    const { errors } = await sub.ended();
    expect(firstError(errors).extensions.code).toBe('UNAUTHENTICATED');
  });

  it('resumes after a cursor with exactly the missed events, and rejects a cursor of another stream', async () => {
    const dave = await registerUser(server.url, 'dave');
    const ws1 = connectWs(server.wsUrl, dave.token);
    const sub1 = ws1.subscribe(NOTIFICATIONS);
    await ws1.connected;
    await waitForSubscriptions(server, 1);
    for (let i = 1; i <= 3; i++) await gqlOk(server.url, BROADCAST, { input: { userIds: [dave.id], message: `m${i}` } }, admin);
    const firstThree = await sub1.take(3);
    await ws1.drop();
    for (let i = 4; i <= 6; i++) await gqlOk(server.url, BROADCAST, { input: { userIds: [dave.id], message: `m${i}` } }, admin);

    const ws2 = cleanup.add(connectWs(server.wsUrl, dave.token));
    const sub2 = ws2.subscribe(NOTIFICATIONS, { after: firstThree[2].notifications.cursor });
    const replayed = await sub2.take(3);
    expect(replayed.map((e) => e.notifications.notification.message)).toEqual(['m4', 'm5', 'm6']);
    await gqlOk(server.url, BROADCAST, { input: { userIds: [dave.id], message: 'live' } }, admin);
    expect((await sub2.next()).notifications.notification.message).toBe('live');
    expect(sub2.received).toHaveLength(4);

    // Alice cannot resume from Dave's cursor: it names another stream.
    const aliceWs = cleanup.add(connectWs(server.wsUrl, alice.token));
    const stolen = aliceWs.subscribe(NOTIFICATIONS, { after: firstThree[0].notifications.cursor });
    const { errors } = await stolen.ended();
    expect(firstError(errors).extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'after' });
  });
});
