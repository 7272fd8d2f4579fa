import { beforeAll, describe, expect, it } from 'vitest';
import { gql, gqlOk, registerUser, type TestUser } from '../support/client.js';
import { connectWs } from '../support/ws.js';
import { TEST_DATABASE_URL, TEST_REDIS_URL } from '../support/database.js';
import { waitForSubscriptions } from '../support/server.js';
import { useTestCluster } from '../support/setup.js';
import { ACCEPT, APPLY, MATCH_FEED, NOTIFICATIONS, POST_MATCH, VOICE, type FeedEvent, type NotificationEvent } from './queries.js';

describe.runIf(TEST_DATABASE_URL && TEST_REDIS_URL)('matches across two instances', () => {
  const { cluster, users, cleanup } = useTestCluster(2, { users: ['creator'] });
  const { creator } = users;
  let applicants: TestUser[];
  beforeAll(async () => {
    applicants = await Promise.all(Array.from({ length: 8 }, (_, i) => registerUser(cluster.servers[i % 2].url, `app${i}`)));
  });

  const [a, b] = [0, 1];
  const url = (i: number) => cluster.servers[i % 2].url;

  it('accepts exactly `slots` players when the creator accepts everyone at once through both instances', async () => {
    const feed = cleanup.add(connectWs(cluster.servers[b].wsUrl)).subscribe<FeedEvent>(MATCH_FEED, { region: 'EU' });
    await waitForSubscriptions(cluster.servers[b], 1);
    const match = (await gqlOk(url(a), POST_MATCH, { input: { game: 'CS2', region: 'EU', slots: 3 } }, creator.token)).postMatch;
    const applications = [];
    for (const [i, user] of applicants.entries())
      applications.push((await gqlOk(url(i), APPLY, { matchId: match.id }, user.token)).applyToMatch);

    const results = await Promise.all(applications.map((app, i) => gql(url(i), ACCEPT, { applicationId: app.id }, creator.token)));
    const ok = results.filter((r) => !r.errors);
    expect(ok).toHaveLength(3);
    expect(results.filter((r) => r.errors).map((r) => r.errors![0].extensions?.code)).toEqual(Array(5).fill('CONFLICT'));

    const stored = await cluster.servers[a].pulse.services.prisma.match.findUniqueOrThrow({
      where: { id: match.id },
      include: { applications: true },
    });
    expect(stored).toMatchObject({ acceptedCount: 3, status: 'FULL' });
    expect(stored.applications.filter((x) => x.status === 'ACCEPTED')).toHaveLength(3);
    // The feed, on the other instance, saw the post and exactly three updates, the last one FULL.
    const events = await feed.take(4);
    expect(events.map((e) => e.matchFeed.kind)).toEqual(['POSTED', 'UPDATED', 'UPDATED', 'UPDATED']);
    expect(events[3].matchFeed.match).toMatchObject({ status: 'FULL', openSlots: 0 });
  });

  it('opens one voice channel when the creator asks twice at once, notifying each accepted player once', async () => {
    const [p1, p2] = applicants.slice(6);
    const match = (await gqlOk(url(a), POST_MATCH, { input: { game: 'Rust', region: 'NA', slots: 2 } }, creator.token)).postMatch;
    for (const user of [p1, p2]) {
      const application = (await gqlOk(url(b), APPLY, { matchId: match.id }, user.token)).applyToMatch;
      await gqlOk(url(a), ACCEPT, { applicationId: application.id }, creator.token);
    }
    const subs = [p1, p2].map((user, i) =>
      cleanup.add(connectWs(cluster.servers[i].wsUrl, user.token)).subscribe<NotificationEvent>(NOTIFICATIONS),
    );
    await Promise.all(cluster.servers.map((s) => waitForSubscriptions(s, 1)));

    const [first, second] = await Promise.all([a, b].map((i) => gqlOk(url(i), VOICE, { matchId: match.id }, creator.token)));
    expect(first.createVoiceChannel).toEqual(second.createVoiceChannel);
    const inviteUrl = first.createVoiceChannel.inviteUrl;
    for (const sub of subs) {
      const event = await sub.next();
      expect(event.notifications.kind).toBe('VOICE_CREATED');
      expect(event.notifications.notification.message).toContain(inviteUrl);
    }
    const stored = await cluster.servers[a].pulse.services.prisma.notification.count({
      where: { kind: 'VOICE_CREATED', subjectId: match.id },
    });
    expect(stored).toBe(2);
  });
});
