/**
 * Social: posts, likes, comments and follows. Counters live on the `Post` row and change only by
 * atomic increments in the transaction that inserts or deletes the like or comment, so the counts
 * carried by each `post:<id>` event are exact as of its commit, whatever the concurrency.
 */
import { badInput, notFound } from '../errors.js';
import type { Comment, Post } from '../generated/prisma/client.js';
import { notify } from '../notifications/service.js';
import { groupCommit, Topics, type ApplyBatch, type GroupCommit, type Writer } from '../streams/index.js';
import type { PrismaClient } from '../db/index.js';
import type { SharedReads } from '../db/shared-reads.js';
import type { Streams } from '../streams/index.js';

/** What this module's functions use of the instance's services (context.ts `Services` has them all). */
interface Deps {
  likeBatches: LikeBatches;
  prisma: PrismaClient;
  reads: SharedReads;
  streams: Streams;
}

const MAX_CONTENT = 2000;

interface Counts {
  authorId: string;
  likeCount: number;
  commentCount: number;
}

function content(field: string, raw: string): string {
  const text = raw.trim();
  if (text.length < 1 || text.length > MAX_CONTENT) throw badInput(field, `The ${field} must be 1-${MAX_CONTENT} characters.`);
  return text;
}

async function displayName(w: Writer, userId: string): Promise<string> {
  const user = await w.tx.user.findUnique({ where: { id: userId }, select: { displayName: true } });
  return user?.displayName ?? 'Someone';
}

async function assertPost(w: Writer, postId: string): Promise<void> {
  if (!(await w.tx.post.findUnique({ where: { id: postId }, select: { id: true } }))) throw notFound('Post', postId);
}

/**
 * Moves a post's like counter by `delta`. The UPDATE takes the post's row lock, which orders
 * concurrent likes: each sees the count left by the one committed before it.
 */
async function bumpLikes(w: Writer, postId: string, delta: 1 | -1): Promise<Counts> {
  const [row] = await w.tx.$queryRaw<Counts[]>`
    UPDATE "Post" SET "likeCount" = "likeCount" + ${delta}::int WHERE "id" = ${postId}
    RETURNING "authorId", "likeCount", "commentCount"`;
  return row;
}

/** A new post by `authorId`. */
export async function createPost(app: Deps, authorId: string, text: string): Promise<Post> {
  return app.prisma.post.create({ data: { authorId, content: content('content', text) } });
}

/**
 * One batch of likes of one post, in one transaction: one statement inserts the new likes (a user
 * already liking, or twice in the batch, counts once) and moves the counter by how many were new;
 * one statement appends their LIKED events in arrival order, each with the count right after it;
 * then the author is notified, at most one unread POST_LIKED per liker.
 */
const applyLikes: ApplyBatch<string, void> = (streams, postId, userIds) =>
  streams.write(async (w) => {
    const likers = [...new Set(userIds)];
    const [row] = await w.tx.$queryRaw<(Counts & { liked: string[] })[]>`
    WITH ins AS (
      INSERT INTO "Like" ("postId", "userId")
      SELECT "id", u FROM "Post", unnest(${likers}::text[]) AS u WHERE "id" = ${postId}
      ON CONFLICT DO NOTHING RETURNING "userId"
    ), bump AS (
      UPDATE "Post" SET "likeCount" = "likeCount" + (SELECT count(*)::int FROM ins) WHERE "id" = ${postId}
      RETURNING "authorId", "likeCount", "commentCount"
    )
    SELECT bump.*, ARRAY(SELECT "userId" FROM ins) AS "liked" FROM bump`;
    if (!row) return userIds.map(() => ({ ok: false as const, error: notFound('Post', postId) }));
    const liked = new Set(row.liked);
    const inOrder = likers.filter((id) => liked.has(id));
    const before = row.likeCount - inOrder.length;
    await w.appendMany(
      Topics.post(postId),
      inOrder.map((actorId, i) => ({
        kind: 'LIKED' as const,
        data: { actorId, likeCount: before + i + 1, commentCount: row.commentCount },
      })),
    );
    const names = await w.tx.user.findMany({ where: { id: { in: inOrder } }, select: { id: true, displayName: true } });
    const nameOf = new Map(names.map((u) => [u.id, u.displayName]));
    for (const actorId of inOrder) {
      if (actorId === row.authorId) continue;
      // Unlike + like again must not spam the author: one unread POST_LIKED per liker and post.
      await notify(w, {
        userId: row.authorId,
        kind: 'POST_LIKED',
        message: `${nameOf.get(actorId) ?? 'Someone'} liked your post.`,
        actorId,
        subjectId: postId,
        onceWhileUnread: true,
      });
    }
    return userIds.map(() => ({ ok: true as const, value: undefined }));
  });

