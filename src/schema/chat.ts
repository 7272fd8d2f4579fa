/** Chat: conversations, messages, membership, typing, and the `conversationEvents` stream. */
import type { Context } from '../context.js';
import * as chat from '../chat/service.js';
import { ConversationKind } from '../generated/prisma/enums.js';
import { Topics, type AnyEventOf } from '../streams/index.js';
import { builder } from './builder.js';
import { viewerIdOf } from './viewer.js';
import { written } from './written.js';
import { readAtCursor, SNAPSHOT_HELP, snapshotOf } from './snapshots.js';
import { entityOf, selectionKey, withId } from './entities.js';
import { MixedStreamEvent, handOver } from './streams.js';
import { UserType } from './users.js';

const ConversationKindEnum = builder.enumType(ConversationKind, { name: 'ConversationKind' });

const ConversationEventKind = builder.enumType('ConversationEventKind', {
  values: ['MESSAGE', 'MEMBER_JOINED', 'MEMBER_LEFT', 'TYPING', 'GAP'] as const,
  description: 'TYPING is ephemeral (cursor null, never replayed). GAP: events were missed; refetch the history.',
});

/** Is the viewer a member? One batched lookup per request however many fields ask (schema/loaders.ts). */
const viewerIsMember = (ctx: Context, conversationId: string): Promise<boolean> => ctx.loaders.membership.load(conversationId);

/** Records conversations the viewer is known to be a member of, sparing the lookup. */
function knownMember<T extends { id: string }>(ctx: Context, conversations: T[]): T[] {
  for (const c of conversations) ctx.loaders.membership.prime(c.id, true);
  return conversations;
}

const membersOnly = (conversation: { id: string }, _args: unknown, ctx: Context) => viewerIsMember(ctx, conversation.id);

const MessageType = builder.prismaObject('Message', {
  fields: (t) => ({
    id: t.exposeID('id'),
    text: t.exposeString('text'),
    sender: t.relation('sender'),
    clientMessageId: t.exposeString('clientMessageId', { nullable: true }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
  }),
});

builder.prismaObject('Conversation', {
  fields: (t) => ({
    id: t.exposeID('id'),
    kind: t.expose('kind', { type: ConversationKindEnum }),
    title: t.exposeString('title', { nullable: true }),
    isPrivate: t.exposeBoolean('isPrivate'),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    lastMessageAt: t.expose('lastMessageAt', {
      type: 'DateTime',
      description: 'When the last message was sent (creation time before any).',
    }),
    memberCount: t.relationCount('members'),
    eventsCursor: t.string({
      nullable: true,
      description: `\`conversationEvents\`: ${SNAPSHOT_HELP}`,
      resolve: (c) => snapshotOf(c),
    }),
    viewerIsMember: t.boolean({ extensions: { viewerDependent: true }, resolve: (c, _args, ctx) => viewerIsMember(ctx, c.id) }),
    members: t.field({
      type: [UserType],
      description: 'Members only (FORBIDDEN otherwise), in the order they joined.',
      authScopes: membersOnly,
      select: (_args, _ctx, nestedSelection) => ({
        members: { orderBy: [{ joinedAt: 'asc' }, { userId: 'asc' }], select: { user: nestedSelection(true) } },
      }),
      resolve: (c) => c.members.map((m) => m.user),
    }),
    messages: t.relatedConnection('messages', {
      cursor: 'id',
      description: 'Members only. Oldest first: `last: n` is the newest n, `before: startCursor` pages back.',
      authScopes: membersOnly,
      query: { orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] },
    }),
    lastMessage: t.field({
      type: MessageType,
      nullable: true,
      authScopes: membersOnly,
      select: (_args, _ctx, nestedSelection) => ({
        messages: nestedSelection({ take: 1, orderBy: [{ createdAt: 'desc' }, { id: 'desc' }] }),
      }),
      resolve: (c) => c.messages[0] ?? null,
    }),
    unreadCount: t.int({
      extensions: { viewerDependent: true },
      description: "Messages from others since the viewer's markConversationRead (0 for non-members).",
      resolve: (c, _args, ctx) => chat.unreadCount(ctx.app.prisma, viewerIdOf(ctx), c.id),
    }),
  }),
});

