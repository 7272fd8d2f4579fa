/**
 * Likes of one post share a group commit (src/streams/batch.ts). Likes made in the same tick through
 * the service form one batch, so "in one batch" is deterministic: the counts, the events, the
 * notifications and the idempotency rules must come out as if the likes had committed one by one.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { likePost } from '../../src/social/service.js';
import { gqlOk, registerUser, type TestUser } from '../support/client.js';
import { connectWs } from '../support/ws.js';
import { DATABASE_KINDS } from '../support/database.js';
import { waitForSubscriptions } from '../support/server.js';
import { useTestServer } from '../support/setup.js';
import { CREATE_POST, POST, POST_ACTIVITY } from './queries.js';

describe.each(DATABASE_KINDS)('batched likes on %s', (kind) => {
  const { server, users, cleanup } = useTestServer(kind, { users: ['author'] });
  const { author } = users;
  let likers: TestUser[];
  beforeAll(async () => {
    likers = await Promise.all(Array.from({ length: 6 }, () => registerUser(server.url, 'liker')));
  });

  it('one batch: repeats count once, the author self-like is counted but not notified, events carry 1..n in arrival order', async () => {
    const post = (await gqlOk(server.url, CREATE_POST, { content: 'hot' }, author.token)).createPost;
    const ws = cleanup.add(connectWs(server.wsUrl));
    const sub = ws.subscribe(POST_ACTIVITY, { postId: post.id });
    await ws.connected;
    await waitForSubscriptions(server, 1);
    const group = server.pulse.services.likeBatches;
    const before = group.stats.batches;

    const order = [likers[0], likers[1], likers[0], author, likers[2], likers[1], likers[3]];
    await Promise.all(order.map((u) => likePost(server.pulse.services, u.id, post.id)));
    expect(group.stats.batches - before).toBe(1);

    expect((await gqlOk(server.url, POST, { id: post.id })).post.likeCount).toBe(5);
    const events = (await sub.take(5)).map((e) => e.postActivity);
    expect(events.map((e) => [e.kind, e.actor.id, e.likeCount])).toEqual([
      ['LIKED', likers[0].id, 1],
      ['LIKED', likers[1].id, 2],
      ['LIKED', author.id, 3],
      ['LIKED', likers[2].id, 4],
      ['LIKED', likers[3].id, 5],
    ]);
    const notifications = await server.pulse.services.prisma.notification.findMany({ where: { userId: author.id, subjectId: post.id } });
    expect(notifications.map((n) => n.actorId).sort()).toEqual([likers[0].id, likers[1].id, likers[2].id, likers[3].id].sort());

    // A second batch with only repeats changes nothing and publishes nothing; the next new like is 6.
    await Promise.all([likers[0], likers[3]].map((u) => likePost(server.pulse.services, u.id, post.id)));
    await likePost(server.pulse.services, likers[4].id, post.id);
    const next = (await sub.next()).postActivity;
    expect([next.kind, next.actor.id, next.likeCount]).toEqual(['LIKED', likers[4].id, 6]);
  });

  it('a batch for an unknown post fails every caller with NOT_FOUND', async () => {
    const results = await Promise.allSettled(likers.slice(0, 3).map((u) => likePost(server.pulse.services, u.id, 'no-such-post')));
    expect(results.map((r) => r.status === 'rejected' && (r.reason as { extensions?: { code?: string } }).extensions?.code)).toEqual([
      'NOT_FOUND',
      'NOT_FOUND',
      'NOT_FOUND',
    ]);
  });
});