/**
 * Likes a post once: liking again changes nothing and publishes nothing. NOT_FOUND for an unknown
 * post. Concurrent likes of one post on this instance share a group commit (one transaction per batch).
 */
export async function likePost(app: Deps, userId: string, postId: string): Promise<void> {
  await app.likeBatches.submit(postId, userId);
}

/** An instance's group commit for likes (keyed by post id; built by app.ts); its `stats` count batches. */
export type LikeBatches = GroupCommit<string, void>;
export const likeBatches = (streams: Streams): LikeBatches => groupCommit(streams, applyLikes);

/** Removes the viewer's like; a no-op (nothing published) when there is none. NOT_FOUND for an unknown post. */
export async function unlikePost(app: Deps, userId: string, postId: string): Promise<void> {
  await app.streams.write(async (w) => {
    const deleted = await w.tx.$queryRaw<{ postId: string }[]>`
      DELETE FROM "Like" WHERE "postId" = ${postId} AND "userId" = ${userId} RETURNING "postId"`;
    if (deleted.length === 0) return assertPost(w, postId);
    const counts = await bumpLikes(w, postId, -1);
    await w.append(Topics.post(postId), 'UNLIKED', { actorId: userId, likeCount: counts.likeCount, commentCount: counts.commentCount });
  });
}

/** Adds a comment, counts it, publishes COMMENTED and notifies the author (unless they wrote it). */
export async function addComment(app: Deps, userId: string, postId: string, text: string): Promise<Comment> {
  const body = content('content', text);
  return app.streams.write(async (w) => {
    const [counts] = await w.tx.$queryRaw<Counts[]>`
      UPDATE "Post" SET "commentCount" = "commentCount" + 1 WHERE "id" = ${postId}
      RETURNING "authorId", "likeCount", "commentCount"`;
    if (!counts) throw notFound('Post', postId);
    const comment = await w.tx.comment.create({ data: { postId, authorId: userId, content: body } });
    await w.append(Topics.post(postId), 'COMMENTED', {
      actorId: userId,
      commentId: comment.id,
      likeCount: counts.likeCount,
      commentCount: counts.commentCount,
    });
    if (counts.authorId !== userId) {
      await notify(w, {
        userId: counts.authorId,
        kind: 'POST_COMMENTED',
        message: `${await displayName(w, userId)} commented on your post.`,
        actorId: userId,
        subjectId: postId,
      });
    }
    return comment;
  });
}

/** NOT_FOUND unless the post exists (subscriptions check before opening). */
export async function requirePost(app: Deps, postId: string): Promise<void> {
  // Posts are never deleted: once seen, existence is remembered (one read per post per instance).
  const exists = await app.reads.lasting(
    `post:${postId}`,
    async () => (await app.prisma.post.findUnique({ where: { id: postId }, select: { id: true } })) !== null,
    (found) => found,
  );
  if (!exists) throw notFound('Post', postId);
}

/**
 * Follows a user once (the primary key makes a repeat a no-op). The followed user gets NEW_FOLLOWER,
 * at most one unread per follower, so unfollow + follow again does not notify twice.
 */
export async function followUser(app: Deps, followerId: string, userId: string): Promise<void> {
  if (followerId === userId) throw badInput('userId', 'You cannot follow yourself.');
  await app.streams.write(async (w) => {
    const inserted = await w.tx.$queryRaw<{ followerId: string }[]>`
      INSERT INTO "Follow" ("followerId", "followingId") SELECT ${followerId}, "id" FROM "User" WHERE "id" = ${userId}
      ON CONFLICT DO NOTHING RETURNING "followerId"`;
    if (inserted.length > 0) {
      await notify(w, {
        userId,
        kind: 'NEW_FOLLOWER',
        message: `${await displayName(w, followerId)} started following you.`,
        actorId: followerId,
        subjectId: followerId,
        onceWhileUnread: true,
      });
    } else if (!(await w.tx.user.findUnique({ where: { id: userId }, select: { id: true } }))) {
      throw notFound('User', userId);
    }
  });
}

/** Stops following; a no-op when not following. NOT_FOUND for an unknown user; yourself is BAD_USER_INPUT. */
export async function unfollowUser(app: Deps, followerId: string, userId: string): Promise<void> {
  if (followerId === userId) throw badInput('userId', 'You cannot unfollow yourself.');
  const { count } = await app.prisma.follow.deleteMany({ where: { followerId, followingId: userId } });
  if (count === 0 && !(await app.prisma.user.findUnique({ where: { id: userId }, select: { id: true } }))) {
    throw notFound('User', userId);
  }
}
