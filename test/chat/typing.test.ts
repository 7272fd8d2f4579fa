import { describe, expect, it } from 'vitest';
import { gqlOk } from '../support/client.js';
import { connectWs } from '../support/ws.js';
import { DATABASE_KINDS, TEST_DATABASE_URL, TEST_REDIS_URL } from '../support/database.js';
import { waitForSubscriptions, type TestServer } from '../support/server.js';
import { useTestCluster, useTestServer } from '../support/setup.js';
import { waitUntil } from '../support/wait.js';
import { EVENTS, TYPING, createGroup, send, subscribeEvents } from './operations.js';

// Short, so the tests do not wait long for an expiry; long enough that the few requests a test makes
// before the expiry is due finish well within it on a loaded machine.
const TYPING_TTL_MS = 1_000;

/** Waits until `server` holds `count` pending typing expiries (handed over between instances through the bus). */
async function pendingTyping(server: TestServer, count: number, ms = 10_000): Promise<void> {
  const typing = server.pulse.services.typing;
  await waitUntil(() => typing.size === count, `${count} pending typing expiries`, ms);
}

describe.each(DATABASE_KINDS)('typing expiry on %s', (kind) => {
  const { server, users, cleanup } = useTestServer(kind, {
    users: ['alice', 'bob'],
    config: { typingTtlMs: TYPING_TTL_MS },
    noSubscriptionsLeft: true,
  });
  const { alice, bob } = users;

  it('ends a typing indicator that is not renewed by itself, once, however often it was renewed', async () => {
    const group = await createGroup(server.url, alice, [bob]);
    const sub = cleanup.add(connectWs(server.wsUrl, bob.token)).subscribe(EVENTS, { id: group });
    await waitForSubscriptions(server, 1);

    for (let i = 0; i < 3; i++) await gqlOk(server.url, TYPING, { id: group, isTyping: true }, alice.token);
    const events = (await sub.take(4)).map((e) => e.conversationEvents);
    expect(events.map((e) => [e.kind, e.member.id, e.isTyping])).toEqual([
      ['TYPING', alice.id, true],
      ['TYPING', alice.id, true],
      ['TYPING', alice.id, true],
      ['TYPING', alice.id, false],
    ]);
    // The one timer has fired and nothing else is pending: the next event is the next message.
    expect(server.pulse.services.typing.size).toBe(0);
    await send(server.url, alice, group, 'marker');
    expect((await sub.next()).conversationEvents.message.text).toBe('marker');
    expect(sub.pending).toHaveLength(0);
  });
});

describe.runIf(TEST_DATABASE_URL && TEST_REDIS_URL)('typing across instances', () => {
  const { servers, users, cleanup } = useTestCluster(2, { users: ['alice', 'bob'], config: { typingTtlMs: TYPING_TTL_MS } });
  const [a, b] = servers;
  const { alice, bob } = users;

  it('a renewal through another instance takes the expiry over, so the indicator ends once, after the last renewal', async () => {
    const group = await createGroup(a.url, alice, [bob]);
    const [aliceSub, bobSub] = await subscribeEvents(cleanup, group, [a, alice], [b, bob]);

    await gqlOk(a.url, TYPING, { id: group, isTyping: true }, alice.token);
    await pendingTyping(a, 1);
    await gqlOk(b.url, TYPING, { id: group, isTyping: true }, alice.token);
    // A saw B's renewal on the bus and dropped its own timer; only B will end the indicator.
    await pendingTyping(a, 0);
    await pendingTyping(b, 1);

    const events = (await bobSub.take(3)).map((e) => e.conversationEvents);
    expect(events.map((e) => [e.kind, e.member.id, e.isTyping])).toEqual([
      ['TYPING', alice.id, true],
      ['TYPING', alice.id, true],
      ['TYPING', alice.id, false],
    ]);
    await pendingTyping(b, 0);
    await send(b.url, alice, group, 'marker');
    expect((await bobSub.next()).conversationEvents.message.text).toBe('marker');
    expect(bobSub.pending).toHaveLength(0);
    // The typist, on the other instance, saw none of it.
    expect((await aliceSub.next()).conversationEvents.message.text).toBe('marker');
    expect(aliceSub.received).toHaveLength(1);
  });
});
