/**
 * Subscription filters: `matchFeed(filter: { games, minOpenSlots, kinds })` and `notifications(kinds)`
 * send only the events wanted, decided on the server before execution (a filtered-out event costs a
 * group no statement), resume without the unwanted ones, and hold across instances.
 */
import { describe, expect, it } from 'vitest';
import { gqlOk } from '../support/client.js';
import { DATABASE_KINDS, TEST_DATABASE_URL, TEST_REDIS_URL } from '../support/database.js';
import { createUsers, makeAdmin, waitForSubscriptions } from '../support/server.js';
import { useTestCluster, useTestServer } from '../support/setup.js';
import { connectWs, type TestSubscription } from '../support/ws.js';
import { CLOSE, matchApi } from './queries.js';

const FILTERED_FEED = `subscription($region: Region!, $filter: MatchFilter, $after: String) {
  matchFeed(region: $region, filter: $filter, after: $after) { kind cursor match { id game } }
}`;
const KIND_NOTIFICATIONS = `subscription($kinds: [NotificationKind!], $after: String) {
  notifications(kinds: $kinds, after: $after) { kind cursor notification { message } }
}`;
const STREAM_CURSOR = 'query($region: Region) { matches(region: $region, first: 1) { streamCursor } }';
const BROADCAST = 'mutation($input: BroadcastInput!) { broadcast(input: $input) }';
const FOLLOW = 'mutation($userId: ID!) { followUser(userId: $userId) { id } }';

interface Feed {
  matchFeed: { kind: string; cursor: string; match: { id: string; game: string } | null };
}
type Filter = { games?: string[]; minOpenSlots?: number; kinds?: string[] };

/** `[kind, game]` of each event. */
const seen = (events: Feed[]) => events.map((e) => [e.matchFeed.kind, e.matchFeed.match?.game]);

