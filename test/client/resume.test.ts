/**
 * `createPulseClient` (Apollo Client 4) against real servers: typed operations over HTTP with the
 * current token, subscriptions over graphql-ws, resume across a server restart on the same
 * database with nothing lost and nothing repeated, and GAP surfacing to the caller.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Subscription } from 'rxjs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import {
  BroadcastDocument,
  createPulseClient,
  NotificationEventsDocument,
  retryDelayMs,
  SeatUpdatesDocument,
  ViewerDocument,
  type ConnectionState,
  type PulseClient,
  type PulseClientOptions,
  type Types,
} from '../../client/src/index.js';
import { gqlOk, registerUser } from '../support/client.js';
import { disposers } from '../support/setup.js';
import { deferred, withTimeout } from '../support/wait.js';
import { createTestDatabase, DATABASE_KINDS, type DatabaseKind, type TestDatabase } from '../support/database.js';
import { makeAdmin, startTestServer, waitForSubscriptions, type TestServer } from '../support/server.js';

type NotificationEvent = Types.NotificationEventsSubscription['notifications'];

/** Every event an Apollo subscription delivers, queued; waits are bounded, never sleeps. */
class Received<T> {
  readonly events: T[] = [];
  private waiter: { count: number; resolve(): void } | null = null;
  readonly subscription: Subscription;
  error: unknown = null;

  constructor(client: PulseClient, variables: { after?: string | null } = {}) {
    this.subscription = client.subscribe({ query: NotificationEventsDocument, variables }).subscribe({
      next: (result) => {
        if (result.error) this.error = result.error;
        if (result.data) this.events.push(result.data.notifications as T);
        if (this.waiter && this.events.length >= this.waiter.count) this.waiter.resolve();
      },
      error: (error) => (this.error = error),
    });
  }

  /** Resolves once `count` events in total have arrived. */
  async until(count: number, ms = 30_000): Promise<T[]> {
    if (this.events.length < count) {
      const arrived = deferred<void>();
      this.waiter = { count, resolve: () => arrived.resolve() };
      await withTimeout(arrived.promise, ms, `${count} events (have ${this.events.length}, error ${String(this.error)})`);
    }
    return this.events;
  }
}

/** A database that outlives one server: a PGlite data directory, or a PostgreSQL schema. */
async function durableDatabase(kind: DatabaseKind): Promise<TestDatabase> {
  if (kind === 'postgres') return createTestDatabase('postgres');
  const dir = await mkdtemp(join(tmpdir(), 'pulse-resume-'));
  return {
    target: { kind: 'pglite', dir },
    name: `resume_${Date.now().toString(36)}`,
    drop: () => rm(dir, { recursive: true, force: true }),
  };
}

it('backs off exponentially with jitter, capped at 10 s', () => {
  expect([0, 1, 2, 3].map((n) => retryDelayMs(n, () => 0))).toEqual([125, 250, 500, 1000]);
  expect([0, 1, 2, 3].map((n) => retryDelayMs(n, () => 1))).toEqual([250, 500, 1000, 2000]);
  expect(retryDelayMs(1000, () => 0)).toBe(5000);
  expect(retryDelayMs(1000, () => 1)).toBe(10_000);
});

