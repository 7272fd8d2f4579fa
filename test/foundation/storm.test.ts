/**
 * The connect storm (issue 20): many sockets opening subscriptions of one topic at once cost a
 * constant number of database statements per instance, not one per subscriber (the head is read
 * once per topic, single flight; a resume at the head reads nothing; an event's or post's existence
 * once per instance), with no error frame; a saturated pool answers UNAVAILABLE, never
 * INTERNAL_SERVER_ERROR. Statement counts, never times.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { encodeCursor, Topics } from '../../src/streams/index.js';
import { gql, gqlOk, registerUser, type TestUser } from '../support/client.js';
import { DATABASE_KINDS } from '../support/database.js';
import { disposers } from '../support/setup.js';
import { connectWs } from '../support/ws.js';
import { noSubscriptionsLeft, startTestServer, waitForSubscriptions, type TestServer } from '../support/server.js';
import { deferred, waitUntil, withTimeout } from '../support/wait.js';

const MATCH_FEED = `subscription($region: Region!, $after: String) { matchFeed(region: $region, after: $after) { kind cursor match { id } } }`;
const SEATS = `subscription($eventId: ID!, $after: String) { seatUpdates(eventId: $eventId, after: $after) { kind cursor } }`;
const POST_MATCH = `mutation($input: PostMatchInput!) { postMatch(input: $input) { id } }`;
const STORM = 1_500;

/** A bare graphql-transport-ws subscriber (lighter than a graphql-ws client, so a storm fits a test). */
function subscriber(wsUrl: string, query: string, variables: Record<string, unknown>) {
  const socket = new WebSocket(wsUrl, 'graphql-transport-ws');
  const frames: { type: string; payload?: unknown }[] = [];
  const first = deferred<{ type: string; payload?: any }>();
  const closed = deferred<number>();
  socket.on('open', () => socket.send(JSON.stringify({ type: 'connection_init', payload: {} })));
  socket.on('message', (data) => {
    const frame = JSON.parse(String(data));
    if (frame.type === 'connection_ack') socket.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query, variables } }));
    else if (frame.type === 'next' || frame.type === 'error') {
      frames.push(frame);
      first.resolve(frame);
    }
  });
  socket.on('error', () => {});
  socket.on('close', (code) => {
    closed.resolve(code);
    first.reject(new Error(`closed with ${code}`));
  });
  first.promise.catch(() => {});
  return { frames, first: first.promise, closed: closed.promise, close: () => socket.terminate() };
}

