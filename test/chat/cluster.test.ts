import { describe, expect, it } from 'vitest';
import { errorCode, gql, gqlOk, registerUser } from '../support/client.js';
import { connectWs, firstError } from '../support/ws.js';
import { TEST_DATABASE_URL, TEST_REDIS_URL } from '../support/database.js';
import { waitForSubscriptions } from '../support/server.js';
import { useTestCluster } from '../support/setup.js';
import { EVENTS, HISTORY, LEAVE, SEND, TYPING, createGroup, historyTexts, send, subscribeEvents } from './operations.js';

describe.runIf(TEST_DATABASE_URL && TEST_REDIS_URL)('chat across two instances', () => {
  const { servers, users, cleanup } = useTestCluster(2, { users: ['alice', 'bob', 'mallory'], noSubscriptionsLeft: true });
  const [a, b] = servers;
  const { alice, bob, mallory } = users;

  it("Alice's message (instance A) reaches Bob's subscription (instance B) once, in order, and is in the history; a non-member is FORBIDDEN", async () => {
    const group = await createGroup(a.url, alice, [bob]);
    const other = await createGroup(a.url, alice, [bob]);
    const bobSub = cleanup.add(connectWs(b.wsUrl, bob.token)).subscribe(EVENTS, { id: group });
    await waitForSubscriptions(b, 1);

    await send(a.url, alice, other, 'wrong conversation');
    for (const text of ['one', 'two', 'three']) await send(a.url, alice, group, text);
    const events = (await bobSub.take(3)).map((e) => e.conversationEvents);
    expect(events.map((e) => [e.kind, e.message.text, e.message.sender.id])).toEqual([
      ['MESSAGE', 'one', alice.id],
      ['MESSAGE', 'two', alice.id],
      ['MESSAGE', 'three', alice.id],
    ]);
    expect(await historyTexts(b.url, bob, group)).toEqual(['one', 'two', 'three']);

    const malloryWs = cleanup.add(connectWs(b.wsUrl, mallory.token));
    expect(firstError((await malloryWs.subscribe(EVENTS, { id: group }).ended()).errors).extensions.code).toBe('FORBIDDEN');
    expect(errorCode(await gql(a.url, SEND, { id: group, text: 'let me in' }, mallory.token))).toBe('FORBIDDEN');
    expect(errorCode(await gql(b.url, HISTORY, { id: group, last: 10 }, mallory.token))).toBe('FORBIDDEN');

    await send(b.url, bob, group, 'marker');
    expect((await bobSub.next()).conversationEvents.message.text).toBe('marker');
    expect(bobSub.received).toHaveLength(4);
  });

  it('the same clientMessageId sent concurrently through both instances stores one message, returned to every request, streamed once', async () => {
    const group = await createGroup(a.url, alice, [bob]);
    const bobSub = cleanup.add(connectWs(b.wsUrl, bob.token)).subscribe(EVENTS, { id: group });
    await waitForSubscriptions(b, 1);

    const results = await Promise.all(
      Array.from({ length: 12 }, (_, i) => send(i % 2 ? a.url : b.url, alice, group, 'exactly once', 'retry-me')),
    );
    expect(new Set(results.map((m) => m.id)).size).toBe(1);
    await send(a.url, alice, group, 'marker');
    const events = (await bobSub.take(2)).map((e) => e.conversationEvents.message);
    expect(events.map((m) => [m.id, m.text])).toEqual([
      [results[0].id, 'exactly once'],
      [expect.any(String), 'marker'],
    ]);
    expect(await historyTexts(a.url, alice, group)).toEqual(['exactly once', 'marker']);
  });

  it('Bob drops, Alice sends 50, Bob resumes on the other instance with his last cursor: exactly those 50 in order, then live ones', async () => {
    const group = await createGroup(a.url, alice, [bob]);
    const bobOnB = connectWs(b.wsUrl, bob.token);
    const first = bobOnB.subscribe(EVENTS, { id: group });
    await waitForSubscriptions(b, 1);
    await send(a.url, alice, group, 'seen');
    const last = (await first.next()).conversationEvents;
    expect(last.message.text).toBe('seen');
    await bobOnB.drop();

    const missed = Array.from({ length: 50 }, (_, i) => `missed ${i + 1}`);
    for (const text of missed) await send(a.url, alice, group, text);

    const resumed = cleanup.add(connectWs(a.wsUrl, bob.token)).subscribe(EVENTS, { id: group, after: last.cursor });
    const replayed = (await resumed.take(50)).map((e) => e.conversationEvents);
    expect(replayed.map((e) => e.message.text)).toEqual(missed);
    expect(replayed.every((e) => e.kind === 'MESSAGE' && typeof e.cursor === 'string')).toBe(true);
    await send(b.url, alice, group, 'live 1');
    await send(a.url, alice, group, 'live 2');
    expect((await resumed.take(2)).map((e) => e.conversationEvents.message.text)).toEqual(['live 1', 'live 2']);
    expect(resumed.received).toHaveLength(52);
    expect(resumed.pending).toHaveLength(0);
  });

  it('TYPING on one instance reaches members on the other, not the typist', async () => {
    const group = await createGroup(a.url, alice, [bob]);
    const [aliceSub, bobSub] = await subscribeEvents(cleanup, group, [a, alice], [b, bob]);

    await gqlOk(a.url, TYPING, { id: group, isTyping: true }, alice.token);
    expect((await bobSub.next()).conversationEvents).toMatchObject({
      kind: 'TYPING',
      member: { id: alice.id },
      isTyping: true,
      cursor: null,
    });
    await gqlOk(b.url, TYPING, { id: group, isTyping: false }, alice.token);
    expect((await bobSub.next()).conversationEvents).toMatchObject({ kind: 'TYPING', isTyping: false });
    await send(b.url, bob, group, 'marker');
    expect((await aliceSub.next()).conversationEvents.message.text).toBe('marker');
    expect(aliceSub.received).toHaveLength(1);
  });

  it("leaving through one instance ends the leaver's stream on the other and tells the rest", async () => {
    const carol = await registerUser(a.url, 'carol');
    const group = await createGroup(a.url, alice, [bob, carol]);
    const [bobSub, carolSub] = await subscribeEvents(cleanup, group, [b, bob], [a, carol]);

    await send(a.url, alice, group, 'before');
    expect((await bobSub.next()).conversationEvents.message.text).toBe('before');
    expect(await gqlOk(a.url, LEAVE, { id: group }, bob.token)).toEqual({ leaveConversation: true });
    expect(await bobSub.ended()).toEqual({});
    await send(b.url, alice, group, 'after');
    expect(
      (await carolSub.take(3)).map((e) => [
        e.conversationEvents.kind,
        e.conversationEvents.member?.id ?? e.conversationEvents.message.text,
      ]),
    ).toEqual([
      ['MESSAGE', 'before'],
      ['MEMBER_LEFT', bob.id],
      ['MESSAGE', 'after'],
    ]);
    expect(bobSub.received).toHaveLength(1);
  });
});
