/**
 * Delivery at scale: one load and one execution per event per group, replays of everything retention
 * kept, and replays that leave other clients' work flowing. Speed is measured by `npm run bench -- fanout`;
 * these tests prove the behaviour (query counts, order, completeness), never a time.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { encodeCursor, Topics } from '../../src/streams/index.js';
import { gqlOk, registerUser, type TestUser } from '../support/client.js';
import { connectWs, type TestSubscription, type WsClient } from '../support/ws.js';
import { disposers } from '../support/setup.js';
import { DATABASE_KINDS, describeOnPGlite } from '../support/database.js';
import { startTestServer, waitForSubscriptions, type TestServer } from '../support/server.js';
import { waitUntil } from '../support/wait.js';

const MATCH_FEED = `subscription($region: Region!, $after: String) {
  matchFeed(region: $region, after: $after) { kind cursor at match { id region status game slots creator { id username } } }
}`;
const POST_MATCH = `mutation($input: PostMatchInput!) { postMatch(input: $input) { id } }`;
const POST_ACTIVITY = `subscription($postId: ID!, $after: String) { postActivity(postId: $postId, after: $after) { kind likeCount cursor actor { id } } }`;
const SEATS = `subscription($eventId: ID!) { seatUpdates(eventId: $eventId) { kind availableSeats booking { id seats } } }`;

/** Appends `count` LIKED events to a post's stream, in transactions of 500, likeCount = 1..count. */
async function appendLikes(server: TestServer, postId: string, actorId: string, count: number, from = 1): Promise<void> {
  const { streams } = server.pulse.services;
  for (let start = from; start < from + count; start += 500) {
    await streams.write(async (w) => {
      for (let i = start; i < Math.min(start + 500, from + count); i++) {
        await w.append(Topics.post(postId), 'LIKED', { actorId, likeCount: i, commentCount: 0 });
      }
    });
  }
}

describe.each(DATABASE_KINDS)('fan-out on %s', (kind) => {
  let server: TestServer;
  let author: TestUser;
  const cleanup = disposers();
  beforeAll(async () => {
    // The publish sweeper reads topic heads in the background every PUBLISH_SWEEP_MS: keep it out of the
    // statement counts (a delivery to 500 takes longer than to one, so it would land in one count only).
    server = await startTestServer({ database: kind, config: { maxSubscriptionsPerConnection: 100, publishSweepMs: 60_000 } });
    author = await registerUser(server.url, 'fanout');
  });
  afterEach(() => cleanup.run());
  afterAll(() => server?.stop());

  async function newPost(): Promise<string> {
    const post = await server.pulse.services.prisma.post.create({ data: { content: 'fan-out', authorId: author.id } });
    return post.id;
  }

  it('delivers one event to 500 live subscribers of a topic with as many queries as to one', async () => {
    const region = 'OCE';
    const input = (game: string) => ({ input: { game, region, slots: 2 } });
    const sockets: WsClient[] = Array.from({ length: 50 }, () => cleanup.add(connectWs(server.wsUrl)));
    await Promise.all(sockets.map((s) => s.connected));
    const subs: TestSubscription[] = [];
    for (const socket of sockets) for (let i = 0; i < 10; i++) subs.push(socket.subscribe(MATCH_FEED, { region }));
    await waitForSubscriptions(server, 500);
    // The author's token version is read once per instance, then known (auth/versions.ts): not part of either count.
    await gqlOk(server.url, '{ viewer { id } }', {}, author.token);

    /** Statements the database ran for one postMatch and its delivery to every open subscriber. */
    const queriesFor = async (game: string, receivers: TestSubscription[]) => {
      const before = server.pulse.services.database.queries();
      const { postMatch } = await gqlOk(server.url, POST_MATCH, input(game), author.token);
      const events = await Promise.all(receivers.map((s) => s.next(30_000)));
      for (const event of events) expect(event.matchFeed.match).toMatchObject({ id: postMatch.id, game, creator: { id: author.id } });
      return server.pulse.services.database.queries() - before;
    };

    const executedBefore = server.pulse.services.subscriptionStats.snapshot().executed;
    const forMany = await queriesFor('five hundred', subs);
    // 500 identical subscriptions on 50 sockets are one group: the event is executed once for all of them.
    expect(server.pulse.services.subscriptionStats.snapshot().executed - executedBefore).toBe(1);
    for (const sub of subs.slice(1)) sub.unsubscribe();
    await waitUntil(() => server.pulse.services.subscriptionStats.liveCount() === 1, 'one live subscription left');
    const forOne = await queriesFor('one', subs.slice(0, 1));
    expect(forOne).toBeGreaterThan(0);
    expect(forMany).toBeLessThanOrEqual(forOne);
  });

  it('gives each viewer of one document its own value of a viewer-dependent field in the same event', async () => {
    const [booker, stranger] = await Promise.all([registerUser(server.url, 'booker'), registerUser(server.url, 'stranger')]);
    const { createEvent } = await gqlOk(
      server.url,
      `mutation($input: CreateEventInput!) { createEvent(input: $input) { id } }`,
      { input: { title: 'Grouped', capacity: 10, startsAt: new Date(Date.now() + 86_400_000).toISOString() } },
      author.token,
    );
    const watchers = [booker.token, stranger.token, author.token, null, null].map((token) => {
      const ws = cleanup.add(connectWs(server.wsUrl, token));
      return ws.subscribe(SEATS, { eventId: createEvent.id });
    });
    await waitForSubscriptions(server, watchers.length);
    const { bookSeats } = await gqlOk(
      server.url,
      `mutation($id: ID!) { bookSeats(eventId: $id, seats: 2) { id } }`,
      { id: createEvent.id },
      booker.token,
    );
    const [asBooker, asStranger, asOrganizer, anonymous1, anonymous2] = (await Promise.all(watchers.map((w) => w.next()))).map(
      (e) => e.seatUpdates,
    );
    expect(asBooker).toEqual({ kind: 'BOOKED', availableSeats: 8, booking: { id: bookSeats.id, seats: 2 } });
    expect(asOrganizer).toEqual({ kind: 'BOOKED', availableSeats: 8, booking: { id: bookSeats.id, seats: 2 } });
    for (const other of [asStranger, anonymous1, anonymous2]) expect(other).toEqual({ kind: 'BOOKED', availableSeats: 8, booking: null });
  });

  it('resumes from the oldest retained cursor of a topic holding 8,000 events: all of them, in order, no GAP', async () => {
    const postId = await newPost();
    await appendLikes(server, postId, author.id, 8_000);
    const ws = cleanup.add(connectWs(server.wsUrl));
    const sub = ws.subscribe(POST_ACTIVITY, { postId, after: encodeCursor(`post:${postId}`, 0) });
    const events = (await sub.take(8_000, 240_000)).map((e) => e.postActivity);
    expect(events.filter((e) => e.kind === 'GAP')).toHaveLength(0);
    expect(events.map((e) => e.likeCount)).toEqual(Array.from({ length: 8_000 }, (_, i) => i + 1));
    expect(events[7_999].actor).toEqual({ id: author.id });
    // Then live, exactly once.
    await appendLikes(server, postId, author.id, 1, 8_001);
    expect((await sub.next()).postActivity.likeCount).toBe(8_001);
  }, 300_000);
});