const ConversationEvent = builder.objectRef<AnyEventOf<'conversation'>>('ConversationEvent').implement({
  interfaces: [MixedStreamEvent],
  fields: (t) => ({
    kind: t.field({ type: ConversationEventKind, resolve: (e) => e.kind }),
    message: t.prismaField({
      type: 'Message',
      nullable: true,
      resolve: (query, e, _args, ctx) =>
        entityOf(e, {
          key: selectionKey('Message', query),
          idOf: (x) => (x.kind === 'MESSAGE' ? x.data.messageId : null),
          load: (ids) =>
            ctx.app.prisma.message.findMany({ ...withId(query), where: { id: { in: ids }, conversationId: conversationIdOf(e) } }),
        }),
    }),
    member: t.prismaField({
      type: 'User',
      nullable: true,
      description: 'Who joined, left or is typing.',
      resolve: (query, e, _args, ctx) =>
        entityOf(e, {
          key: selectionKey('User', query),
          idOf: (x) => (x.kind === 'MEMBER_JOINED' || x.kind === 'MEMBER_LEFT' || x.kind === 'TYPING' ? x.data.userId : null),
          load: (ids) => ctx.app.prisma.user.findMany({ ...withId(query), where: { id: { in: ids } } }),
        }),
    }),
    isTyping: t.boolean({ nullable: true, resolve: (e) => (e.kind === 'TYPING' ? e.data.isTyping : null) }),
  }),
});

function conversationIdOf(e: { topic: string }): string {
  return e.topic.slice('conversation:'.length);
}

/** No entity for this kind of event. Consumes Pothos's query, whose unused-query check would warn on every such event. */
const CreateConversationInput = builder.inputType('CreateConversationInput', {
  fields: (t) => ({
    kind: t.field({ type: ConversationKindEnum }),
    title: t.string({ required: false, description: 'GROUP: required, 1-100 characters. DIRECT: none.' }),
    memberIds: t.idList({ description: 'Who else is in it (the caller always is). DIRECT: the one other user.' }),
    isPrivate: t.boolean({ required: false, description: 'GROUP: private groups are joined only by being added (default false).' }),
  }),
});

builder.queryFields((t) => ({
  conversation: t.withAuth({ signedIn: true }).prismaField({
    type: 'Conversation',
    description: 'Members only (FORBIDDEN otherwise).',
    args: { id: t.arg.id() },
    resolve: async (query, _root, args, ctx) => {
      const id = args.id;
      await chat.assertMember(ctx.app.prisma, id, ctx.viewer.id);
      const conversation = await readAtCursor(ctx, Topics.conversation(id), (tx) =>
        tx.conversation.findUniqueOrThrow({ ...query, where: { id } }),
      );
      return knownMember(ctx, [conversation])[0];
    },
  }),
  conversations: t.withAuth({ signedIn: true }).prismaConnection({
    type: 'Conversation',
    cursor: 'id',
    description: "The viewer's conversations, most recently active first.",
    resolve: async (query, _root, _args, ctx) =>
      knownMember(
        ctx,
        await ctx.app.prisma.conversation.findMany({
          ...query,
          where: { members: { some: { userId: ctx.viewer.id } } },
          orderBy: [{ lastMessageAt: 'desc' }, { id: 'desc' }],
        }),
      ),
  }),
  publicConversations: t.withAuth({ signedIn: true }).prismaConnection({
    type: 'Conversation',
    cursor: 'id',
    description: 'Public groups anyone signed in can join, most recently active first.',
    resolve: (query, _root, _args, ctx) =>
      ctx.app.prisma.conversation.findMany({
        ...query,
        where: { kind: 'GROUP', isPrivate: false },
        orderBy: [{ lastMessageAt: 'desc' }, { id: 'desc' }],
      }),
  }),
}));

