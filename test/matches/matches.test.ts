import { beforeAll, describe, expect, it } from 'vitest';
import { gql, gqlOk, registerUser, type TestUser } from '../support/client.js';
import { connectWs } from '../support/ws.js';
import { DATABASE_KINDS } from '../support/database.js';
import { makeAdmin, waitForSubscriptions } from '../support/server.js';
import { useTestServer } from '../support/setup.js';
import {
  ACCEPT,
  APPLY,
  BROADCAST,
  CLOSE,
  MATCH_FEED,
  NOTIFICATIONS,
  POST_MATCH,
  VOICE,
  expectError,
  matchApi,
  type FeedEvent,
  type NotificationEvent,
} from './queries.js';

describe.each(DATABASE_KINDS)('matches on %s', (kind) => {
  const { server, users, cleanup } = useTestServer(kind, {
    users: ['creator', 'alice', 'bob', 'carol', 'dave'],
    noSubscriptionsLeft: true,
  });
  const { creator, alice, bob, carol, dave } = users;
  let admin: string;
  beforeAll(async () => {
    admin = await makeAdmin(server, (await registerUser(server.url, 'admin')).username);
  });
  const api = matchApi(() => server.url);

  const feed = (region: string, after?: string) => cleanup.add(connectWs(server.wsUrl)).subscribe<FeedEvent>(MATCH_FEED, { region, after });
  const notifications = (user: TestUser) => cleanup.add(connectWs(server.wsUrl, user.token)).subscribe<NotificationEvent>(NOTIFICATIONS);
  /** A broadcast to `users`: the sentinel proving nothing else was queued before it. */
  const sentinel = (users: TestUser[], message = 'sentinel') =>
    gqlOk(server.url, BROADCAST, { input: { userIds: users.map((u) => u.id), message } }, admin);

  it('feeds NA subscribers only NA matches and EU subscribers only EU matches (anonymous is fine)', async () => {
    const na = feed('NA');
    const eu = feed('EU');
    await waitForSubscriptions(server, 2);
    const eu1 = await api.post(creator, { region: 'EU', game: 'eu-1' });
    const na1 = await api.post(creator, { region: 'NA', game: 'na-1' });
    const eu2 = await api.post(creator, { region: 'EU', game: 'eu-2' });
    const na2 = await api.post(creator, { region: 'NA', game: 'na-2' });

    const naEvents = await na.take(2);
    expect(naEvents.map((e) => [e.matchFeed.kind, e.matchFeed.match?.id, e.matchFeed.match?.region])).toEqual([
      ['POSTED', na1.id, 'NA'],
      ['POSTED', na2.id, 'NA'],
    ]);
    const euEvents = await eu.take(2);
    expect(euEvents.map((e) => [e.matchFeed.kind, e.matchFeed.match?.id])).toEqual([
      ['POSTED', eu1.id],
      ['POSTED', eu2.id],
    ]);
    // Each feed's next event after one wrong-region post was the right one, and nothing else queued.
    expect(na.pending).toHaveLength(0);
    expect(eu.pending).toHaveLength(0);
    expect(naEvents[0].matchFeed.cursor).toEqual(expect.any(String));
  });

  it('replays a region feed after a cursor: UPDATED and CLOSED included, in order', async () => {
    const first = feed('SA');
    await waitForSubscriptions(server, 1);
    const match = await api.post(creator, { region: 'SA', slots: 1 });
    const [posted] = await first.take(1);
    const application = await api.apply(alice, match.id);
    await api.accept(creator, application.id);
    await gqlOk(server.url, CLOSE, { matchId: match.id }, creator.token);

    const resumed = feed('SA', posted.matchFeed.cursor);
    const replayed = await resumed.take(2);
    expect(replayed.map((e) => [e.matchFeed.kind, e.matchFeed.match?.id])).toEqual([
      ['UPDATED', match.id],
      ['CLOSED', match.id],
    ]);
    expect(replayed[1].matchFeed.match?.status).toBe('CLOSED');
  });

  it('apply -> accept -> voice notifies the creator, the accepted players and nobody else', async () => {
    // Carol applies but is not accepted (until the end); Dave is not involved at all.
    const subs = Object.fromEntries([creator, alice, bob, carol, dave].map((u) => [u.id, notifications(u)]));
    await waitForSubscriptions(server, 5);
    const match = await api.post(creator, { game: 'Apex', slots: 3 });
    const aliceApp = await api.apply(alice, match.id, 'support main');
    const bobApp = await api.apply(bob, match.id);
    const carolApp = await api.apply(carol, match.id);
    expect(aliceApp).toMatchObject({ status: 'PENDING', message: 'support main', applicant: { id: alice.id } });

    const requests = await subs[creator.id].take(3);
    expect(requests.map((e) => e.notifications.kind)).toEqual(['CONNECTION_REQUEST', 'CONNECTION_REQUEST', 'CONNECTION_REQUEST']);
    expect(requests.map((e) => e.notifications.notification.actor?.id)).toEqual([alice.id, bob.id, carol.id]);
    expect(requests.map((e) => e.notifications.notification.subjectId)).toEqual([aliceApp.id, bobApp.id, carolApp.id]);

    expect((await api.accept(creator, aliceApp.id)).status).toBe('ACCEPTED');
    const accepted = await api.accept(creator, bobApp.id);
    expect(accepted.match).toMatchObject({ status: 'OPEN', openSlots: 1, players: [{ id: alice.id }, { id: bob.id }] });
    const voice = await api.voice(creator, match.id);
    expect(voice.inviteUrl).toMatch(/^https:\/\/voice\.pulse\.local\/join\/[\w-]{20,}$/);

    for (const player of [alice, bob]) {
      const [acceptedEvent, voiceEvent] = await subs[player.id].take(2);
      expect(acceptedEvent.notifications).toMatchObject({
        kind: 'PLAYER_ACCEPTED',
        notification: { subjectId: match.id, actor: { id: creator.id } },
      });
      expect(voiceEvent.notifications).toMatchObject({
        kind: 'VOICE_CREATED',
        notification: { subjectId: match.id, actor: { id: creator.id } },
      });
      expect(voiceEvent.notifications.notification.message).toContain(voice.inviteUrl);
    }
    // Carol (pending), Dave and the creator get nothing more: their next event is the sentinel.
    await sentinel([creator, alice, bob, carol, dave]);
    for (const user of [creator, alice, bob, carol, dave])
      expect((await subs[user.id].next()).notifications.notification.message).toBe('sentinel');
    expect(subs[creator.id].received).toHaveLength(4);
    expect(subs[alice.id].received).toHaveLength(3);
    expect(subs[bob.id].received).toHaveLength(3);
    expect(subs[carol.id].received).toHaveLength(1);
    expect(subs[dave.id].received).toHaveLength(1);

    // The invite URL is visible to the creator and accepted players only.
    expect((await api.match(creator, match.id)).voiceChannel).toEqual({ id: voice.id, inviteUrl: voice.inviteUrl });
    expect((await api.match(alice, match.id)).voiceChannel).toEqual({ id: voice.id, inviteUrl: voice.inviteUrl });
    expect((await api.match(carol, match.id)).voiceChannel).toBeNull();
    expect((await api.match(null, match.id)).voiceChannel).toBeNull();
    // The creator sees every application; an applicant only their own.
    expect((await api.match(creator, match.id)).applications.map((a: any) => a.applicant.id)).toEqual([alice.id, bob.id, carol.id]);
    expect((await api.match(carol, match.id)).applications).toEqual([{ id: carolApp.id, applicant: { id: carol.id }, status: 'PENDING' }]);

    // Asking again returns the same channel and notifies nobody; a player accepted later still gets the URL.
    expect(await api.voice(creator, match.id)).toEqual(voice);
    await api.accept(creator, carolApp.id);
    const [carolAccepted, carolVoice] = await subs[carol.id].take(2);
    expect(carolAccepted.notifications.kind).toBe('PLAYER_ACCEPTED');
    expect(carolVoice.notifications.kind).toBe('VOICE_CREATED');
    expect(carolVoice.notifications.notification.message).toContain(voice.inviteUrl);
    await sentinel([alice, bob], 'sentinel 2');
    expect((await subs[alice.id].next()).notifications.notification.message).toBe('sentinel 2');
    expect((await subs[bob.id].next()).notifications.notification.message).toBe('sentinel 2');
  });

  it('fills the last slot: the match turns FULL on the feed, and a third accept is CONFLICT', async () => {
    const na = feed('OCE');
    await waitForSubscriptions(server, 1);
    const match = await api.post(creator, { region: 'OCE', slots: 2 });
    const applications = [];
    for (const user of [alice, bob, carol]) applications.push(await api.apply(user, match.id));
    await api.accept(creator, applications[0].id);
    const second = await api.accept(creator, applications[1].id);
    expect(second.match).toMatchObject({ status: 'FULL', openSlots: 0 });
    await expectError(gql(server.url, ACCEPT, { applicationId: applications[2].id }, creator.token), 'CONFLICT');
    await expectError(gql(server.url, ACCEPT, { applicationId: applications[0].id }, creator.token), 'CONFLICT');
    await expectError(gql(server.url, APPLY, { matchId: match.id }, dave.token), 'CONFLICT');

    const events = await na.take(3);
    expect(events.map((e) => e.matchFeed.kind)).toEqual(['POSTED', 'UPDATED', 'UPDATED']);
    expect(events[2].matchFeed.match).toMatchObject({ id: match.id, status: 'FULL', openSlots: 0 });
    const state = await api.match(creator, match.id);
    expect(state.players.map((p: any) => p.id)).toEqual([alice.id, bob.id]);
    expect(state.applications.map((a: any) => a.status)).toEqual(['ACCEPTED', 'ACCEPTED', 'PENDING']);
    // The failed accept published nothing: the next event is the next post.
    const next = await api.post(creator, { region: 'OCE' });
    expect((await na.next()).matchFeed.match?.id).toBe(next.id);
    expect(na.pending).toHaveLength(0);
  });

  it('enforces who may do what, with the documented codes', async () => {
    const match = await api.post(creator, { region: 'ASIA', slots: 3 });
    const application = await api.apply(alice, match.id);
    await expectError(gql(server.url, APPLY, { matchId: match.id }, creator.token), 'BAD_USER_INPUT', 'matchId');
    await expectError(gql(server.url, APPLY, { matchId: match.id }, alice.token), 'CONFLICT');
    await expectError(gql(server.url, ACCEPT, { applicationId: application.id }, alice.token), 'FORBIDDEN');
    await expectError(gql(server.url, VOICE, { matchId: match.id }, alice.token), 'FORBIDDEN');
    await expectError(gql(server.url, CLOSE, { matchId: match.id }, bob.token), 'FORBIDDEN');
    for (const [query, variables] of [
      [APPLY, { matchId: 'no-such-match' }],
      [ACCEPT, { applicationId: 'no-such-application' }],
      [VOICE, { matchId: 'no-such-match' }],
      [CLOSE, { matchId: 'no-such-match' }],
    ] as const) {
      await expectError(gql(server.url, query, variables, creator.token), 'NOT_FOUND');
    }

    const closed = feed('ASIA');
    await waitForSubscriptions(server, 1);
    expect((await gqlOk(server.url, CLOSE, { matchId: match.id }, creator.token)).closeMatch).toEqual({ id: match.id, status: 'CLOSED' });
    expect((await closed.next()).matchFeed).toMatchObject({ kind: 'CLOSED', match: { id: match.id, status: 'CLOSED' } });
    await expectError(gql(server.url, CLOSE, { matchId: match.id }, creator.token), 'CONFLICT');
    await expectError(gql(server.url, APPLY, { matchId: match.id }, bob.token), 'CONFLICT');
    await expectError(gql(server.url, ACCEPT, { applicationId: application.id }, creator.token), 'CONFLICT');
    await expectError(gql(server.url, VOICE, { matchId: match.id }, creator.token), 'CONFLICT');
    expect((await api.match(creator, match.id)).applications.map((a: any) => a.status)).toEqual(['PENDING']);
  });

  it('rejects anonymous callers and bad input, naming the field', async () => {
    const match = await api.post(creator, { region: 'EU' });
    const application = await api.apply(bob, match.id);
    const input = { game: 'Dota', region: 'EU', slots: 4 };
    for (const [query, variables] of [
      [POST_MATCH, { input }],
      [APPLY, { matchId: match.id }],
      [ACCEPT, { applicationId: application.id }],
      [VOICE, { matchId: match.id }],
      [CLOSE, { matchId: match.id }],
    ] as const) {
      await expectError(gql(server.url, query, variables), 'UNAUTHENTICATED');
    }
    for (const [bad, field] of [
      [{ game: '  ' }, 'game'],
      [{ game: 'x'.repeat(61) }, 'game'],
      [{ slots: 0 }, 'slots'],
      [{ slots: 51 }, 'slots'],
      [{ mode: 'm'.repeat(41) }, 'mode'],
      [{ description: 'd'.repeat(501) }, 'description'],
    ] as const) {
      await expectError(gql(server.url, POST_MATCH, { input: { ...input, ...bad } }, creator.token), 'BAD_USER_INPUT', field);
    }
    await expectError(gql(server.url, APPLY, { matchId: match.id, message: 'm'.repeat(501) }, alice.token), 'BAD_USER_INPUT', 'message');
    // The rejected posts stored nothing.
    const dota = await gqlOk(server.url, `{ matches(first: 50, region: EU) { edges { node { game } } } }`);
    expect(dota.matches.edges.filter((e: any) => e.node.game === 'Dota')).toHaveLength(0);
  });

  it('lists matches newest first, filtered by region and status, page by page', async () => {
    const a = await api.post(alice, { region: 'SA', game: 'list-a' });
    const b = await api.post(alice, { region: 'SA', game: 'list-b' });
    const c = await api.post(alice, { region: 'SA', game: 'list-c' });
    await gqlOk(server.url, CLOSE, { matchId: b.id }, alice.token);
    const LIST = `query($after: String, $status: MatchStatus) { matches(first: 1, after: $after, region: SA, status: $status) { edges { node { id region } } pageInfo { hasNextPage endCursor } } }`;
    const ids: string[] = [];
    let after: string | undefined;
    for (;;) {
      const page = (await gqlOk(server.url, LIST, { after, status: 'OPEN' })).matches;
      ids.push(...page.edges.map((e: any) => e.node.id));
      expect(page.edges.every((e: any) => e.node.region === 'SA')).toBe(true);
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor;
    }
    expect(ids.indexOf(c.id)).toBeLessThan(ids.indexOf(a.id));
    expect(ids).not.toContain(b.id);
    const closedOnly = (await gqlOk(server.url, `{ matches(first: 50, region: SA, status: CLOSED) { edges { node { id } } } }`)).matches;
    expect(closedOnly.edges.map((e: any) => e.node.id)).toContain(b.id);
    expect(closedOnly.edges.map((e: any) => e.node.id)).not.toContain(c.id);
  });
});
