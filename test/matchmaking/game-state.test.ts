/**
 * Live game state: two players matched through the queue exchange actions on `gameEvents` in one
 * order (on one instance per database kind, and through two instances on PostgreSQL + Redis), resume
 * with `after`, retry safely, and nobody else reads or writes a private game.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { gql, gqlOk, registerUser, type TestUser } from '../support/client.js';
import { DATABASE_KINDS, TEST_DATABASE_URL, TEST_REDIS_URL } from '../support/database.js';
import { startCluster, startTestServer, waitForSubscriptions, type TestServer } from '../support/server.js';
import { disposers } from '../support/setup.js';
import { connectWs } from '../support/ws.js';
import { END, expectError, JOIN } from './queries.js';

const START = 'mutation($gameId: ID!, $public: Boolean) { startGame(gameId: $gameId, public: $public) { id status public } }';
const SEND = `mutation($gameId: ID!, $action: JSON!, $clientActionId: String) {
  sendGameAction(gameId: $gameId, action: $action, clientActionId: $clientActionId) { id action clientActionId player { id } }
}`;
const EVENTS = `subscription($gameId: ID!, $after: String) {
  gameEvents(gameId: $gameId, after: $after) { kind cursor action by { id } gameAction { id clientActionId } winner { id } }
}`;
const GAME = 'query($id: ID!) { game(id: $id) { id status public eventsCursor players { id } } }';

interface GameEvent {
  gameEvents: {
    kind: string;
    cursor: string;
    action: unknown;
    by: { id: string } | null;
    gameAction: { id: string; clientActionId: string | null } | null;
    winner: { id: string } | null;
  };
}

const REGIONS = ['NA', 'EU', 'ASIA', 'OCE', 'SA'];

/** The spec, on `servers()`: two servers (the same one twice on a single instance). */
function gameStateSpec(servers: () => [TestServer, TestServer]) {
  const cleanup = disposers();
  afterEach(() => cleanup.run());
  let regionTurn = 0;

  /** Two players matched through the duel queue (one joins on each server); the game, not started. */
  async function matchedPair(prefix: string): Promise<{ players: [TestUser, TestUser]; gameId: string }> {
    const [a, b] = servers();
    const region = REGIONS[regionTurn++ % REGIONS.length];
    const players: [TestUser, TestUser] = [await registerUser(a.url, `${prefix}a`), await registerUser(b.url, `${prefix}b`)];
    const first = await gqlOk(a.url, JOIN, { mode: 'duel', region }, players[0].token);
    expect(first.joinQueue.game).toBeNull();
    const second = await gqlOk(b.url, JOIN, { mode: 'duel', region }, players[1].token);
    expect(second.joinQueue.game.players.map((p: { id: string }) => p.id).sort()).toEqual(players.map((p) => p.id).sort());
    return { players, gameId: second.joinQueue.game.id };
  }

  const subscribe = (server: TestServer, token: string | null, gameId: string, after?: string) =>
    cleanup.add(connectWs(server.wsUrl, token)).subscribe<GameEvent>(EVENTS, { gameId, after });

  const kinds = (events: GameEvent[]) => events.map((e) => e.gameEvents.kind);

  it('ten actions through both servers reach both players in one order; the game ends its streams; another game hears none of it', async () => {
    const [a, b] = servers();
    const { players, gameId } = await matchedPair('ten');
    const other = await matchedPair('other');
    await gqlOk(a.url, START, { gameId }, players[0].token);
    await gqlOk(b.url, START, { gameId: other.gameId }, other.players[0].token);
    const watches = [subscribe(a, players[0].token, gameId), subscribe(b, players[1].token, gameId)];
    const bystander = subscribe(a, other.players[0].token, other.gameId);
    await Promise.all([waitForSubscriptions(a, 2), waitForSubscriptions(b, a === b ? 3 : 1)]);

    // Each player sends five, both at once, through their own server.
    await Promise.all(
      players.map(async (player, p) => {
        for (let i = 0; i < 5; i++) await gqlOk(servers()[p].url, SEND, { gameId, action: { player: p, move: i } }, player.token);
      }),
    );
    await gqlOk(b.url, END, { gameId, winnerId: players[1].id }, players[1].token);

    const seen = await Promise.all(watches.map((w) => w.take(11)));
    for (const events of seen) {
      expect(kinds(events)).toEqual([...Array(10).fill('ACTION'), 'GAME_ENDED']);
      expect(events[10].gameEvents.winner).toEqual({ id: players[1].id });
    }
    expect(seen[1]).toEqual(seen[0]); // one order, cursors included
    for (const p of [0, 1]) {
      const mine = seen[0].filter((e) => e.gameEvents.by?.id === players[p].id).map((e) => e.gameEvents.action);
      expect(mine).toEqual([0, 1, 2, 3, 4].map((move) => ({ player: p, move })));
    }
    await Promise.all(watches.map((w) => w.ended()));
    expect(await watches[0].ended()).toEqual({});

    // The other game's reader heard nothing of this one; its own end reaches it.
    expect(bystander.pending).toHaveLength(0);
    await gqlOk(b.url, END, { gameId: other.gameId }, other.players[1].token);
    expect(kinds(await bystander.take(1))).toEqual(['GAME_ENDED']);
  });

  it('a reconnect with `after` on the other server replays exactly the missed actions, then goes on live', async () => {
    const [a, b] = servers();
    const { players, gameId } = await matchedPair('resume');
    await gqlOk(a.url, START, { gameId }, players[0].token);
    const first = subscribe(a, players[0].token, gameId);
    await waitForSubscriptions(a, 1);
    for (let i = 0; i < 4; i++) await gqlOk(a.url, SEND, { gameId, action: i }, players[1].token);
    const before = await first.take(4);
    first.unsubscribe();
    for (let i = 4; i < 7; i++) await gqlOk(b.url, SEND, { gameId, action: i }, players[1].token);
    const resumed = subscribe(b, players[0].token, gameId, before[3].gameEvents.cursor);
    expect((await resumed.take(3)).map((e) => e.gameEvents.action)).toEqual([4, 5, 6]);
    await gqlOk(a.url, SEND, { gameId, action: 7 }, players[1].token);
    expect((await resumed.take(1)).map((e) => e.gameEvents.action)).toEqual([7]);
    expect(resumed.pending).toHaveLength(0);
  });

  it('a retried action (same clientActionId, in sequence and in parallel) is stored and streamed once', async () => {
    const [a, b] = servers();
    const { players, gameId } = await matchedPair('retry');
    await gqlOk(a.url, START, { gameId }, players[0].token);
    const watch = subscribe(b, players[1].token, gameId);
    await waitForSubscriptions(b, 1);
    const send = (server: TestServer, action: unknown) =>
      gqlOk(server.url, SEND, { gameId, action, clientActionId: 'move-1' }, players[0].token).then((r) => r.sendGameAction);
    const firsts = await Promise.all([send(a, 'x'), send(b, 'x'), send(a, 'x')]);
    const again = await send(b, 'something else');
    expect(new Set([...firsts, again].map((x) => x.id)).size).toBe(1);
    expect(again.action).toBe('x'); // the first is the answer, whatever the retry carries
    const prisma = a.pulse.services.prisma;
    expect(await prisma.gameAction.count({ where: { gameId, clientActionId: 'move-1' } })).toBe(1);
    await gqlOk(a.url, SEND, { gameId, action: 'marker' }, players[0].token);
    expect((await watch.take(2)).map((e) => [e.gameEvents.kind, e.gameEvents.action])).toEqual([
      ['ACTION', 'x'],
      ['ACTION', 'marker'],
    ]);
  });

  it('outsiders are refused on a private game; anyone follows a public one; errors are documented codes and write nothing', async () => {
    const [a, b] = servers();
    const { players, gameId } = await matchedPair('rules');
    const outsider = await registerUser(a.url, 'outsider');
    const send = (token: string, action: unknown, id = gameId) => gql(a.url, SEND, { gameId: id, action }, token);

    await expectError(send(players[0].token, 1), 'CONFLICT'); // not started
    await expectError(send(players[0].token, 1, 'no-such-game'), 'NOT_FOUND');
    await gqlOk(b.url, START, { gameId }, players[1].token);
    await expectError(send(outsider.token, 1), 'FORBIDDEN');
    await expectError(send(players[0].token, { blob: 'x'.repeat(5000) }), 'BAD_USER_INPUT', 'action');
    await expectError(gql(a.url, SEND, { gameId, action: 1 }), 'UNAUTHENTICATED');
    await expectError(gql(a.url, GAME, { id: gameId }, outsider.token), 'FORBIDDEN');
    const refused = subscribe(b, outsider.token, gameId);
    expect(JSON.stringify((await refused.ended()).errors)).toContain('FORBIDDEN');
    const anonymous = subscribe(b, null, gameId);
    expect(JSON.stringify((await anonymous.ended()).errors)).toContain('FORBIDDEN');
    expect(await a.pulse.services.prisma.gameAction.count({ where: { gameId } })).toBe(0);

    await gqlOk(a.url, END, { gameId }, players[0].token);
    await expectError(send(players[0].token, 1), 'CONFLICT'); // ended

    // A public game: a spectator reads it from a snapshot cursor and follows it.
    const spectated = await matchedPair('public');
    await gqlOk(a.url, START, { gameId: spectated.gameId, public: true }, spectated.players[0].token);
    await gqlOk(a.url, SEND, { gameId: spectated.gameId, action: 'before' }, spectated.players[0].token);
    const { game } = await gqlOk(b.url, GAME, { id: spectated.gameId }, outsider.token);
    expect(game).toMatchObject({ status: 'STARTED', public: true });
    const spectator = subscribe(b, outsider.token, spectated.gameId, game.eventsCursor);
    await waitForSubscriptions(b, 1);
    await gqlOk(a.url, SEND, { gameId: spectated.gameId, action: 'after' }, spectated.players[1].token);
    expect((await spectator.take(1)).map((e) => e.gameEvents.action)).toEqual(['after']);
    await expectError(gql(a.url, SEND, { gameId: spectated.gameId, action: 1 }, outsider.token), 'FORBIDDEN');
  });
}

describe.each(DATABASE_KINDS)('game state on %s (one instance)', (kind) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ database: kind });
  });
  afterAll(() => server?.stop());
  gameStateSpec(() => [server, server]);
});

describe.runIf(TEST_DATABASE_URL && TEST_REDIS_URL)('game state through two instances (PostgreSQL + Redis)', () => {
  let cluster: Awaited<ReturnType<typeof startCluster>>;
  beforeAll(async () => {
    cluster = await startCluster(2);
  });
  afterAll(() => cluster?.stop());
  gameStateSpec(() => [cluster.servers[0], cluster.servers[1]]);
});