describe.each(DATABASE_KINDS)('connect storm on %s', (kind) => {
  let server: TestServer;
  let poster: TestUser;
  const cleanup = disposers();
  beforeAll(async () => {
    // A small pool (one connection: the storm below holds it); the sweeper's background reads kept out of the counts.
    server = await startTestServer({ database: kind, config: { dbPoolSize: 1, publishSweepMs: 60_000 } });
    poster = await registerUser(server.url, 'storm');
  });
  afterEach(async () => {
    await cleanup.run();
    await noSubscriptionsLeft(server, 60_000);
  });
  afterAll(() => server?.stop());

  it(`${STORM} sockets subscribing to one topic at once: a constant number of statements, every one live, no error`, async () => {
    const { database, prisma, subscriptionStats } = server.pulse.services;
    // The storm meets a busy database (its one slow moment: every opener is waiting at once), as
    // after a failover: hold a connection in a transaction until every subscription is opening.
    const release = deferred<void>();
    const holding = deferred<void>();
    const held = prisma.$transaction(async (tx) => {
      await tx.$queryRaw`SELECT 1`;
      holding.resolve();
      await release.promise;
    });
    cleanup.defer(() => release.resolve());
    await holding.promise;
    const before = database.queries();
    const subs = Array.from({ length: STORM }, () => subscriber(server.wsUrl, MATCH_FEED, { region: 'NA' }));
    cleanup.defer(() => {
      for (const s of subs) s.close();
    });
    await waitUntil(() => subscriptionStats.activeCount() >= STORM, `${STORM} subscriptions opening`, 60_000);
    release.resolve();
    await held;
    await waitForSubscriptions(server, STORM, 60_000);
    const opening = database.queries() - before;
    // One head read for the topic, shared by every opener (before single flight: one per subscriber).
    expect(opening).toBeLessThanOrEqual(2);
    const { postMatch } = await gqlOk(server.url, POST_MATCH, { input: { game: 'storm', region: 'NA', slots: 2 } }, poster.token);
    const frames = await withTimeout(Promise.all(subs.map((s) => s.first)), 60_000, 'the event on every socket');
    expect(frames.filter((f) => f.type !== 'next')).toEqual([]);
    expect(new Set(frames.map((f) => f.payload.data.matchFeed.match.id))).toEqual(new Set([postMatch.id]));

    // The same crowd resuming at the head (a redeploy where nothing happened meanwhile) reads nothing.
    const cursor = frames[0].payload.data.matchFeed.cursor as string;
    const resumeBefore = database.queries();
    const resumed = Array.from({ length: 500 }, () => subscriber(server.wsUrl, MATCH_FEED, { region: 'NA', after: cursor }));
    cleanup.defer(() => {
      for (const s of resumed) s.close();
    });
    await waitForSubscriptions(server, STORM + 500, 60_000);
    expect(database.queries() - resumeBefore).toBe(0);
    expect(resumed.flatMap((s) => s.frames)).toEqual([]);
  });

  it('a resume from before the head still replays exactly what it missed (the storm path keeps merge-by-seq)', async () => {
    const { streams } = server.pulse.services;
    const topic = Topics.region('SA');
    const live = subscriber(server.wsUrl, MATCH_FEED, { region: 'SA' });
    cleanup.defer(() => live.close());
    await waitForSubscriptions(server, 1);
    const appended = await streams.write(async (w) => [
      await w.append(topic, 'POSTED', { matchId: 'm1' }),
      await w.append(topic, 'POSTED', { matchId: 'm2' }),
    ]);
    await live.first;
    // The head is known here (a live holder): a resume from the first event must still read the second.
    const resume = subscriber(server.wsUrl, MATCH_FEED, { region: 'SA', after: encodeCursor(topic.name, appended[0].seq!) });
    cleanup.defer(() => resume.close());
    const replayed = await resume.first;
    expect(replayed.payload.data.matchFeed.cursor).toBe(encodeCursor(topic.name, appended[1].seq!));
  });

  it('many connections of one user read the user once; a revocation still refuses the old token at once', async () => {
    const { database } = server.pulse.services;
    const user = await registerUser(server.url, 'crowd');
    const before = database.queries();
    const sockets = Array.from({ length: 200 }, () => connectWs(server.wsUrl, user.token));
    cleanup.defer(() => Promise.all(sockets.map((s) => s.dispose())));
    await Promise.all(sockets.map((s) => s.connected));
    expect(database.queries() - before).toBeLessThanOrEqual(1);

    await gqlOk(server.url, 'mutation { revokeTokens }', {}, user.token);
    const late = cleanup.add(connectWs(server.wsUrl, user.token));
    expect(await withTimeout(late.closed, 10_000, 'the refusal')).toBe(4403);
    await Promise.all(sockets.map((s) => withTimeout(s.closed, 10_000, 'the revoked sockets to close')));
  });

  it('openers of many different topics at once read their heads in one statement', async () => {
    const { database, streams } = server.pulse.services;
    const before = database.queries();
    const iterators = await Promise.all(Array.from({ length: 200 }, (_, i) => streams.subscribe(Topics.post(`storm-${i}`))));
    cleanup.defer(() => Promise.all(iterators.map((iterator) => iterator.return?.())));
    await waitForSubscriptions(server, 200);
    expect(database.queries() - before).toBeLessThanOrEqual(1);
  });

  it('many subscribers of one event check that it exists once', async () => {
    const { database, prisma } = server.pulse.services;
    const starts = new Date(Date.now() + 86_400_000);
    const event = await prisma.event.create({ data: { title: 'storm', capacity: 10, startsAt: starts, organizerId: poster.id } });
    const before = database.queries();
    const subs = Array.from({ length: 300 }, () => subscriber(server.wsUrl, SEATS, { eventId: event.id }));
    cleanup.defer(() => {
      for (const s of subs) s.close();
    });
    await waitForSubscriptions(server, 300, 60_000);
    // One existence check and one head read, shared by all 300.
    expect(database.queries() - before).toBeLessThanOrEqual(3);
    expect(subs.flatMap((s) => s.frames)).toEqual([]);
  });
});

describe.skipIf(!DATABASE_KINDS.includes('postgres'))('a saturated PostgreSQL pool', () => {
  const cleanup = disposers();
  it('answers UNAVAILABLE with retryAfterMs (queries and subscription openings), never INTERNAL_SERVER_ERROR', async () => {
    const server = cleanup.add(await startTestServer({ database: 'postgres', config: { dbPoolSize: 1, dbPoolWaitMs: 100 } }));
    // Hold the pool's only connection in an open transaction.
    const release = deferred<void>();
    const holding = deferred<void>();
    const held = server.pulse.services.prisma.$transaction(async (tx) => {
      await tx.$queryRaw`SELECT 1`;
      holding.resolve();
      await release.promise;
    });
    cleanup.defer(() => release.resolve());
    await holding.promise;

    const query = await gql(server.url, '{ matches(region: EU, first: 1) { edges { node { id } } } }');
    expect(query.errors?.[0]?.extensions).toMatchObject({ code: 'UNAVAILABLE', retryAfterMs: expect.any(Number) });

    const sub = subscriber(server.wsUrl, MATCH_FEED, { region: 'EU' });
    cleanup.defer(() => sub.close());
    const frame = await withTimeout(sub.first, 20_000, 'an answer to the subscription');
    const errors = (frame.type === 'error' ? frame.payload : frame.payload.errors) as { extensions: Record<string, unknown> }[];
    expect(errors.map((e) => e.extensions.code)).toEqual(['UNAVAILABLE']);
    expect(errors[0].extensions.retryAfterMs).toEqual(expect.any(Number));

    release.resolve();
    await held;
    // The pool recovers: the same subscription opens.
    const again = subscriber(server.wsUrl, MATCH_FEED, { region: 'EU' });
    cleanup.defer(() => again.close());
    await waitForSubscriptions(server, 1);
    expect(again.frames).toEqual([]);
  });
  afterEach(() => cleanup.run());
});
