import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { gql, gqlOk, registerUser, type TestUser } from '../support/client.js';
import { connectWs, type TestSubscription } from '../support/ws.js';
import { disposers } from '../support/setup.js';
import { TEST_DATABASE_URL, TEST_REDIS_URL } from '../support/database.js';
import { startCluster, waitForSubscriptions, type TestCluster } from '../support/server.js';
import { JOIN, MATCHMAKING, TICKET, expectError, summary, until, type MatchmakingEvent } from './queries.js';

describe.runIf(TEST_DATABASE_URL && TEST_REDIS_URL)('matchmaking across two instances', () => {
  let cluster: TestCluster;
  const cleanup = disposers();

  beforeAll(async () => {
    cluster = await startCluster(2);
  });
  afterEach(() => cleanup.run());
  afterAll(() => cluster?.stop());

  const server = (i: number) => cluster.servers[i % 2];
  const prisma = () => cluster.servers[0].pulse.services.prisma;

  /**
   * `count` players each watch their queue on one instance and join, all at once, through the other.
   * Returns the players, their watches, and the join results.
   */
  async function joinInParallel(count: number, prefix: string, mode: string, region: string) {
    const players: TestUser[] = [];
    for (let i = 0; i < count; i += 10) {
      players.push(
        ...(await Promise.all(
          Array.from({ length: Math.min(10, count - i) }, (_, j) => registerUser(server(i + j).url, `${prefix}${i + j}`)),
        )),
      );
    }
    const live = cluster.servers.map((s) => s.pulse.services.subscriptionStats.liveCount());
    const watches = players.map((p, i) => cleanup.add(connectWs(server(i + 1).wsUrl, p.token)).subscribe<MatchmakingEvent>(MATCHMAKING));
    await Promise.all(cluster.servers.map((s, k) => waitForSubscriptions(s, live[k] + players.filter((_, i) => (i + 1) % 2 === k).length)));
    const results = await Promise.all(players.map((p, i) => gql(server(i).url, JOIN, { mode, region }, p.token)));
    return { players, watches, results };
  }

  /** Every player's events up to and including MATCH_FOUND; checks the found game holds the player. */
  async function gamesFound(players: TestUser[], watches: TestSubscription<MatchmakingEvent>[]): Promise<Map<string, string[]>> {
    const games = new Map<string, string[]>();
    await Promise.all(
      watches.map(async (watch, i) => {
        for (;;) {
          const { matchmaking: e } = await watch.next(30_000);
          if (e.kind !== 'MATCH_FOUND') continue;
          const ids = e.game!.players.map((p) => p.id).sort();
          expect(ids).toContain(players[i].id);
          games.set(e.game!.id, ids);
          return;
        }
      }),
    );
    return games;
  }

  it('60 players joining duel at once through two instances: 30 games, each player in exactly one, nobody lost', async () => {
    const { players, watches, results } = await joinInParallel(60, 'duel', 'duel', 'NA');
    expect(results.filter((r) => r.errors)).toEqual([]);

    const games = await gamesFound(players, watches);
    expect(games.size).toBe(30);
    const everyone = [...games.values()].flat();
    expect(new Set(everyone).size).toBe(60);
    expect([...games.values()].every((ids) => ids.length === 2)).toBe(true);

    // The database agrees: 30 FORMED games, 60 distinct players, an empty queue, one MATCH_FOUND each.
    const ids = players.map((p) => p.id);
    const rows = await prisma().gamePlayer.findMany({ where: { userId: { in: ids } }, select: { userId: true, gameId: true } });
    expect(rows).toHaveLength(60);
    expect(new Set(rows.map((r) => r.userId)).size).toBe(60);
    expect(new Set(rows.map((r) => r.gameId))).toEqual(new Set(games.keys()));
    expect(await prisma().queueTicket.count({ where: { userId: { in: ids } } })).toBe(0);
    expect(await prisma().notification.count({ where: { userId: { in: ids }, kind: 'MATCH_FOUND' } })).toBe(60);
    // Nobody was told of two games.
    for (const watch of watches) expect(watch.received.filter((e) => e.matchmaking.kind === 'MATCH_FOUND')).toHaveLength(1);
  });

  it('41 players joining squad at once: 10 games of four and one player still queued', async () => {
    const { players, watches, results } = await joinInParallel(41, 'squad', 'squad', 'EU');
    expect(results.filter((r) => r.errors)).toEqual([]);
    const ids = players.map((p) => p.id);
    const rows = await prisma().gamePlayer.findMany({ where: { userId: { in: ids } }, select: { userId: true, gameId: true } });
    expect(new Set(rows.map((r) => r.userId)).size).toBe(40);
    expect(rows).toHaveLength(40);
    expect(new Set(rows.map((r) => r.gameId)).size).toBe(10);
    const waiting = await prisma().queueTicket.findMany({ where: { userId: { in: ids } } });
    expect(waiting).toHaveLength(1);
    const inGames = new Set(rows.map((r) => r.userId));
    expect(inGames.has(waiting[0].userId)).toBe(false);

    const matched = players.filter((p) => inGames.has(p.id));
    const games = await gamesFound(
      matched,
      watches.filter((_, i) => inGames.has(players[i].id)),
    );
    expect(games.size).toBe(10);
    expect([...games.values()].every((g) => g.length === 4)).toBe(true);
  });

  it('keeps a player queued while a connection on the other instance is open; the last close takes them out', async () => {
    const [u, v] = await Promise.all([registerUser(server(0).url, 'both'), registerUser(server(1).url, 'behind')]);
    const onFirst = connectWs(server(0).wsUrl, u.token);
    const onSecond = connectWs(server(1).wsUrl, u.token);
    cleanup.add(onFirst);
    cleanup.add(onSecond);
    const live = server(0).pulse.services.subscriptionStats.liveCount();
    const vWatch = cleanup.add(connectWs(server(0).wsUrl, v.token)).subscribe<MatchmakingEvent>(MATCHMAKING);
    await Promise.all([onFirst.connected, onSecond.connected, waitForSubscriptions(server(0), live + 1)]);
    await gqlOk(server(0).url, JOIN, { mode: 'squad', region: 'OCE' }, u.token);
    await gqlOk(server(1).url, JOIN, { mode: 'squad', region: 'OCE' }, v.token);
    expect(summary(await vWatch.take(1))).toEqual([['QUEUED', 2]]);

    const open = server(0).pulse.services.connections.count;
    await onFirst.drop();
    await until(server(0), (s) => s.pulse.services.connections.count === open - 1, 'the first connection to close');
    await expectError(gql(server(1).url, JOIN, { mode: 'squad', region: 'OCE' }, u.token), 'CONFLICT');
    expect((await gqlOk(server(1).url, TICKET, {}, u.token)).queueTicket.position).toBe(1);

    await onSecond.drop();
    expect(summary(await vWatch.take(1))).toEqual([['POSITION', 1]]);
    expect((await gqlOk(server(0).url, TICKET, {}, u.token)).queueTicket).toBeNull();
  });
});

describe.runIf(TEST_DATABASE_URL && TEST_REDIS_URL)('matchmaking when an instance stops gracefully', () => {
  it('keeps the places of players connected to it (they reconnect elsewhere), as a crash would', async () => {
    const cluster = await startCluster(2);
    try {
      const [a, b] = cluster.servers;
      const player = await registerUser(a.url, 'deploy');
      const ws = connectWs(a.wsUrl, player.token);
      ws.subscribe<MatchmakingEvent>(MATCHMAKING);
      await waitForSubscriptions(a, 1);
      await gqlOk(a.url, JOIN, { mode: 'squad', region: 'EU' }, player.token);
      await a.stop();
      expect(await ws.closed).toBe(1012);
      expect((await gqlOk(b.url, TICKET, {}, player.token)).queueTicket).toMatchObject({ mode: 'squad', region: 'EU', position: 1 });
    } finally {
      await cluster.stop();
    }
  });
});
