import { describe, expect, it } from 'vitest';
import { errorCode, gql, gqlOk, registerUser } from '../support/client.js';
import { connectWs, firstError } from '../support/ws.js';
import { DATABASE_KINDS } from '../support/database.js';
import { waitForSubscriptions } from '../support/server.js';
import { useTestServer } from '../support/setup.js';
import { COMMENT, CREATE_POST, FOLLOW, LIKE, NOTIFICATIONS, POST, POST_ACTIVITY, UNFOLLOW, UNLIKE } from './queries.js';

describe.each(DATABASE_KINDS)('social on %s', (kind) => {
  const { server, users, cleanup } = useTestServer(kind, { users: ['author', 'fan', 'stranger'] });
  const { author, fan, stranger } = users;

  const newPost = async (user = author, content = 'hello world') =>
    (await gqlOk(server.url, CREATE_POST, { content }, user.token)).createPost;

  it('creates posts (content trimmed, 1-2000 characters) and lists them newest first', async () => {
    const post = await newPost(author, '  first post  ');
    expect(post).toMatchObject({ content: 'first post', likeCount: 0, commentCount: 0, likedByViewer: false, author: { id: author.id } });
    const second = await newPost(author, 'second post');
    const page = await gqlOk(server.url, `{ posts(first: 1) { edges { node { id } } pageInfo { hasNextPage endCursor } } }`);
    expect(page.posts.edges.map((e: any) => e.node.id)).toEqual([second.id]);
    const rest = await gqlOk(server.url, `query($after: String) { posts(first: 50, after: $after) { edges { node { id } } } }`, {
      after: page.posts.pageInfo.endCursor,
    });
    expect(rest.posts.edges.map((e: any) => e.node.id)[0]).toBe(post.id);

    for (const content of ['   ', 'x'.repeat(2001)]) {
      const result = await gql(server.url, CREATE_POST, { content }, author.token);
      expect(result.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'content' });
    }
    expect(errorCode(await gql(server.url, CREATE_POST, { content: 'hi' }))).toBe('UNAUTHENTICATED');
    expect(errorCode(await gql(server.url, POST, { id: 'no-such-post' }))).toBe('NOT_FOUND');
  });

  it('likes once per user (idempotent), unlikes symmetrically, and reports likedByViewer per viewer', async () => {
    const post = await newPost();
    // Each twice: the repeat changes nothing.
    for (let i = 0; i < 2; i++) {
      expect((await gqlOk(server.url, LIKE, { postId: post.id }, fan.token)).likePost).toMatchObject({ likeCount: 1, likedByViewer: true });
    }
    expect((await gqlOk(server.url, POST, { id: post.id }, stranger.token)).post).toMatchObject({ likeCount: 1, likedByViewer: false });
    expect((await gqlOk(server.url, POST, { id: post.id })).post).toMatchObject({ likeCount: 1, likedByViewer: false });
    for (let i = 0; i < 2; i++) {
      expect((await gqlOk(server.url, UNLIKE, { postId: post.id }, fan.token)).unlikePost).toMatchObject({
        likeCount: 0,
        likedByViewer: false,
      });
    }

    expect(errorCode(await gql(server.url, LIKE, { postId: post.id }))).toBe('UNAUTHENTICATED');
    expect(errorCode(await gql(server.url, LIKE, { postId: 'nope' }, fan.token))).toBe('NOT_FOUND');
    expect(errorCode(await gql(server.url, UNLIKE, { postId: 'nope' }, fan.token))).toBe('NOT_FOUND');
  });

  it('adds comments (validated, counted) and lists them oldest first', async () => {
    const post = await newPost();
    for (const text of ['one', 'two', 'three']) await gqlOk(server.url, COMMENT, { postId: post.id, content: text }, fan.token);
    const result = await gqlOk(
      server.url,
      `query($id: ID!) { post(id: $id) { commentCount comments(first: 2) { edges { node { content author { id } } } pageInfo { hasNextPage } } } }`,
      { id: post.id },
    );
    expect(result.post.commentCount).toBe(3);
    expect(result.post.comments.edges.map((e: any) => e.node.content)).toEqual(['one', 'two']);
    expect(result.post.comments.pageInfo.hasNextPage).toBe(true);

    const bad = await gql(server.url, COMMENT, { postId: post.id, content: ' ' }, fan.token);
    expect(bad.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'content' });
    expect(errorCode(await gql(server.url, COMMENT, { postId: 'nope', content: 'hi' }, fan.token))).toBe('NOT_FOUND');
    expect(errorCode(await gql(server.url, COMMENT, { postId: post.id, content: 'hi' }))).toBe('UNAUTHENTICATED');
    // The failed attempts changed nothing.
    expect((await gqlOk(server.url, POST, { id: post.id })).post.commentCount).toBe(3);
  });

  it('postActivity (anonymous) carries LIKED / UNLIKED / COMMENTED with exact counts, only for its post', async () => {
    const post = await newPost();
    const other = await newPost();
    const anonymous = cleanup.add(connectWs(server.wsUrl));
    const sub = anonymous.subscribe(POST_ACTIVITY, { postId: post.id });
    await anonymous.connected;
    await waitForSubscriptions(server, 1);

    await gqlOk(server.url, LIKE, { postId: other.id }, fan.token); // another post: must not arrive
    await gqlOk(server.url, LIKE, { postId: post.id }, fan.token);
    await gqlOk(server.url, LIKE, { postId: post.id }, fan.token); // a repeat publishes nothing
    await gqlOk(server.url, LIKE, { postId: post.id }, stranger.token);
    const comment = (await gqlOk(server.url, COMMENT, { postId: post.id, content: 'nice' }, stranger.token)).addComment;
    await gqlOk(server.url, UNLIKE, { postId: post.id }, fan.token);
    await gqlOk(server.url, UNLIKE, { postId: post.id }, fan.token); // not liked any more: nothing

    const events = (await sub.take(4)).map((e) => e.postActivity);
    expect(events.map((e) => [e.kind, e.likeCount, e.commentCount, e.actor.id])).toEqual([
      ['LIKED', 1, 0, fan.id],
      ['LIKED', 2, 0, stranger.id],
      ['COMMENTED', 2, 1, stranger.id],
      ['UNLIKED', 1, 1, fan.id],
    ]);
    expect(events[2].comment).toEqual({ id: comment.id, content: 'nice' });
    expect(events[0].comment).toBeNull();
    expect(events.every((e) => typeof e.cursor === 'string' && e.cursor.length > 0)).toBe(true);

    // Resuming after the first event replays the other three, in order.
    const again = cleanup.add(connectWs(server.wsUrl));
    const resumed = again.subscribe(POST_ACTIVITY, { postId: post.id, after: events[0].cursor });
    expect((await resumed.take(3)).map((e) => e.postActivity.likeCount)).toEqual([2, 2, 1]);

    await gqlOk(server.url, COMMENT, { postId: post.id, content: 'marker' }, fan.token);
    expect((await sub.next()).postActivity).toMatchObject({ kind: 'COMMENTED', likeCount: 1, commentCount: 2 });
    expect(sub.pending).toHaveLength(0);
  });

  it('postActivity for an unknown post is NOT_FOUND', async () => {
    const ws = cleanup.add(connectWs(server.wsUrl));
    const { errors } = await ws.subscribe(POST_ACTIVITY, { postId: 'no-such-post' }).ended();
    expect(firstError(errors).extensions.code).toBe('NOT_FOUND');
  });

  it('notifies the author of likes and comments, never the actor of their own action, and nobody else', async () => {
    const post = await newPost(author);
    const fanPost = await newPost(fan, 'fan post');
    const [authorWs, fanWs, strangerWs] = [author, fan, stranger].map((u) => cleanup.add(connectWs(server.wsUrl, u.token)));
    const [authorSub, fanSub, strangerSub] = [authorWs, fanWs, strangerWs].map((ws) => ws.subscribe(NOTIFICATIONS));
    await Promise.all([authorWs.connected, fanWs.connected, strangerWs.connected]);
    await waitForSubscriptions(server, 3);

    await gqlOk(server.url, LIKE, { postId: post.id }, fan.token);
    await gqlOk(server.url, COMMENT, { postId: post.id, content: 'great' }, fan.token);
    await gqlOk(server.url, LIKE, { postId: post.id }, author.token); // own post: no notification
    await gqlOk(server.url, COMMENT, { postId: post.id, content: 'thanks' }, author.token);
    await gqlOk(server.url, UNLIKE, { postId: post.id }, fan.token);
    await gqlOk(server.url, LIKE, { postId: post.id }, fan.token); // the first POST_LIKED is unread: no second one
    await gqlOk(server.url, COMMENT, { postId: post.id, content: 'again' }, fan.token);

    const received = (await authorSub.take(3)).map((e) => e.notifications);
    expect(received.map((n) => [n.kind, n.notification.actor.id, n.notification.subjectId])).toEqual([
      ['POST_LIKED', fan.id, post.id],
      ['POST_COMMENTED', fan.id, post.id],
      ['POST_COMMENTED', fan.id, post.id],
    ]);
    expect(received[0].notification.message).toMatch(/liked your post/);

    // Markers: the first thing the fan and the stranger receive is addressed to them.
    await gqlOk(server.url, LIKE, { postId: fanPost.id }, author.token);
    await gqlOk(server.url, FOLLOW, { userId: stranger.id }, author.token);
    expect((await fanSub.next()).notifications).toMatchObject({ kind: 'POST_LIKED', notification: { subjectId: fanPost.id } });
    expect((await strangerSub.next()).notifications.kind).toBe('NEW_FOLLOWER');
    expect(fanSub.received).toHaveLength(1);
    expect(strangerSub.received).toHaveLength(1);
    expect(authorSub.pending).toHaveLength(0);
  });

  it('follows once (idempotent), counts followers, and notifies once while the first is unread', async () => {
    const [a, b] = await Promise.all([registerUser(server.url, 'follower'), registerUser(server.url, 'followed')]);
    const USER = `query($id: ID!) { user(id: $id) { followerCount followingCount followedByViewer } }`;
    // Twice: the repeat changes nothing.
    for (let i = 0; i < 2; i++) {
      expect((await gqlOk(server.url, FOLLOW, { userId: b.id }, a.token)).followUser).toMatchObject({
        followerCount: 1,
        followedByViewer: true,
      });
    }
    expect((await gqlOk(server.url, USER, { id: a.id }, a.token)).user).toMatchObject({
      followingCount: 1,
      followerCount: 0,
      followedByViewer: false,
    });
    expect((await gqlOk(server.url, USER, { id: b.id })).user).toMatchObject({ followerCount: 1, followedByViewer: false });

    expect((await gqlOk(server.url, UNFOLLOW, { userId: b.id }, a.token)).unfollowUser).toMatchObject({
      followerCount: 0,
      followedByViewer: false,
    });
    expect((await gqlOk(server.url, UNFOLLOW, { userId: b.id }, a.token)).unfollowUser).toMatchObject({ followerCount: 0 });
    await gqlOk(server.url, FOLLOW, { userId: b.id }, a.token);

    const LIST = `{ notifications(first: 10) { edges { node { id kind actor { id } } } } }`;
    const list = (await gqlOk(server.url, LIST, {}, b.token)).notifications.edges.map((e: any) => e.node);
    expect(list.map((n: any) => [n.kind, n.actor.id])).toEqual([['NEW_FOLLOWER', a.id]]);
    // Once read, following again after an unfollow is news again.
    await gqlOk(server.url, `mutation { markNotificationsRead }`, {}, b.token);
    await gqlOk(server.url, UNFOLLOW, { userId: b.id }, a.token);
    await gqlOk(server.url, FOLLOW, { userId: b.id }, a.token);
    expect((await gqlOk(server.url, LIST, {}, b.token)).notifications.edges).toHaveLength(2);

    const self = await gql(server.url, FOLLOW, { userId: a.id }, a.token);
    expect(self.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'userId' });
    expect(errorCode(await gql(server.url, FOLLOW, { userId: 'nobody' }, a.token))).toBe('NOT_FOUND');
    expect(errorCode(await gql(server.url, UNFOLLOW, { userId: 'nobody' }, a.token))).toBe('NOT_FOUND');
    expect(errorCode(await gql(server.url, FOLLOW, { userId: b.id }))).toBe('UNAUTHENTICATED');
  });
});
