import { describe, expect, it } from 'vitest';
import { errorCode, gql, gqlOk, registerUser, type TestUser } from '../support/client.js';
import { connectWs } from '../support/ws.js';
import { DATABASE_KINDS } from '../support/database.js';
import { waitForSubscriptions } from '../support/server.js';
import { useTestServer } from '../support/setup.js';
import { ADD, CREATE, EVENTS, HISTORY, JOIN, LEAVE, createGroup, historyTexts, send } from './operations.js';

const LIST = `query($first: Int, $after: String) {
  conversations(first: $first, after: $after) {
    edges { node { id title unreadCount lastMessage { text } } }
    pageInfo { hasNextPage endCursor }
  }
}`;

describe.each(DATABASE_KINDS)('conversations on %s', (kind) => {
  const { server, users, cleanup } = useTestServer(kind, { users: ['alice', 'bob', 'carol'], noSubscriptionsLeft: true });
  const { alice, bob, carol } = users;

  it('creates a group with the caller as a member, and validates title and members', async () => {
    const created = await gqlOk(
      server.url,
      CREATE,
      { input: { kind: 'GROUP', title: '  Raid night ', memberIds: [bob.id, bob.id] } },
      alice.token,
    );
    expect(created.createConversation).toMatchObject({ kind: 'GROUP', title: 'Raid night', isPrivate: false });
    expect(created.createConversation.members.map((m: any) => m.id).sort()).toEqual([alice.id, bob.id].sort());

    for (const title of [null, '   ', 'x'.repeat(101)]) {
      const result = await gql(server.url, CREATE, { input: { kind: 'GROUP', title, memberIds: [] } }, alice.token);
      expect(result.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'title' });
    }
    expect(errorCode(await gql(server.url, CREATE, { input: { kind: 'GROUP', title: 't', memberIds: ['nobody'] } }, alice.token))).toBe(
      'NOT_FOUND',
    );
    expect(errorCode(await gql(server.url, CREATE, { input: { kind: 'GROUP', title: 't', memberIds: [] } }))).toBe('UNAUTHENTICATED');
  });

  it('has one DIRECT conversation per pair, reused whoever creates it, even concurrently', async () => {
    const dave = await registerUser(server.url, 'dave');
    const direct = (user: TestUser, memberIds: string[]) =>
      gqlOk(server.url, CREATE, { input: { kind: 'DIRECT', memberIds } }, user.token).then((d) => d.createConversation);
    const racing = await Promise.all([direct(alice, [dave.id]), direct(dave, [alice.id]), direct(alice, [alice.id, dave.id])]);
    expect(new Set(racing.map((c) => c.id)).size).toBe(1);
    expect(racing[0]).toMatchObject({ kind: 'DIRECT', title: null, isPrivate: true });
    expect(racing[0].members.map((m: any) => m.id).sort()).toEqual([alice.id, dave.id].sort());
    expect((await direct(dave, [alice.id])).id).toBe(racing[0].id);

    for (const memberIds of [[], [alice.id], [bob.id, carol.id]]) {
      const result = await gql(server.url, CREATE, { input: { kind: 'DIRECT', memberIds } }, alice.token);
      expect(result.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'memberIds' });
    }
    expect(errorCode(await gql(server.url, CREATE, { input: { kind: 'DIRECT', memberIds: ['nobody'] } }, alice.token))).toBe('NOT_FOUND');
    // A direct conversation is never joined, grown or left.
    expect(errorCode(await gql(server.url, JOIN, { id: racing[0].id }, bob.token))).toBe('FORBIDDEN');
    expect((await gql(server.url, ADD, { id: racing[0].id, userIds: [bob.id] }, alice.token)).errors?.[0].extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'conversationId',
    });
    expect(errorCode(await gql(server.url, LEAVE, { id: racing[0].id }, alice.token))).toBe('BAD_USER_INPUT');
  });

  it('joining a public group emits MEMBER_JOINED and opens the history; a private one is FORBIDDEN until a member adds you', async () => {
    const open = await createGroup(server.url, alice, [bob]);
    const closed = await createGroup(server.url, alice, [bob], { isPrivate: true });
    await send(server.url, alice, open, 'before carol');
    await send(server.url, alice, closed, 'secret');

    const ws = cleanup.add(connectWs(server.wsUrl, bob.token));
    const openSub = ws.subscribe(EVENTS, { id: open });
    const closedSub = ws.subscribe(EVENTS, { id: closed });
    await waitForSubscriptions(server, 2);

    expect(errorCode(await gql(server.url, HISTORY, { id: open, last: 10 }, carol.token))).toBe('FORBIDDEN');
    const joined = await gqlOk(server.url, JOIN, { id: open }, carol.token);
    expect(joined.joinConversation.members.map((m: any) => m.id)).toContain(carol.id);
    expect((await openSub.next()).conversationEvents).toMatchObject({ kind: 'MEMBER_JOINED', member: { id: carol.id }, message: null });
    expect(await historyTexts(server.url, carol, open)).toEqual(['before carol']);
    // Joining again changes nothing and emits nothing.
    await gqlOk(server.url, JOIN, { id: open }, carol.token);

    expect(errorCode(await gql(server.url, JOIN, { id: closed }, carol.token))).toBe('FORBIDDEN');
    expect(errorCode(await gql(server.url, HISTORY, { id: closed, last: 10 }, carol.token))).toBe('FORBIDDEN');
    expect(errorCode(await gql(server.url, ADD, { id: closed, userIds: [carol.id] }, carol.token))).toBe('FORBIDDEN');
    expect(errorCode(await gql(server.url, ADD, { id: closed, userIds: ['nobody'] }, bob.token))).toBe('NOT_FOUND');
    const added = await gqlOk(server.url, ADD, { id: closed, userIds: [carol.id, alice.id] }, bob.token);
    expect(added.addMembers.members.map((m: any) => m.id)).toContain(carol.id);
    // Only carol is new: one MEMBER_JOINED, and the open group's stream got nothing more.
    expect((await closedSub.next()).conversationEvents).toMatchObject({ kind: 'MEMBER_JOINED', member: { id: carol.id } });
    expect(await historyTexts(server.url, carol, closed)).toEqual(['secret']);
    await send(server.url, alice, closed, 'welcome');
    expect((await closedSub.next()).conversationEvents.message.text).toBe('welcome');
    expect(openSub.received).toHaveLength(1);
    expect(closedSub.pending).toHaveLength(0);

    expect(errorCode(await gql(server.url, JOIN, { id: 'nope' }, carol.token))).toBe('NOT_FOUND');
    expect(errorCode(await gql(server.url, ADD, { id: 'nope', userIds: [carol.id] }, carol.token))).toBe('NOT_FOUND');
    expect(errorCode(await gql(server.url, LEAVE, { id: 'nope' }, carol.token))).toBe('NOT_FOUND');
  });

  it('lists joinable public groups, never private ones', async () => {
    const open = await createGroup(server.url, bob, [], { title: 'open to all' });
    const closed = await createGroup(server.url, bob, [], { isPrivate: true });
    const data = await gqlOk(
      server.url,
      `{ publicConversations(first: 100) { edges { node { id isPrivate memberCount viewerIsMember } } } }`,
      {},
      carol.token,
    );
    const nodes = data.publicConversations.edges.map((e: any) => e.node);
    expect(nodes.find((n: any) => n.id === open)).toEqual({ id: open, isPrivate: false, memberCount: 1, viewerIsMember: false });
    expect(nodes.some((n: any) => n.id === closed || n.isPrivate)).toBe(false);
    // Members stay members-only, also when reached through the public list.
    const members = await gql(server.url, `{ publicConversations(first: 100) { edges { node { members { id } } } } }`, {}, carol.token);
    expect(errorCode(members)).toBe('FORBIDDEN');
  });

  it("lists the viewer's conversations most recently active first, with the last message and unread count", async () => {
    const erin = await registerUser(server.url, 'erin');
    const first = await createGroup(server.url, alice, [erin], { title: 'first' });
    const second = await createGroup(server.url, alice, [erin], { title: 'second' });
    const third = await createGroup(server.url, alice, [erin], { title: 'third' });
    await send(server.url, alice, second, 'one');
    await send(server.url, alice, second, 'two');
    await send(server.url, erin, second, 'mine');
    await send(server.url, alice, first, 'newest');

    const page1 = await gqlOk(server.url, LIST, { first: 2 }, erin.token);
    const page2 = await gqlOk(server.url, LIST, { first: 2, after: page1.conversations.pageInfo.endCursor }, erin.token);
    const nodes = [...page1.conversations.edges, ...page2.conversations.edges].map((e: any) => e.node);
    expect(nodes.map((n: any) => n.title)).toEqual(['first', 'second', 'third']);
    expect(nodes.map((n: any) => n.lastMessage?.text ?? null)).toEqual(['newest', 'mine', null]);
    // Own messages are never unread.
    expect(nodes.map((n: any) => n.unreadCount)).toEqual([1, 2, 0]);
    expect(page2.conversations.pageInfo.hasNextPage).toBe(false);

    const read = await gqlOk(
      server.url,
      `mutation($id: ID!) { markConversationRead(conversationId: $id) { unreadCount } }`,
      { id: second },
      erin.token,
    );
    expect(read.markConversationRead.unreadCount).toBe(0);
    await send(server.url, alice, second, 'after reading');
    const again = await gqlOk(server.url, LIST, { first: 1 }, erin.token);
    expect(again.conversations.edges[0].node).toMatchObject({ title: 'second', unreadCount: 1, lastMessage: { text: 'after reading' } });
    expect(
      errorCode(await gql(server.url, `mutation($id: ID!) { markConversationRead(conversationId: $id) { id } }`, { id: third }, bob.token)),
    ).toBe('FORBIDDEN');
  });

  it('pages the history backwards, newest last', async () => {
    const group = await createGroup(server.url, alice, [bob]);
    for (let i = 1; i <= 7; i++) await send(server.url, i % 2 ? alice : bob, group, `m${i}`);
    const newest = await gqlOk(server.url, HISTORY, { id: group, last: 3 }, bob.token);
    expect(newest.conversation.messages.edges.map((e: any) => e.node.text)).toEqual(['m5', 'm6', 'm7']);
    expect(newest.conversation.messages.pageInfo.hasPreviousPage).toBe(true);
    const older = await gqlOk(
      server.url,
      HISTORY,
      { id: group, last: 3, before: newest.conversation.messages.pageInfo.startCursor },
      bob.token,
    );
    expect(older.conversation.messages.edges.map((e: any) => e.node.text)).toEqual(['m2', 'm3', 'm4']);
    const oldest = await gqlOk(
      server.url,
      HISTORY,
      { id: group, last: 3, before: older.conversation.messages.pageInfo.startCursor },
      bob.token,
    );
    expect(oldest.conversation.messages.edges.map((e: any) => e.node.text)).toEqual(['m1']);
    expect(oldest.conversation.messages.pageInfo.hasPreviousPage).toBe(false);
    expect(newest.conversation.members.map((m: any) => m.id).sort()).toEqual([alice.id, bob.id].sort());
  });
});
