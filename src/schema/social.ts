/** Social: `Post`, `Comment`, follow counts on `User`, the mutations, and the public `postActivity` stream. */
import type { Context } from '../context.js';
import { notFound } from '../errors.js';
import { addComment, createPost, followUser, likePost, requirePost, unfollowUser, unlikePost } from '../social/service.js';
import { Topics, type AnyEventOf } from '../streams/index.js';
import { builder } from './builder.js';
import { readerOf, viewerIdOf } from './viewer.js';
import { written } from './written.js';
import { readAtCursor, SNAPSHOT_HELP, snapshotOf } from './snapshots.js';
import { entityOf, selectionKey, withId } from './entities.js';
import { LoggedStreamEvent, handOver } from './streams.js';

builder.prismaObject('Post', {
  fields: (t) => ({
    id: t.exposeID('id'),
    content: t.exposeString('content'),
    author: t.relation('author'),
    likeCount: t.exposeInt('likeCount'),
    commentCount: t.exposeInt('commentCount'),
    likedByViewer: t.boolean({
      extensions: { viewerDependent: true },
      select: (_args, ctx) => ({ likes: { where: { userId: viewerIdOf(ctx) }, select: { userId: true }, take: 1 } }),
      resolve: (post) => post.likes.length > 0,
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    activityCursor: t.string({ nullable: true, description: `\`postActivity\`: ${SNAPSHOT_HELP}`, resolve: (p) => snapshotOf(p) }),
    comments: t.relatedConnection('comments', {
      cursor: 'id',
      description: 'Comments, oldest first.',
      query: { orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] },
    }),
  }),
});

builder.prismaObject('Comment', {
  fields: (t) => ({
    id: t.exposeID('id'),
    content: t.exposeString('content'),
    author: t.relation('author'),
    post: t.relation('post'),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
  }),
});

builder.prismaObjectFields('User', (t) => ({
  followerCount: t.relationCount('followers'),
  followingCount: t.relationCount('following'),
  followedByViewer: t.boolean({
    extensions: { viewerDependent: true },
    select: (_args, ctx) => ({ followers: { where: { followerId: viewerIdOf(ctx) }, select: { followerId: true }, take: 1 } }),
    resolve: (user) => user.followers.length > 0,
  }),
}));

const PostActivityKind = builder.enumType('PostActivityKind', {
  values: ['LIKED', 'UNLIKED', 'COMMENTED', 'GAP'] as const,
  description: 'GAP: events were missed (older than retention); refetch the post.',
});

const postIdOf = (e: AnyEventOf<'post'>) => e.topic.slice('post:'.length);

/** Counts as of the event's commit; for GAP (which carries none) the current ones. */
async function countsOf(e: AnyEventOf<'post'>, ctx: Context) {
  if (e.kind !== 'GAP') return e.data;
  const post = await ctx.app.prisma.post.findUnique({ where: { id: postIdOf(e) }, select: { likeCount: true, commentCount: true } });
  return post ?? { likeCount: 0, commentCount: 0 };
}

const PostActivity = builder.objectRef<AnyEventOf<'post'>>('PostActivity').implement({
  interfaces: [LoggedStreamEvent],
  fields: (t) => ({
    kind: t.field({ type: PostActivityKind, resolve: (e) => e.kind }),
    likeCount: t.int({ resolve: async (e, _args, ctx) => (await countsOf(e, ctx)).likeCount }),
    commentCount: t.int({ resolve: async (e, _args, ctx) => (await countsOf(e, ctx)).commentCount }),
    actor: t.prismaField({
      type: 'User',
      nullable: true,
      resolve: (query, e, _args, ctx) =>
        entityOf(e, {
          key: selectionKey('User', query),
          idOf: (x) => (x.kind === 'GAP' ? null : x.data.actorId),
          load: (ids) => ctx.app.prisma.user.findMany({ ...withId(query), where: { id: { in: ids } } }),
        }),
    }),
    comment: t.prismaField({
      type: 'Comment',
      nullable: true,
      resolve: (query, e, _args, ctx) =>
        entityOf(e, {
          key: selectionKey('Comment', query),
          idOf: (x) => (x.kind === 'COMMENTED' ? x.data.commentId : null),
          load: (ids) => ctx.app.prisma.comment.findMany({ ...withId(query), where: { id: { in: ids } } }),
        }),
    }),
  }),
});

builder.queryFields((t) => ({
  post: t.prismaField({
    type: 'Post',
    args: { id: t.arg.id() },
    resolve: async (query, _root, { id }, ctx) => {
      const post = await readAtCursor(ctx, Topics.post(id), (tx) => tx.post.findUnique({ ...query, where: { id } }));
      if (!post) throw notFound('Post', id);
      return post;
    },
  }),
  posts: t.prismaConnection({
    type: 'Post',
    cursor: 'id',
    description: 'All posts, newest first.',
    resolve: (query, _root, _args, ctx) => ctx.app.prisma.post.findMany({ ...query, orderBy: [{ createdAt: 'desc' }, { id: 'desc' }] }),
  }),
}));

builder.mutationFields((t) => ({
  createPost: t.withAuth({ signedIn: true }).prismaField({
    type: 'Post',
    args: { content: t.arg.string() },
    resolve: written('Post', (args, ctx) => createPost(ctx.app, ctx.viewer.id, args.content)),
  }),
  likePost: t.withAuth({ signedIn: true }).prismaField({
    type: 'Post',
    description: 'Likes a post; liking twice counts once.',
    args: { postId: t.arg.id() },
    resolve: written('Post', (args, ctx) => likePost(ctx.app, ctx.viewer.id, args.postId).then(() => args.postId)),
  }),
  unlikePost: t.withAuth({ signedIn: true }).prismaField({
    type: 'Post',
    description: 'Removes the viewer’s like, if any.',
    args: { postId: t.arg.id() },
    resolve: written('Post', (args, ctx) => unlikePost(ctx.app, ctx.viewer.id, args.postId).then(() => args.postId)),
  }),
  addComment: t.withAuth({ signedIn: true }).prismaField({
    type: 'Comment',
    args: { postId: t.arg.id(), content: t.arg.string() },
    resolve: written('Comment', (args, ctx) => addComment(ctx.app, ctx.viewer.id, args.postId, args.content)),
  }),
  followUser: t.withAuth({ signedIn: true }).prismaField({
    type: 'User',
    description: 'Follows a user (idempotent); returns the followed user.',
    args: { userId: t.arg.id() },
    resolve: written('User', (args, ctx) => followUser(ctx.app, ctx.viewer.id, args.userId).then(() => args.userId)),
  }),
  unfollowUser: t.withAuth({ signedIn: true }).prismaField({
    type: 'User',
    description: 'Stops following a user (idempotent); returns that user.',
    args: { userId: t.arg.id() },
    resolve: written('User', (args, ctx) => unfollowUser(ctx.app, ctx.viewer.id, args.userId).then(() => args.userId)),
  }),
}));

builder.subscriptionField('postActivity', (t) =>
  t.field({
    type: PostActivity,
    description: 'Likes and comments of one post, with the counts as of each commit. Public; resumable with `after`.',
    args: { postId: t.arg.id(), after: t.arg.string({ required: false }) },
    subscribe: async (_root, args, ctx, info) => {
      await requirePost(ctx.app, args.postId);
      return handOver(ctx, info, ctx.app.streams.subscribe(Topics.post(args.postId), { after: args.after, client: readerOf(ctx) }));
    },
    resolve: (event) => event as AnyEventOf<'post'>,
  }),
);
