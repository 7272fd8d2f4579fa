import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { gql, gqlOk, registerUser, type TestUser } from '../support/client.js';
import { connectWs, firstError } from '../support/ws.js';
import { disposers } from '../support/setup.js';
import { DATABASE_KINDS } from '../support/database.js';
import { startTestServer, waitForSubscriptions, type TestServer } from '../support/server.js';
import {
  CURRENT_GAME,
  END,
  JOIN,
  LEAVE,
  MATCHMAKING,
  START,
  TICKET,
  expectError,
  summary,
  until,
  type MatchmakingEvent,
} from './queries.js';

describe.each(DATABASE_KINDS)('matchmaking queue on %s', (kind) => {
  let server: TestServer;
  const cleanup = disposers();

  beforeAll(async () => {
    server = await startTestServer({ database: kind });
  });
  afterEach(async () => {
    await cleanup.run();
    await until(
      server,
      (s) => s.pulse.services.subscriptionStats.activeCount() === 0 && s.pulse.services.connections.count === 0,
      'sockets to close',
    );
  });
  afterAll(() => server?.stop());

  const players = (count: number, prefix: string) =>
    Promise.all(Array.from({ length: count }, (_, i) => registerUser(server.url, `${prefix}${i + 1}`)));
  const watch = (user: TestUser) => cleanup.add(connectWs(server.wsUrl, user.token)).subscribe<MatchmakingEvent>(MATCHMAKING);
  const join = async (user: TestUser, mode: string, region: string) =>
    (await gqlOk(server.url, JOIN, { mode, region }, user.token)).joinQueue;

  it('forms games from the oldest players, first come first served; the one left waits at position 1', async () => {
    const [p1, p2, p3, p4, p5, p6] = await players(6, 'p');
    const [euPlayer, squadPlayer] = await players(2, 'other');
    const subs = [p1, p2, p3, p4, p5].map(watch);
    await waitForSubscriptions(server, 5);

    const tickets = [];
    for (const p of [p1, p2, p3, p4, p5]) tickets.push(await join(p, 'duel', 'NA'));
    expect(tickets.map((t) => t.position)).toEqual([1, 2, 1, 2, 1]);
    const [first, second] = [tickets[1].game, tickets[3].game];
    expect(first.players.map((p: { id: string }) => p.id).sort()).toEqual([p1.id, p2.id].sort());
    expect(second.players.map((p: { id: string }) => p.id).sort()).toEqual([p3.id, p4.id].sort());
    expect(first).toMatchObject({ mode: 'duel', region: 'NA', status: 'FORMED', winner: null });
    expect(tickets[0].game).toBeNull();
    expect(tickets[4].game).toBeNull();

    const pair12 = [p1.id, p2.id].sort();
    const pair34 = [p3.id, p4.id].sort();
    // Per player, in queue order: QUEUED at its position, then MATCH_FOUND with its pair (the fifth has none).
    const positions = [1, 2, 1, 2, 1];
    const pairs = [pair12, pair12, pair34, pair34, null];
    for (const [i, position] of positions.entries()) {
      const events = [['QUEUED', position], ...(pairs[i] ? [['MATCH_FOUND', pairs[i]]] : [])];
      expect(summary(await subs[i].take(events.length))).toEqual(events);
    }
    expect((await gqlOk(server.url, TICKET, {}, p5.token)).queueTicket).toMatchObject({
      id: tickets[4].id,
      mode: 'duel',
      region: 'NA',
      position: 1,
    });
    expect((await gqlOk(server.url, TICKET, {}, p1.token)).queueTicket).toBeNull();
    expect((await gqlOk(server.url, CURRENT_GAME, {}, p1.token)).currentGame.id).toBe(first.id);

    // MATCH_FOUND is also a stored notification, for the players of the game only.
    const found = async (user: TestUser) =>
      (
        await gqlOk(server.url, `{ notifications(first: 10) { edges { node { kind subjectId } } } }`, {}, user.token)
      ).notifications.edges.map((e: any) => e.node);
    expect(await found(p2)).toEqual([{ kind: 'MATCH_FOUND', subjectId: first.id }]);
    expect(await found(p3)).toEqual([{ kind: 'MATCH_FOUND', subjectId: second.id }]);
    expect(await found(p5)).toEqual([]);

    // Another region and another mode are other queues: p5 is not matched with them, and hears nothing of them.
    await join(euPlayer, 'duel', 'EU');
    await join(squadPlayer, 'squad', 'NA');
    const third = (await join(p6, 'duel', 'NA')).game;
    expect(third.players.map((p: { id: string }) => p.id).sort()).toEqual([p5.id, p6.id].sort());
    expect(summary([await subs[4].next()])).toEqual([['MATCH_FOUND', [p5.id, p6.id].sort()]]);
    expect(subs[4].received).toHaveLength(2);
    for (const user of [euPlayer, squadPlayer]) expect((await gqlOk(server.url, LEAVE, {}, user.token)).leaveQueue).toBe(true);
  });

  it('leaving sends LEFT, and POSITION to everyone behind; a full squad of four forms', async () => {
    const [s1, s2, s3, s4, s5, s6] = await players(6, 's');
    const subs = [s1, s2, s3].map(watch);
    await waitForSubscriptions(server, 3);
    for (const s of [s1, s2, s3]) await join(s, 'squad', 'ASIA');
    expect(summary(await subs[0].take(1))).toEqual([['QUEUED', 1]]);
    expect(summary(await subs[1].take(1))).toEqual([['QUEUED', 2]]);
    expect(summary(await subs[2].take(1))).toEqual([['QUEUED', 3]]);

    // The middle one leaves: only those behind move up.
    expect((await gqlOk(server.url, LEAVE, {}, s2.token)).leaveQueue).toBe(true);
    expect(summary(await subs[1].take(1))).toEqual([['LEFT', null]]);
    expect(summary(await subs[2].take(1))).toEqual([['POSITION', 2]]);
    expect((await gqlOk(server.url, LEAVE, {}, s2.token)).leaveQueue).toBe(false);
    expect((await gqlOk(server.url, LEAVE, {}, s1.token)).leaveQueue).toBe(true);
    expect(summary(await subs[0].take(1))).toEqual([['LEFT', null]]);
    expect(summary(await subs[2].take(1))).toEqual([['POSITION', 1]]);
    expect(subs[0].pending.length + subs[1].pending.length).toBe(0);

    for (const s of [s4, s5]) await join(s, 'squad', 'ASIA');
    const game = (await join(s6, 'squad', 'ASIA')).game;
    expect(game.players.map((p: { id: string }) => p.id).sort()).toEqual([s3.id, s4.id, s5.id, s6.id].sort());
    expect(summary(await subs[2].take(1))).toEqual([['MATCH_FOUND', [s3.id, s4.id, s5.id, s6.id].sort()]]);
  });

  it('runs a game FORMED -> STARTED -> ENDED for its players only', async () => {
    const [g1, g2, outsider] = await players(3, 'g');
    const subs = [g1, g2, outsider].map(watch);
    await waitForSubscriptions(server, 3);
    await join(g1, 'duel', 'SA');
    const game = (await join(g2, 'duel', 'SA')).game;
    await subs[0].take(2);
    await subs[1].take(2);

    await expectError(gql(server.url, JOIN, { mode: 'duel', region: 'EU' }, g1.token), 'CONFLICT');
    await expectError(gql(server.url, START, { gameId: game.id }, outsider.token), 'FORBIDDEN');
    await expectError(gql(server.url, START, { gameId: 'no-such-game' }, g1.token), 'NOT_FOUND');
    await expectError(gql(server.url, END, { gameId: game.id }, g1.token), 'CONFLICT');

    expect((await gqlOk(server.url, START, { gameId: game.id }, g2.token)).startGame.status).toBe('STARTED');
    await expectError(gql(server.url, START, { gameId: game.id }, g1.token), 'CONFLICT');
    await expectError(gql(server.url, END, { gameId: game.id, winnerId: outsider.id }, g1.token), 'BAD_USER_INPUT', 'winnerId');
    await expectError(gql(server.url, END, { gameId: game.id }, outsider.token), 'FORBIDDEN');
    const ended = (await gqlOk(server.url, END, { gameId: game.id, winnerId: g2.id }, g1.token)).endGame;
    expect(ended).toMatchObject({ status: 'ENDED', winner: { id: g2.id } });
    await expectError(gql(server.url, END, { gameId: game.id }, g1.token), 'CONFLICT');

    for (const sub of subs.slice(0, 2)) {
      const events = await sub.take(2);
      expect(events.map((e) => [e.matchmaking.kind, e.matchmaking.game?.id])).toEqual([
        ['GAME_STARTED', game.id],
        ['GAME_ENDED', game.id],
      ]);
    }
    // The outsider heard nothing of it: their next event is their own.
    expect((await gqlOk(server.url, CURRENT_GAME, {}, g1.token)).currentGame).toBeNull();
    await join(outsider, 'duel', 'OCE');
    expect(summary([await subs[2].next()])).toEqual([['QUEUED', 1]]);
    expect(subs[2].received).toHaveLength(1);
    // Once the game ended its players may queue again.
    expect((await join(g1, 'squad', 'SA')).position).toBe(1);
    await gqlOk(server.url, LEAVE, {}, g1.token);
    await gqlOk(server.url, LEAVE, {}, outsider.token);
  });

  it('takes a player out of the queue when their last connection closes, not before', async () => {
    const [u, v] = await players(2, 'conn');
    const uFirst = connectWs(server.wsUrl, u.token);
    const uLast = connectWs(server.wsUrl, u.token);
    cleanup.add(uFirst);
    cleanup.add(uLast);
    const uSub = uLast.subscribe<MatchmakingEvent>(MATCHMAKING);
    const vSub = watch(v);
    await waitForSubscriptions(server, 2);
    await join(u, 'squad', 'OCE');
    await join(v, 'squad', 'OCE');
    expect(summary(await vSub.take(1))).toEqual([['QUEUED', 2]]);

    const open = server.pulse.services.connections.count;
    await uFirst.drop();
    await until(server, (s) => s.pulse.services.connections.count === open - 1, 'the dropped connection to close');
    // u still has a connection: still queued (CONFLICT), and no LEFT was sent.
    await expectError(gql(server.url, JOIN, { mode: 'squad', region: 'OCE' }, u.token), 'CONFLICT');
    expect((await gqlOk(server.url, TICKET, {}, u.token)).queueTicket.position).toBe(1);

    // Now u's last connection dies: u is out, and v moves up.
    await uLast.drop();
    expect(summary(await vSub.take(1))).toEqual([['POSITION', 1]]);
    expect(summary(uSub.received)).toEqual([['QUEUED', 1]]);
    expect((await gqlOk(server.url, TICKET, {}, u.token)).queueTicket).toBeNull();
    expect((await gqlOk(server.url, TICKET, {}, v.token)).queueTicket.position).toBe(1);
    expect((await gqlOk(server.url, LEAVE, {}, v.token)).leaveQueue).toBe(true);
  });

  it('rejects anonymous callers and unknown modes, naming the field', async () => {
    const [user] = await players(1, 'anon');
    for (const [query, variables] of [
      [JOIN, { mode: 'duel', region: 'NA' }],
      [LEAVE, {}],
      [START, { gameId: 'x' }],
      [END, { gameId: 'x' }],
    ] as const) {
      await expectError(gql(server.url, query, variables), 'UNAUTHENTICATED');
    }
    await expectError(gql(server.url, TICKET, {}), 'UNAUTHENTICATED');
    await expectError(gql(server.url, JOIN, { mode: 'battle-royale', region: 'NA' }, user.token), 'BAD_USER_INPUT', 'mode');
    await expectError(gql(server.url, JOIN, { mode: 'toString', region: 'NA' }, user.token), 'BAD_USER_INPUT', 'mode');
    expect((await gqlOk(server.url, TICKET, {}, user.token)).queueTicket).toBeNull();
    await join(user, 'duel', 'EU');
    await expectError(gql(server.url, JOIN, { mode: 'duel', region: 'EU' }, user.token), 'CONFLICT');
    await expectError(gql(server.url, JOIN, { mode: 'squad', region: 'NA' }, user.token), 'CONFLICT');
    await gqlOk(server.url, LEAVE, {}, user.token);

    const anonymous = cleanup.add(connectWs(server.wsUrl));
    const { errors } = await anonymous.subscribe(MATCHMAKING).ended();
    expect(firstError(errors).extensions.code).toBe('UNAUTHENTICATED');
  });
});
