import { describe, expect, it } from 'vitest';
import { errorCode, gql, gqlOk, registerUser } from '../support/client.js';
import { connectWs, firstError } from '../support/ws.js';
import { DATABASE_KINDS } from '../support/database.js';
import { waitForSubscriptions } from '../support/server.js';
import { useTestServer } from '../support/setup.js';
import { EVENTS, HISTORY, JOIN, LEAVE, SEND, TYPING, createGroup, historyTexts, send, subscribeEvents } from './operations.js';

describe.each(DATABASE_KINDS)('messages on %s', (kind) => {
  const { server, users, cleanup } = useTestServer(kind, { users: ['alice', 'bob', 'mallory'], noSubscriptionsLeft: true });
  const { alice, bob, mallory } = users;

  it("delivers a message once, in order, to the conversation's members only, and keeps it in the history", async () => {
    const group = await createGroup(server.url, alice, [bob]);
    const other = await createGroup(server.url, alice, [bob]);
    const [aliceSub, bobSub] = await subscribeEvents(cleanup, group, [server, alice], [server, bob]);

    // The wrong conversation first: it must not reach a subscription of `group`.
    await send(server.url, alice, other, 'elsewhere');
    const sent = await send(server.url, alice, group, '  hello  ');
    expect(sent.text).toBe('hello');
    await send(server.url, bob, group, 'hi alice');
    for (const sub of [aliceSub, bobSub]) {
      const [first, second] = (await sub.take(2)).map((e) => e.conversationEvents);
      expect(first).toMatchObject({
        kind: 'MESSAGE',
        message: { id: sent.id, text: 'hello', sender: { id: alice.id } },
        member: null,
        isTyping: null,
      });
      expect(first.cursor).toEqual(expect.any(String));
      expect(second.message).toMatchObject({ text: 'hi alice', sender: { id: bob.id } });
      expect(sub.pending).toHaveLength(0);
    }
    expect(await historyTexts(server.url, bob, group)).toEqual(['hello', 'hi alice']);
  });

  it('is members only: FORBIDDEN for non-members, NOT_FOUND for unknown conversations, UNAUTHENTICATED for anonymous', async () => {
    const group = await createGroup(server.url, alice, [bob]);
    expect(errorCode(await gql(server.url, SEND, { id: group, text: 'let me in' }, mallory.token))).toBe('FORBIDDEN');
    expect(errorCode(await gql(server.url, HISTORY, { id: group, last: 5 }, mallory.token))).toBe('FORBIDDEN');
    expect(errorCode(await gql(server.url, TYPING, { id: group, isTyping: true }, mallory.token))).toBe('FORBIDDEN');
    expect(errorCode(await gql(server.url, SEND, { id: 'no-such-id', text: 'hi' }, alice.token))).toBe('NOT_FOUND');
    expect(errorCode(await gql(server.url, HISTORY, { id: 'no-such-id' }, alice.token))).toBe('NOT_FOUND');
    expect(errorCode(await gql(server.url, TYPING, { id: 'no-such-id', isTyping: true }, alice.token))).toBe('NOT_FOUND');
    expect(errorCode(await gql(server.url, SEND, { id: group, text: 'hi' }))).toBe('UNAUTHENTICATED');

    const ws = cleanup.add(connectWs(server.wsUrl, mallory.token));
    const forbidden = await ws.subscribe(EVENTS, { id: group }).ended();
    expect(firstError(forbidden.errors).extensions.code).toBe('FORBIDDEN');
    const unknown = await ws.subscribe(EVENTS, { id: 'no-such-id' }).ended();
    expect(firstError(unknown.errors).extensions.code).toBe('NOT_FOUND');
    const anonymous = await cleanup.add(connectWs(server.wsUrl)).subscribe(EVENTS, { id: group }).ended();
    expect(firstError(anonymous.errors).extensions.code).toBe('UNAUTHENTICATED');
    expect(await historyTexts(server.url, alice, group)).toEqual([]);
  });

  it('rejects empty, blank and over-long messages with BAD_USER_INPUT on `text`, storing nothing', async () => {
    const group = await createGroup(server.url, alice, [bob]);
    for (const text of ['', '  \n\t ', 'x'.repeat(4001), ` ${'😀'.repeat(4001)} `]) {
      const result = await gql(server.url, SEND, { id: group, text }, alice.token);
      expect(result.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'text' });
    }
    // 4000 characters after trimming is the limit, counted in characters (an emoji is one).
    expect((await send(server.url, alice, group, `  ${'x'.repeat(4000)}  `)).text).toHaveLength(4000);
    expect([...(await send(server.url, alice, group, '😀'.repeat(4000))).text]).toHaveLength(4000);
    expect(await historyTexts(server.url, alice, group)).toHaveLength(2);
  });

  it('stores one message per clientMessageId and sender, even for concurrent retries; the stream carries it once', async () => {
    const group = await createGroup(server.url, alice, [bob]);
    const other = await createGroup(server.url, alice, [bob]);
    const ws = cleanup.add(connectWs(server.wsUrl, bob.token));
    const sub = ws.subscribe(EVENTS, { id: group });
    await waitForSubscriptions(server, 1);

    const first = await send(server.url, alice, group, 'once', 'c-1');
    const retry = await send(server.url, alice, group, 'once (retried)', 'c-1');
    expect(retry).toEqual(first);
    const racing = await Promise.all(Array.from({ length: 8 }, () => send(server.url, alice, group, 'raced', 'c-2')));
    expect(new Set(racing.map((m) => m.id)).size).toBe(1);
    // The same id from another sender is another message.
    const bobs = await send(server.url, bob, group, 'bob too', 'c-1');
    expect(bobs.id).not.toBe(first.id);
    // Reusing an id in another conversation is a client bug: CONFLICT, nothing stored there.
    expect(errorCode(await gql(server.url, SEND, { id: other, text: 'moved', clientMessageId: 'c-1' }, alice.token))).toBe('CONFLICT');
    expect(errorCode(await gql(server.url, SEND, { id: group, text: 'x', clientMessageId: '' }, alice.token))).toBe('BAD_USER_INPUT');

    const events = (await sub.take(3)).map((e) => e.conversationEvents.message);
    expect(events.map((m) => [m.text, m.clientMessageId])).toEqual([
      ['once', 'c-1'],
      ['raced', 'c-2'],
      ['bob too', 'c-1'],
    ]);
    expect(await historyTexts(server.url, alice, group)).toEqual(['once', 'raced', 'bob too']);
    expect(await historyTexts(server.url, alice, other)).toEqual([]);
    expect(sub.pending).toHaveLength(0);
  });

  it('sends TYPING to the other members only; it is never stored, replayed or in the history', async () => {
    const group = await createGroup(server.url, alice, [bob]);
    const [aliceSub, bobSub] = await subscribeEvents(cleanup, group, [server, alice], [server, bob]);

    await send(server.url, alice, group, 'before');
    const before = (await bobSub.next()).conversationEvents;
    expect(await gqlOk(server.url, TYPING, { id: group, isTyping: true }, alice.token)).toEqual({ setTyping: true });
    expect((await bobSub.next()).conversationEvents).toMatchObject({
      kind: 'TYPING',
      member: { id: alice.id },
      isTyping: true,
      cursor: null,
      message: null,
    });
    await send(server.url, alice, group, 'after');
    expect((await bobSub.next()).conversationEvents.message.text).toBe('after');
    await gqlOk(server.url, TYPING, { id: group, isTyping: false }, alice.token);
    expect((await bobSub.next()).conversationEvents).toMatchObject({ kind: 'TYPING', member: { id: alice.id }, isTyping: false });
    // Stopping clears the automatic end: nothing is left to signal later.
    expect(server.pulse.services.typing.size).toBe(0);

    // The typist saw only the messages, never their own TYPING.
    const aliceEvents = (await aliceSub.take(2)).map((e) => e.conversationEvents);
    expect(aliceEvents.map((e) => [e.kind, e.message.text])).toEqual([
      ['MESSAGE', 'before'],
      ['MESSAGE', 'after'],
    ]);
    await send(server.url, bob, group, 'marker');
    expect((await aliceSub.next()).conversationEvents.message.text).toBe('marker');
    expect(aliceSub.pending).toHaveLength(0);

    // Resuming from before the typing replays the messages only.
    const resumed = cleanup.add(connectWs(server.wsUrl, bob.token)).subscribe(EVENTS, { id: group, after: before.cursor });
    expect((await resumed.take(2)).map((e) => e.conversationEvents.message.text)).toEqual(['after', 'marker']);
    await send(server.url, alice, group, 'live');
    expect((await resumed.next()).conversationEvents.message.text).toBe('live');
    expect(resumed.received.map((e) => e.conversationEvents.kind)).toEqual(['MESSAGE', 'MESSAGE', 'MESSAGE']);
    expect(await historyTexts(server.url, bob, group)).toEqual(['before', 'after', 'marker', 'live']);
  });

  it("leaving emits MEMBER_LEFT to the others and completes the leaver's open stream; the leaver is then a non-member", async () => {
    const carol = await registerUser(server.url, 'carol');
    const group = await createGroup(server.url, alice, [bob, carol]);
    const bobWs = cleanup.add(connectWs(server.wsUrl, bob.token));
    const carolWs = cleanup.add(connectWs(server.wsUrl, carol.token));
    const bobSub = bobWs.subscribe(EVENTS, { id: group });
    const carolSub = carolWs.subscribe(EVENTS, { id: group });
    await waitForSubscriptions(server, 2);

    expect(await gqlOk(server.url, LEAVE, { id: group }, bob.token)).toEqual({ leaveConversation: true });
    expect((await carolSub.next()).conversationEvents).toMatchObject({ kind: 'MEMBER_LEFT', member: { id: bob.id } });
    // Completed, not errored, and without delivering anything (not even the leave itself).
    expect(await bobSub.ended()).toEqual({});
    expect(bobSub.received).toHaveLength(0);

    await send(server.url, alice, group, 'after bob left');
    expect((await carolSub.next()).conversationEvents.message.text).toBe('after bob left');
    expect(await gqlOk(server.url, LEAVE, { id: group }, bob.token)).toEqual({ leaveConversation: false });
    expect(errorCode(await gql(server.url, SEND, { id: group, text: 'still here?' }, bob.token))).toBe('FORBIDDEN');
    expect(errorCode(await gql(server.url, HISTORY, { id: group }, bob.token))).toBe('FORBIDDEN');
    const again = await cleanup.add(connectWs(server.wsUrl, bob.token)).subscribe(EVENTS, { id: group }).ended();
    expect(firstError(again.errors).extensions.code).toBe('FORBIDDEN');
  });

  it('a member who left and rejoined can resume from a cursor before leaving: their replayed MEMBER_LEFT does not end the stream', async () => {
    const group = await createGroup(server.url, alice, [bob]);
    const first = cleanup.add(connectWs(server.wsUrl, bob.token)).subscribe(EVENTS, { id: group });
    await waitForSubscriptions(server, 1);
    await send(server.url, alice, group, 'one');
    const cursor = (await first.next()).conversationEvents.cursor;
    await gqlOk(server.url, LEAVE, { id: group }, bob.token);
    await first.ended();
    await send(server.url, alice, group, 'while away');
    await gqlOk(server.url, JOIN, { id: group }, bob.token);

    const resumed = cleanup.add(connectWs(server.wsUrl, bob.token)).subscribe(EVENTS, { id: group, after: cursor });
    const replayed = (await resumed.take(3)).map((e) => e.conversationEvents);
    expect(replayed.map((e) => [e.kind, e.member?.id ?? e.message?.text])).toEqual([
      ['MEMBER_LEFT', bob.id],
      ['MESSAGE', 'while away'],
      ['MEMBER_JOINED', bob.id],
    ]);
    await send(server.url, alice, group, 'welcome back');
    expect((await resumed.next()).conversationEvents.message.text).toBe('welcome back');
  });
});