builder.mutationFields((t) => ({
  createConversation: t.withAuth({ signedIn: true }).prismaField({
    type: 'Conversation',
    description: 'A DIRECT conversation of the same two users is returned, not created again.',
    args: { input: t.arg({ type: CreateConversationInput }) },
    resolve: written('Conversation', ({ input }, ctx) =>
      chat.createConversation(ctx.app, ctx.viewer.id, { ...input, memberIds: input.memberIds }),
    ),
  }),
  joinConversation: t.withAuth({ signedIn: true }).prismaField({
    type: 'Conversation',
    description: 'Joins a public group (FORBIDDEN for private groups and direct conversations).',
    args: { conversationId: t.arg.id() },
    resolve: written('Conversation', (args, ctx) =>
      chat.joinConversation(ctx.app, ctx.viewer.id, args.conversationId).then(() => args.conversationId),
    ),
  }),
  addMembers: t.withAuth({ signedIn: true }).prismaField({
    type: 'Conversation',
    description: 'A member of a group adds users to it.',
    args: { conversationId: t.arg.id(), userIds: t.arg.idList() },
    resolve: written('Conversation', (args, ctx) =>
      chat.addMembers(ctx.app, ctx.viewer.id, args.conversationId, args.userIds).then(() => args.conversationId),
    ),
  }),
  leaveConversation: t.withAuth({ signedIn: true }).boolean({
    description: 'Leaves a group: true when the viewer left, false when they were not a member.',
    args: { conversationId: t.arg.id() },
    resolve: (_root, args, ctx) => chat.leaveConversation(ctx.app, ctx.viewer.id, args.conversationId),
  }),
  sendMessage: t.withAuth({ signedIn: true }).prismaField({
    type: 'Message',
    description:
      'Members only; 1-4000 characters after trimming. A retry with the same clientMessageId returns the first message ' +
      '(CONFLICT if that id was used in another conversation).',
    args: { conversationId: t.arg.id(), text: t.arg.string(), clientMessageId: t.arg.string({ required: false }) },
    resolve: written('Message', (args, ctx) =>
      chat.sendMessage(ctx.app, ctx.viewer.id, {
        conversationId: args.conversationId,
        text: args.text,
        clientMessageId: args.clientMessageId,
      }),
    ),
  }),
  setTyping: t.withAuth({ signedIn: true }).boolean({
    description: 'Ephemeral: tells the other members; ends by itself unless renewed within a few seconds.',
    args: { conversationId: t.arg.id(), isTyping: t.arg.boolean() },
    resolve: async (_root, args, ctx) => {
      await chat.setTyping(ctx.app, ctx.viewer.id, args.conversationId, args.isTyping);
      return true;
    },
  }),
  markConversationRead: t.withAuth({ signedIn: true }).prismaField({
    type: 'Conversation',
    description: "Members only: sets the viewer's read marker after the last message (unreadCount becomes 0).",
    args: { conversationId: t.arg.id() },
    resolve: written('Conversation', (args, ctx) =>
      chat.markConversationRead(ctx.app, ctx.viewer.id, args.conversationId).then(() => args.conversationId),
    ),
  }),
}));

builder.subscriptionField('conversationEvents', (t) =>
  t.withAuth({ signedIn: true }).field({
    type: ConversationEvent,
    description:
      'Members only. MESSAGE / MEMBER_JOINED / MEMBER_LEFT are resumable with `after`; TYPING is live only and not ' +
      'sent to the typist. Ends (completes) when the viewer leaves.',
    args: { conversationId: t.arg.id(), after: t.arg.string({ required: false }) },
    subscribe: (_root, args, ctx, info) =>
      handOver(ctx, info, chat.conversationEvents(ctx.app, ctx.viewer.id, args.conversationId, args.after)),
    resolve: (event) => event as AnyEventOf<'conversation'>,
  }),
);