describe.each(DATABASE_KINDS)('subscription filters on %s', (kind) => {
  const { server, users, cleanup } = useTestServer(kind, { users: ['creator', 'reader', 'fan'], noSubscriptionsLeft: true });
  const { creator, reader, fan } = users;
  const api = matchApi(() => server.url);
  const feed = (region: string, filter?: Filter, after?: string) =>
    cleanup.add(connectWs(server.wsUrl)).subscribe<Feed>(FILTERED_FEED, { region, filter, after });
  const close = (id: string) => gqlOk(server.url, CLOSE, { matchId: id }, creator.token);

  /** e1 POSTED chess(1 slot), e2 POSTED go(3), e3 CLOSED chess, e4 POSTED chess(5), e5 CLOSED that chess. */
  async function fiveEvents(region: string): Promise<void> {
    const chess = await api.post(creator, { region, game: 'Chess', slots: 1 });
    await api.post(creator, { region, game: 'Go', slots: 3 });
    await close(chess.id);
    const chess2 = await api.post(creator, { region, game: 'Chess', slots: 5 });
    await close(chess2.id);
  }

  it('each subscriber gets exactly the events its filter wants; others get theirs; another region gets none', async () => {
    const byGame = feed('EU', { games: ['chess'] });
    const bySlots = feed('EU', { minOpenSlots: 2 });
    const byKind = feed('EU', { kinds: ['CLOSED'] });
    const both = feed('EU', { games: ['Chess'], kinds: ['POSTED'] });
    const all = feed('EU');
    const elsewhere = feed('NA', { games: ['chess'] });
    await waitForSubscriptions(server, 6);
    await fiveEvents('EU');

    expect(seen(await all.take(5))).toEqual([
      ['POSTED', 'Chess'],
      ['POSTED', 'Go'],
      ['CLOSED', 'Chess'],
      ['POSTED', 'Chess'],
      ['CLOSED', 'Chess'],
    ]);
    expect(seen(await byGame.take(4))).toEqual([
      ['POSTED', 'Chess'],
      ['CLOSED', 'Chess'],
      ['POSTED', 'Chess'],
      ['CLOSED', 'Chess'],
    ]);
    // The first chess match (1 open slot) never reached the bar; the second (5) did, so its CLOSED comes too.
    expect(seen(await bySlots.take(3))).toEqual([
      ['POSTED', 'Go'],
      ['POSTED', 'Chess'],
      ['CLOSED', 'Chess'],
    ]);
    expect(seen(await byKind.take(2))).toEqual([
      ['CLOSED', 'Chess'],
      ['CLOSED', 'Chess'],
    ]);
    expect(seen(await both.take(2))).toEqual([
      ['POSTED', 'Chess'],
      ['POSTED', 'Chess'],
    ]);
    // The last event reached every subscriber of the topic in one dispatch: nothing more is on its way.
    for (const sub of [byGame, bySlots, byKind, both, all, elsewhere]) expect(sub.pending).toHaveLength(0);
  });

  it('resuming with `after` replays the wanted missed events only, from a snapshot cursor or the last cursor received', async () => {
    const { matches } = await gqlOk(server.url, STREAM_CURSOR, { region: 'OCE' });
    await fiveEvents('OCE');
    const byGame = feed('OCE', { games: ['Go', 'Late'] }, matches.streamCursor);
    const first = await byGame.take(1);
    expect(seen(first)).toEqual([['POSTED', 'Go']]);
    // Disconnected from the last cursor it saw: two unwanted events, a wanted one, two unwanted ones.
    byGame.unsubscribe();
    const chess = await api.post(creator, { region: 'OCE', game: 'Chess', slots: 2 });
    await close(chess.id);
    const late = await api.post(creator, { region: 'OCE', game: 'Late', slots: 4 });
    await api.post(creator, { region: 'OCE', game: 'Chess', slots: 2 });
    await api.post(creator, { region: 'OCE', game: 'Chess', slots: 3 });
    const again = feed('OCE', { games: ['Go', 'Late'] }, first[0].matchFeed.cursor);
    const missed = await again.take(1);
    expect(seen(missed)).toEqual([['POSTED', 'Late']]);
    expect(missed[0].matchFeed.match?.id).toBe(late.id);
    // Then live: the next event it gets is the next wanted one, nothing of the unwanted tail in between.
    await close(late.id);
    expect(seen(await again.take(1))).toEqual([['CLOSED', 'Late']]);
    expect(again.pending).toHaveLength(0);
    // The same cursor with another filter: the replay applies that filter.
    const chessOnly = feed('OCE', { games: ['Chess'], kinds: ['POSTED'] }, first[0].matchFeed.cursor);
    expect(seen(await chessOnly.take(4))).toEqual([
      ['POSTED', 'Chess'],
      ['POSTED', 'Chess'],
      ['POSTED', 'Chess'],
      ['POSTED', 'Chess'],
    ]);
    expect(chessOnly.pending).toHaveLength(0);
  });

  it('minOpenSlots also sends the event that takes a match below the bar, and nothing about it after', async () => {
    const players = await createUsers(server, 3, 'slots');
    const atLeastTwo = feed('SA', { minOpenSlots: 2 });
    const all = feed('SA');
    await waitForSubscriptions(server, 2);
    const m = await api.post(creator, { region: 'SA', game: 'Dota', slots: 3 }); // 3 open
    for (const player of players) {
      const application = await api.apply(player, m.id);
      await api.accept(creator, application.id); // 2 (from 3), 1 (from 2: leaves the bar), 0 (from 1)
    }
    await close(m.id); // from 0
    const n = await api.post(creator, { region: 'SA', game: 'Dota', slots: 2 });
    await close(n.id); // from 2: a closed match the subscriber was shown
    const ids = (events: Feed[]) => events.map((e) => [e.matchFeed.kind, e.matchFeed.match?.id]);
    expect(ids(await all.take(7))).toEqual([
      ['POSTED', m.id],
      ['UPDATED', m.id],
      ['UPDATED', m.id],
      ['UPDATED', m.id],
      ['CLOSED', m.id],
      ['POSTED', n.id],
      ['CLOSED', n.id],
    ]);
    expect(ids(await atLeastTwo.take(5))).toEqual([
      ['POSTED', m.id],
      ['UPDATED', m.id],
      ['UPDATED', m.id],
      ['POSTED', n.id],
      ['CLOSED', n.id],
    ]);
    expect(atLeastTwo.pending).toHaveLength(0);
  });

  it('filters over SSE as over WebSocket, live and on resume: one stream pipeline for every transport', async () => {
    const sse = async (variables: Record<string, unknown>) => {
      const controller = new AbortController();
      cleanup.defer(() => controller.abort());
      const response = await fetch(server.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
        body: JSON.stringify({ query: FILTERED_FEED, variables }),
        signal: controller.signal,
      });
      const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
      let text = '';
      /** The next `count` events' [kind, game, cursor]. */
      return async (count: number) => {
        const events: Feed['matchFeed'][] = [];
        while (events.length < count) {
          const { value, done } = await reader.read();
          if (done) throw new Error('the SSE stream ended');
          text += value;
          const lines = text.split('\n');
          text = lines.pop()!;
          for (const line of lines) if (line.startsWith('data: {')) events.push(JSON.parse(line.slice(6)).data.matchFeed);
        }
        return events;
      };
    };
    const live = await sse({ region: 'ASIA', filter: { games: ['Wanted'] } });
    await waitForSubscriptions(server, 1);
    for (const game of ['Other', 'Wanted', 'Other', 'Wanted']) await api.post(creator, { region: 'ASIA', game });
    const got = await live(2);
    expect(got.map((e) => [e.kind, e.match?.game])).toEqual([
      ['POSTED', 'Wanted'],
      ['POSTED', 'Wanted'],
    ]);
    const resumed = await sse({ region: 'ASIA', filter: { games: ['Wanted'], minOpenSlots: 3 }, after: got[0].cursor });
    await api.post(creator, { region: 'ASIA', game: 'Wanted', slots: 5 });
    // The replay skips the unwanted Other and the Wanted with 2 open slots; the live one with 5 comes.
    expect((await resumed(1)).map((e) => [e.kind, e.match?.game])).toEqual([['POSTED', 'Wanted']]);
  });

  it('a group of identical filtered subscribers: an unwanted event reaches no queue and no execution, a wanted one is executed once for all', async () => {
    const subs: TestSubscription<Feed>[] = [];
    for (let i = 0; i < 20; i++) subs.push(feed('SA', { games: ['Wanted'] }));
    await waitForSubscriptions(server, 20);
    await api.post(creator, { region: 'ASIA', game: 'Warm-up' }); // the creator's token version is read once, then known
    const { subscriptionStats } = server.pulse.services;
    const cost = async (game: string) => {
      const before = subscriptionStats.snapshot();
      await api.post(creator, { region: 'SA', game });
      if (game === 'Wanted') await Promise.all(subs.map((s) => s.next()));
      const after = subscriptionStats.snapshot();
      return {
        delivered: after.delivered - before.delivered,
        executed: after.executed - before.executed,
      };
    };
    const unwanted = await cost('Other');
    const wanted = await cost('Wanted');
    // The unwanted event was skipped before any subscriber's queue (the wanted one after it proves the stream went past it).
    expect(unwanted.delivered).toBe(0);
    expect(wanted.delivered).toBe(20);
    expect(unwanted.executed).toBe(0);
    expect(wanted.executed).toBe(1); // the group executes the event once for its 20 sockets
    for (const sub of subs) expect(sub.received.map((e) => e.matchFeed.match?.game)).toEqual(['Wanted']);
  });

  it('notifications(kinds) sends only those kinds, and resumes without the others', async () => {
    const onlyFollows = cleanup.add(connectWs(server.wsUrl, reader.token)).subscribe(KIND_NOTIFICATIONS, { kinds: ['NEW_FOLLOWER'] });
    const everything = cleanup.add(connectWs(server.wsUrl, reader.token)).subscribe(KIND_NOTIFICATIONS, {});
    await waitForSubscriptions(server, 2);
    const admin = await makeAdmin(server, creator.username);
    await gqlOk(server.url, BROADCAST, { input: { userIds: [reader.id], message: 'hello' } }, admin);
    await gqlOk(server.url, FOLLOW, { userId: reader.id }, fan.token);
    await gqlOk(server.url, BROADCAST, { input: { userIds: [reader.id], message: 'bye' } }, admin);
    const all = await everything.take(3);
    expect(all.map((e) => e.notifications.kind)).toEqual(['BROADCAST', 'NEW_FOLLOWER', 'BROADCAST']);
    expect((await onlyFollows.take(1)).map((e) => e.notifications.kind)).toEqual(['NEW_FOLLOWER']);
    expect(onlyFollows.pending).toHaveLength(0);
    // Resumed from before the first broadcast: the follow only.
    const resumed = cleanup.add(connectWs(server.wsUrl, reader.token)).subscribe(KIND_NOTIFICATIONS, {
      kinds: ['NEW_FOLLOWER'],
      after: all[0].notifications.cursor,
    });
    expect((await resumed.take(1)).map((e) => e.notifications.kind)).toEqual(['NEW_FOLLOWER']);
  });

  it('bad filters are BAD_USER_INPUT naming the field, and nothing is subscribed', async () => {
    const refused = async (query: string, variables: Record<string, unknown>, field: string, token?: string) => {
      const sub = cleanup.add(connectWs(server.wsUrl, token)).subscribe(query, variables);
      const { errors } = await sub.ended();
      expect((errors as { extensions: Record<string, unknown> }[])[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field });
    };
    await refused(FILTERED_FEED, { region: 'EU', filter: { games: [] } }, 'filter.games');
    await refused(FILTERED_FEED, { region: 'EU', filter: { games: Array.from({ length: 21 }, (_, i) => `g${i}`) } }, 'filter.games');
    await refused(FILTERED_FEED, { region: 'EU', filter: { minOpenSlots: -1 } }, 'filter.minOpenSlots');
    await refused(FILTERED_FEED, { region: 'EU', filter: { kinds: ['GAP'] } }, 'filter.kinds');
    await refused(KIND_NOTIFICATIONS, { kinds: [] }, 'kinds', reader.token);
    await refused(KIND_NOTIFICATIONS, { kinds: ['GAP'] }, 'kinds', reader.token);
  });
});

