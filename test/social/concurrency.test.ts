import { beforeAll, describe, expect, it } from 'vitest';
import { gqlOk, registerUser, type TestUser } from '../support/client.js';
import { connectWs } from '../support/ws.js';
import { TEST_DATABASE_URL, TEST_REDIS_URL } from '../support/database.js';
import { waitForSubscriptions } from '../support/server.js';
import { useTestCluster } from '../support/setup.js';
import { COMMENT, CREATE_POST, LIKE, NOTIFICATIONS, POST, POST_ACTIVITY, UNLIKE } from './queries.js';

describe.runIf(TEST_DATABASE_URL && TEST_REDIS_URL)('social concurrency through two instances (PostgreSQL + Redis)', () => {
  const { cluster, users, cleanup } = useTestCluster(2, { users: ['author'] });
  const { author } = users;
  const url = (i: number) => cluster.servers[i % 2].url;
  let likers: TestUser[];
  beforeAll(async () => {
    likers = await Promise.all(Array.from({ length: 50 }, (_, i) => registerUser(url(i), 'liker')));
  });

  const newPost = async () => (await gqlOk(url(0), CREATE_POST, { content: 'popular' }, author.token)).createPost;

  /** A postActivity subscriber on each instance, live before anything is written. */
  async function watch(postId: string) {
    const subs = [];
    for (const server of cluster.servers) {
      const ws = cleanup.add(connectWs(server.wsUrl));
      subs.push(ws.subscribe(POST_ACTIVITY, { postId }));
      await ws.connected;
    }
    await Promise.all(cluster.servers.map((server) => waitForSubscriptions(server, 1)));
    return subs;
  }

  it('50 users liking at once: likeCount 50 and 50 LIKED events with counts 1..50 in order, on both instances', async () => {
    const post = await newPost();
    const subs = await watch(post.id);
    const authorWs = cleanup.add(connectWs(cluster.servers[1].wsUrl, author.token));
    const notifications = authorWs.subscribe(NOTIFICATIONS);
    await authorWs.connected;
    await waitForSubscriptions(cluster.servers[1], 2);

    await Promise.all(likers.map((liker, i) => gqlOk(url(i), LIKE, { postId: post.id }, liker.token)));

    expect((await gqlOk(url(1), POST, { id: post.id })).post.likeCount).toBe(50);
    for (const sub of subs) {
      const events = (await sub.take(50)).map((e) => e.postActivity);
      expect(events.map((e) => e.kind)).toEqual(Array(50).fill('LIKED'));
      expect(events.map((e) => e.likeCount)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
      expect(new Set(events.map((e) => e.actor.id))).toEqual(new Set(likers.map((l) => l.id)));
    }
    const received = await notifications.take(50);
    expect(new Set(received.map((n) => n.notifications.notification.actor.id)).size).toBe(50);
  });

  it('one user liking 20 times at once counts once, publishes one LIKED and notifies once', async () => {
    const post = await newPost();
    const [sub] = await watch(post.id);
    const liker = likers[0];

    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => gqlOk(url(i), LIKE, { postId: post.id }, liker.token)));
    expect(results.every((r) => r.likePost.likedByViewer)).toBe(true);
    expect((await gqlOk(url(0), POST, { id: post.id })).post.likeCount).toBe(1);

    await gqlOk(url(1), COMMENT, { postId: post.id, content: 'marker' }, liker.token);
    const events = (await sub.take(2)).map((e) => e.postActivity);
    expect(events.map((e) => [e.kind, e.likeCount, e.commentCount])).toEqual([
      ['LIKED', 1, 0],
      ['COMMENTED', 1, 1],
    ]);
    const list = await gqlOk(url(0), `{ notifications(first: 100) { edges { node { kind subjectId actor { id } } } } }`, {}, author.token);
    const likes = list.notifications.edges.filter((e: any) => e.node.kind === 'POST_LIKED' && e.node.subjectId === post.id);
    expect(likes).toHaveLength(1);
  });

  it('concurrent likes, unlikes and comments: every event moves the counts by exactly its own change', async () => {
    const post = await newPost();
    const group = likers.slice(0, 20);
    await Promise.all(group.map((l, i) => gqlOk(url(i), LIKE, { postId: post.id }, l.token)));
    const [sub] = await watch(post.id);

    await Promise.all([
      ...group.slice(0, 10).map((l, i) => gqlOk(url(i), UNLIKE, { postId: post.id }, l.token)),
      ...likers.slice(20, 30).map((l, i) => gqlOk(url(i + 1), LIKE, { postId: post.id }, l.token)),
      ...likers.slice(30, 40).map((l, i) => gqlOk(url(i), COMMENT, { postId: post.id, content: `c${i}` }, l.token)),
    ]);

    const events = (await sub.take(30)).map((e) => e.postActivity);
    let likes = 20;
    let comments = 0;
    for (const e of events) {
      if (e.kind === 'LIKED') likes++;
      else if (e.kind === 'UNLIKED') likes--;
      else comments++;
      expect([e.likeCount, e.commentCount]).toEqual([likes, comments]);
    }
    expect((await gqlOk(url(1), POST, { id: post.id })).post).toMatchObject({ likeCount: 20, commentCount: 10 });
  });
});