describe.each(DATABASE_KINDS)('createPulseClient on %s', (kind) => {
  const cleanup = disposers();
  // One server for the tests that need no restart; retention 2 so that a stale cursor meets a GAP.
  let server: TestServer;
  let admin: string;
  beforeAll(async () => {
    server = await startTestServer({ database: kind, config: { streamRetention: 2 } });
    admin = await makeAdmin(server, (await registerUser(server.url, 'admin')).username);
  });
  afterEach(() => cleanup.run());
  afterAll(() => server?.stop());

  function client(server: TestServer, options: Partial<PulseClientOptions> & Pick<PulseClientOptions, 'getToken'>): PulseClient {
    const pulseClient = createPulseClient({ url: server.url, webSocketImpl: WebSocket, ...options });
    cleanup.defer(() => pulseClient.dispose());
    return pulseClient;
  }

  it('sends the current token with every HTTP request and types the results', async () => {
    const alice = await registerUser(server.url, 'alice');
    const bob = await registerUser(server.url, 'bob');
    let token: string | null = alice.token;
    const pulse = client(server, { getToken: () => token });

    const asAlice = await pulse.query({ query: ViewerDocument, fetchPolicy: 'network-only' });
    expect(asAlice.data?.viewer?.username).toBe(alice.username);
    token = bob.token;
    const asBob = await pulse.query({ query: ViewerDocument, fetchPolicy: 'network-only' });
    expect(asBob.data?.viewer?.username).toBe(bob.username);
    token = null;
    expect((await pulse.query({ query: ViewerDocument, fetchPolicy: 'network-only' })).data?.viewer).toBeNull();
  });

  it('resumes after a server restart on the same database: every event once, in order', async () => {
    const database = await durableDatabase(kind);
    cleanup.defer(() => database.drop());
    const first = await startTestServer({ database });
    let second: TestServer | null = null;
    cleanup.defer(() => Promise.all([first.stop(), second?.stop()]));
    const adminName = (await registerUser(first.url, 'admin')).username;
    let adminToken = await makeAdmin(first, adminName);
    const alice = await registerUser(first.url, 'alice');
    let aliceToken = alice.token;
    const send = (server: TestServer, message: string) =>
      gqlOk(
        server.url,
        'mutation($input: BroadcastInput!) { broadcast(input: $input) }',
        { input: { userIds: [alice.id], message } },
        adminToken,
      );

    // The socket reads the token on every connect; a test gate holds the reconnect back so that
    // some events are certainly committed while the client is away.
    let gate: Promise<void> | null = null;
    let tokenReads = 0;
    const states: ConnectionState[] = [];
    const gaps: [string, Record<string, unknown>][] = [];
    const pulse = client(first, {
      getToken: async () => {
        tokenReads++;
        await gate;
        return aliceToken;
      },
      onConnectionChange: (state) => states.push(state),
      onGap: (name, variables) => gaps.push([name, variables]),
    });

    const sub = new Received<NotificationEvent>(pulse);
    // A second stream that delivers nothing before the restart has no cursor to resume from: its
    // seats change while the client is away, and the caller is told to refetch rather than left unaware.
    const { createEvent } = await gqlOk(
      first.url,
      'mutation($input: CreateEventInput!) { createEvent(input: $input) { id } }',
      { input: { title: 'Restart party', startsAt: new Date(Date.now() + 86400_000).toISOString(), capacity: 5 } },
      alice.token,
    );
    const seats: unknown[] = [];
    const seatSubscription = pulse
      .subscribe({ query: SeatUpdatesDocument, variables: { eventId: createEvent.id } })
      .subscribe({ next: (r) => seats.push(r.data) });
    await waitForSubscriptions(first, 2);
    await send(first, 'before 1');
    await send(first, 'before 2');
    await sub.until(2);

    const held = deferred<void>();
    gate = held.promise;
    const readsBeforeRestart = tokenReads;
    await first.stop();
    // The new instance signs with another secret: the old token is refused (4403), so the client
    // only gets back in because it reads the token again, and gets the refreshed one.
    second = await startTestServer({
      database,
      config: { port: Number(new URL(first.url).port), jwtSecret: 'another-secret-another-secret-0123456789' },
    });
    aliceToken = await second.pulse.services.tokens.sign({ userId: alice.id, role: 'USER' });
    adminToken = await makeAdmin(second, adminName);
    expect(await gqlOk(second.url, '{ viewer { id } }', {}, alice.token).catch((e: Error) => e.message)).toMatch(/UNAUTHENTICATED|invalid/);
    for (const message of ['while away 1', 'while away 2', 'while away 3']) await send(second, message);
    await gqlOk(second.url, 'mutation($id: ID!) { bookSeats(eventId: $id) { id } }', { id: createEvent.id }, aliceToken);
    expect(gaps).toEqual([]);
    held.resolve();
    await waitForSubscriptions(second, 2);
    expect(gaps).toEqual([['SeatUpdates', { eventId: createEvent.id }]]);
    expect(seats).toEqual([]);
    seatSubscription.unsubscribe();
    await send(second, 'after 1');
    await send(second, 'after 2');

    const events = await sub.until(7);
    const messages = events.map((e) => e.notification?.message);
    expect(messages).toEqual(['before 1', 'before 2', 'while away 1', 'while away 2', 'while away 3', 'after 1', 'after 2']);
    expect(new Set(events.map((e) => e.notification?.id)).size).toBe(7);
    expect(new Set(events.map((e) => e.cursor)).size).toBe(7);
    // Exactly one more delivery would be a duplicate: a fresh broadcast must be the 8th event.
    await send(second, 'last');
    expect((await sub.until(8)).map((e) => e.notification?.message).slice(7)).toEqual(['last']);
    expect(sub.error).toBeNull();
    expect(tokenReads).toBeGreaterThan(readsBeforeRestart);
    expect(states).toContain('reconnecting');
    expect(states.at(-1)).toBe('connected');
    // The notifications stream resumed from its cursor: it needed no refetch.
    expect(gaps).toHaveLength(1);
    sub.subscription.unsubscribe();
  });

  it('surfaces GAP to onGap when the events after its cursor were trimmed, and still delivers it', async () => {
    const alice = await registerUser(server.url, 'alice');
    const send = (message: string) =>
      gqlOk(
        server.url,
        'mutation($input: BroadcastInput!) { broadcast(input: $input) }',
        { input: { userIds: [alice.id], message } },
        admin,
      );
    const gaps: [string, Record<string, unknown>][] = [];
    const pulse = client(server, { getToken: () => alice.token, onGap: (name, variables) => gaps.push([name, variables]) });

    const early = new Received<NotificationEvent>(pulse);
    await waitForSubscriptions(server, 1);
    await send('first');
    const [{ cursor }] = await early.until(1);
    early.subscription.unsubscribe();
    for (const message of ['second', 'third', 'fourth', 'fifth']) await send(message);

    const late = new Received<NotificationEvent>(pulse, { after: cursor });
    const [gap] = await late.until(1);
    expect(gap.kind).toBe('GAP');
    expect(gap.notification).toBeNull();
    expect(gaps).toEqual([['NotificationEvents', { after: cursor }]]);
    await send('sixth');
    const [, next] = await late.until(2);
    expect(next.notification?.message).toBe('sixth');
    expect(gaps).toHaveLength(1);
    late.subscription.unsubscribe();
  });

  it('typed mutations reject what the server rejects', async () => {
    const alice = await registerUser(server.url, 'alice');
    const pulse = client(server, { getToken: () => alice.token });
    await expect(pulse.mutate({ mutation: BroadcastDocument, variables: { input: { message: 'hi' } } })).rejects.toMatchObject({
      errors: [expect.objectContaining({ extensions: expect.objectContaining({ code: 'FORBIDDEN' }) })],
    });
  });
});