describe.runIf(TEST_DATABASE_URL && TEST_REDIS_URL)('subscription filters across two instances', () => {
  const { servers, users, cleanup } = useTestCluster(2, { users: ['creator'], noSubscriptionsLeft: true });
  const [a, b] = servers;
  const { creator } = users;

  it('a filtered subscriber on one instance gets only the matching events posted through the other', async () => {
    const api = matchApi(() => a.url);
    const wanted = cleanup
      .add(connectWs(b.wsUrl))
      .subscribe<Feed>(FILTERED_FEED, { region: 'EU', filter: { games: ['Chess'], minOpenSlots: 2 } });
    const all = cleanup.add(connectWs(b.wsUrl)).subscribe<Feed>(FILTERED_FEED, { region: 'EU' });
    await waitForSubscriptions(b, 2);
    await api.post(creator, { region: 'EU', game: 'Chess', slots: 1 });
    await api.post(creator, { region: 'EU', game: 'Go', slots: 4 });
    await api.post(creator, { region: 'EU', game: 'chess', slots: 3 });
    expect(seen(await all.take(3)).map(([, game]) => game)).toEqual(['Chess', 'Go', 'chess']);
    expect(seen(await wanted.take(1))).toEqual([['POSTED', 'chess']]);
    expect(wanted.pending).toHaveLength(0);
  });
});
