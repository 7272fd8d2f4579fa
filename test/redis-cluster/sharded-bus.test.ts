/**
 * Pulse on a Redis Cluster (run by the `redis-cluster` vitest project, TEST_BUS=redis-cluster):
 * every topic is a sharded channel on the shard that owns its slot, topics spread over every primary,
 * no classic channel is used, and every kind of stream delivers across instances through it.
 */
import { execFileSync } from 'node:child_process';
import { Cluster } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gqlOk, type TestUser } from '../support/client.js';
import { clusterSeeds } from '../support/redis.js';
import { waitForSubscriptions } from '../support/server.js';
import { useTestCluster } from '../support/setup.js';
import { waitUntil } from '../support/wait.js';
import { connectWs } from '../support/ws.js';
import { createGroup, EVENTS, send } from '../chat/operations.js';
import { bucketOf } from '../../src/presence/store.js';

const seeds = clusterSeeds();

const MATCH_FEED = 'subscription($region: Region!) { matchFeed(region: $region) { kind match { id region game } } }';
const POST_MATCH = 'mutation($input: PostMatchInput!) { postMatch(input: $input) { id } }';
const SEAT_UPDATES = 'subscription($id: ID!) { seatUpdates(eventId: $id) { kind availableSeats capacity } }';
const CREATE_EVENT = 'mutation($input: CreateEventInput!) { createEvent(input: $input) { id } }';
const BOOK = 'mutation($id: ID!) { bookSeats(eventId: $id, seats: 1) { id } }';
const POST_ACTIVITY = 'subscription($id: ID!) { postActivity(postId: $id) { kind likeCount } }';
const CREATE_POST = 'mutation($text: String!) { createPost(content: $text) { id } }';
const LIKE = 'mutation($id: ID!) { likePost(postId: $id) { id likeCount } }';
const NOTIFICATIONS = 'subscription { notifications { kind notification { subjectId } } }';

describe('the bus on a Redis Cluster: sharded channels', () => {
  const { servers, users, cleanup } = useTestCluster(2, { users: ['alice', 'bob'], noSubscriptionsLeft: true });
  const [a, b] = servers;
  const { alice, bob } = users;
  let redis: Cluster;
  beforeAll(async () => {
    redis = new Cluster(seeds);
    await waitUntil(() => redis.status === 'ready', 'the test cluster client');
  });
  afterAll(() => redis?.quit());

  it('every stream kind subscribed on B gets what is written through A; channels spread over all three primaries, none classic', async () => {
    const prefix = b.pulse.services.config.redisPrefix;
    const ws = cleanup.add(connectWs(b.wsUrl, bob.token));
    // Many topics, so that their channels (hashed by name) land on every shard.
    const regions = ['NA', 'EU', 'ASIA', 'OCE', 'SA'];
    const feeds = regions.map((region) => ws.subscribe(MATCH_FEED, { region }));
    const eventIds: string[] = [];
    for (let i = 0; i < 6; i++) {
      const input = { title: `show ${i}`, capacity: 10 + i, startsAt: new Date(Date.now() + 86_400_000).toISOString() };
      eventIds.push((await gqlOk(a.url, CREATE_EVENT, { input }, alice.token)).createEvent.id);
    }
    const seats = eventIds.map((id) => ws.subscribe(SEAT_UPDATES, { id }));
    const postId = (await gqlOk(a.url, CREATE_POST, { text: 'hello' }, bob.token)).createPost.id;
    const activity = ws.subscribe(POST_ACTIVITY, { id: postId });
    const notifications = ws.subscribe(NOTIFICATIONS);
    const group = await createGroup(a.url, alice, [bob]);
    const chat = ws.subscribe(EVENTS, { id: group });
    await waitForSubscriptions(b, regions.length + eventIds.length + 3);

    for (const region of regions) await gqlOk(a.url, POST_MATCH, { input: { game: 'CS2', region, slots: 2 } }, alice.token);
    for (const id of eventIds) await gqlOk(a.url, BOOK, { id }, alice.token);
    await gqlOk(a.url, LIKE, { id: postId }, alice.token);
    await send(a.url, alice, group, 'across the cluster');

    for (const [i, feed] of feeds.entries()) expect((await feed.next()).matchFeed.match.region).toBe(regions[i]);
    for (const [i, sub] of seats.entries())
      expect((await sub.next()).seatUpdates).toMatchObject({ kind: 'BOOKED', availableSeats: 9 + i, capacity: 10 + i });
    expect((await activity.next()).postActivity).toMatchObject({ kind: 'LIKED', likeCount: 1 });
    expect((await notifications.next()).notifications.notification.subjectId).toBe(postId);
    expect((await chat.next()).conversationEvents.message.text).toBe('across the cluster');

    // Each primary holds some of this run's channels (sharded); no node has a classic one.
    const primaries = redis.nodes('master');
    expect(primaries).toHaveLength(3);
    const sharded = await Promise.all(primaries.map((node) => node.call('PUBSUB', 'SHARDCHANNELS', `${prefix}*`) as Promise<string[]>));
    for (const channels of sharded) expect(channels.length).toBeGreaterThan(0);
    expect(new Set(sharded.flat()).size).toBe(sharded.flat().length);
    expect(sharded.flat()).toEqual(expect.arrayContaining([`${prefix}region:EU`, `${prefix}conversation:${group}`]));
    const classic = await Promise.all(redis.nodes('all').map((node) => node.call('PUBSUB', 'CHANNELS', `${prefix}*`) as Promise<string[]>));
    expect(classic.flat()).toEqual([]);
  });

  it("a subscriber of one topic gets nothing of another topic's shard traffic", async () => {
    const ws = cleanup.add(connectWs(b.wsUrl));
    const eu = ws.subscribe(MATCH_FEED, { region: 'EU' });
    await waitForSubscriptions(b, 1);
    for (const region of ['NA', 'ASIA', 'OCE', 'SA'])
      await gqlOk(a.url, POST_MATCH, { input: { game: 'Dota', region, slots: 2 } }, alice.token);
    await gqlOk(a.url, POST_MATCH, { input: { game: 'marker', region: 'EU', slots: 2 } }, alice.token);
    expect((await eu.next()).matchFeed.match.game).toBe('marker');
    expect(eu.received).toHaveLength(1);
  });

  it("presence keys live in the slots of their users' buckets (hash tags), never in one global key", async () => {
    const prefix = a.pulse.services.config.redisPrefix;
    const online: TestUser[] = [alice, bob];
    const sockets = online.map((user) => cleanup.add(connectWs(a.wsUrl, user.token)));
    await Promise.all(sockets.map((s) => s.connected));
    await a.pulse.services.presence.settled();
    const keys = (await Promise.all(redis.nodes('master').map((node) => node.keys(`${prefix}presence:*`)))).flat();
    const slotOf = (key: string) =>
      execFileSync('redis-cli', ['-p', String(seeds[0].port), 'cluster', 'keyslot', key])
        .toString()
        .trim();
    // Each user's hash and the expiries set of its bucket: two keys per bucket in use, one slot per bucket.
    const buckets = new Set(online.map((user) => bucketOf(user.id)));
    expect(keys).toHaveLength(online.length + buckets.size);
    expect(new Set(keys.map(slotOf))).toEqual(new Set([...buckets].map((bucket) => slotOf(`p${bucket}`))));
  });
});