describeOnPGlite('ten full replays at once (PGlite)', () => {
  let server: TestServer;
  let author: TestUser;
  const cleanup = disposers();
  beforeAll(async () => {
    server = await startTestServer({ database: 'pglite' });
    author = await registerUser(server.url, 'replays');
  });
  afterEach(() => cleanup.run());
  afterAll(() => server?.stop());

  it("another client's query and another topic's live events keep flowing while ten clients replay 10,000 events each", async () => {
    const { prisma } = server.pulse.services;
    const busy = (await prisma.post.create({ data: { content: 'busy', authorId: author.id } })).id;
    const quiet = (await prisma.post.create({ data: { content: 'quiet', authorId: author.id } })).id;
    await appendLikes(server, busy, author.id, 10_000);

    const watcher = cleanup.add(connectWs(server.wsUrl)).subscribe(POST_ACTIVITY, { postId: quiet });
    await waitForSubscriptions(server, 1);
    const replayers = Array.from({ length: 10 }, () =>
      cleanup.add(connectWs(server.wsUrl)).subscribe(POST_ACTIVITY, { postId: busy, after: encodeCursor(`post:${busy}`, 0) }),
    );
    const replayed = () => replayers.reduce((sum, r) => sum + r.received.length, 0);
    while (replayed() === 0) await new Promise((resolve) => setTimeout(resolve, 5));

    // While the replays run: a query answers, and a live event of another topic arrives.
    const viewer = await gqlOk(server.url, `{ viewer { id } }`, {}, author.token);
    expect(viewer.viewer.id).toBe(author.id);
    await appendLikes(server, quiet, author.id, 1);
    expect((await watcher.next(60_000)).postActivity.likeCount).toBe(1);
    expect(replayed()).toBeLessThan(100_000);

    const all = await Promise.all(replayers.map((r) => r.take(10_000, 240_000)));
    for (const events of all) {
      expect(events.map((e) => e.postActivity.likeCount)).toEqual(Array.from({ length: 10_000 }, (_, i) => i + 1));
    }
  }, 300_000);
});
