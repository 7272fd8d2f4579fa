/**
 * Chat: group and direct conversations, membership, messages with safe retries.
 *
 * Every change to a conversation (send, join, add, leave) first takes the conversation's row lock,
 * so membership checks and changes are ordered: a message is never stored after its sender's
 * MEMBER_LEFT, and message times strictly increase in the same order as the stream's seq.
 *
 * The lock, membership checks and adding members: chat/membership.ts.
 */
import type { PrismaClient, Tx } from '../db/index.js';
import { badInput, conflict, forbidden, notFound } from '../errors.js';
import type { Conversation, ConversationKind, Message } from '../generated/prisma/client.js';
import { Topics, type AnyEventOf, type Verdict } from '../streams/index.js';
import { addToConversation, existingUsers, isMember, lockConversation } from './membership.js';
import type { Streams } from '../streams/index.js';
import type { TypingIndicators } from './typing.js';

/** What this module's functions use of the instance's services (context.ts `Services` has them all). */
interface Deps {
  prisma: PrismaClient;
  streams: Streams;
  typing: TypingIndicators;
}

const MAX_MESSAGE_LENGTH = 4000;
const MAX_TITLE_LENGTH = 100;
const MAX_CLIENT_MESSAGE_ID_LENGTH = 128;

/** NOT_FOUND for an unknown conversation, FORBIDDEN for a non-member; for reads and subscribe. */
export async function assertMember(prisma: PrismaClient, conversationId: string, userId: string): Promise<void> {
  const conversation = await prisma.conversation.findUnique({
    where: { id: conversationId },
    select: { members: { where: { userId }, select: { userId: true } } },
  });
  if (!conversation) throw notFound('Conversation', conversationId);
  if (conversation.members.length === 0) throw forbidden('Only members of this conversation can do this.');
}

export interface CreateConversationInput {
  kind: ConversationKind;
  title?: string | null;
  memberIds: readonly string[];
  isPrivate?: boolean | null;
}

/**
 * Creates a GROUP (the caller and `memberIds`), or returns the DIRECT conversation of the caller and
 * the one other member, creating it only if the pair has none. Unknown member ids are NOT_FOUND.
 */
export async function createConversation(app: Deps, viewerId: string, input: CreateConversationInput): Promise<Conversation> {
  if (input.kind === 'DIRECT') return directConversation(app, viewerId, input);
  const title = input.title?.trim() ?? '';
  if (title.length < 1 || [...title].length > MAX_TITLE_LENGTH) {
    throw badInput('title', `A group needs a title of 1-${MAX_TITLE_LENGTH} characters.`);
  }
  // Nobody can be subscribed to a conversation that does not exist yet, so its first members are
  // stored without MEMBER_JOINED events.
  return app.prisma.$transaction(async (tx) => {
    const others = await existingUsers(tx as Tx, input.memberIds, 'memberIds');
    return tx.conversation.create({
      data: {
        kind: 'GROUP',
        title,
        isPrivate: input.isPrivate ?? false,
        members: { create: [...new Set([viewerId, ...others])].map((userId) => ({ userId })) },
      },
    });
  });
}

async function directConversation(app: Deps, viewerId: string, input: CreateConversationInput): Promise<Conversation> {
  if (input.title != null) throw badInput('title', 'A direct conversation has no title.');
  if (input.isPrivate === false) throw badInput('isPrivate', 'A direct conversation is always private.');
  const memberIds = [...new Set([viewerId, ...input.memberIds])].sort();
  if (memberIds.length !== 2) {
    throw badInput('memberIds', 'A direct conversation has exactly two members: you and one other user.');
  }
  const directKey = memberIds.join(':');
  const existing = await app.prisma.conversation.findUnique({ where: { directKey } });
  if (existing) return existing;
  return app.prisma.$transaction(async (tx) => {
    await existingUsers(tx as Tx, memberIds, 'memberIds');
    // ON CONFLICT DO NOTHING: when two requests create the same pair at once, the second waits for
    // the first to commit, inserts nothing, and then reads the first one's conversation.
    const [created] = await tx.conversation.createManyAndReturn({
      data: [{ kind: 'DIRECT', isPrivate: true, directKey }],
      skipDuplicates: true,
    });
    if (!created) return tx.conversation.findUniqueOrThrow({ where: { directKey } });
    await tx.conversationMember.createMany({ data: memberIds.map((userId) => ({ conversationId: created.id, userId })) });
    return created;
  });
}

/** Joins a public GROUP (a no-op for a member); private groups and direct conversations are FORBIDDEN. */
export async function joinConversation(app: Deps, viewerId: string, conversationId: string): Promise<void> {
  await app.streams.write(async (w) => {
    const conversation = await lockConversation(w.tx, conversationId);
    if (await isMember(w.tx, conversationId, viewerId)) return;
    if (conversation.kind !== 'GROUP' || conversation.isPrivate) {
      throw forbidden('This conversation is private: a member has to add you.');
    }
    await addToConversation(w, conversationId, [viewerId]);
  });
}

/** A member of a GROUP adds users (members already in it are skipped); one MEMBER_JOINED each. */
export async function addMembers(app: Deps, viewerId: string, conversationId: string, userIds: readonly string[]): Promise<void> {
  if (userIds.length === 0) throw badInput('userIds', 'Name at least one user to add.');
  await app.streams.write(async (w) => {
    const conversation = await lockConversation(w.tx, conversationId);
    if (!(await isMember(w.tx, conversationId, viewerId))) throw forbidden('Only members of this conversation can add members.');
    if (conversation.kind !== 'GROUP') throw badInput('conversationId', 'Members can only be added to a group.');
    await addToConversation(w, conversationId, await existingUsers(w.tx, userIds, 'userIds'));
  });
}

/** Leaves a GROUP and appends MEMBER_LEFT; false (nothing changes) when the viewer was not a member. */
export async function leaveConversation(app: Deps, viewerId: string, conversationId: string): Promise<boolean> {
  return app.streams.write(async (w) => {
    const conversation = await lockConversation(w.tx, conversationId);
    // Outsiders learn nothing about a private conversation (not even its kind), as everywhere else in chat.
    if (conversation.isPrivate && (await w.tx.conversationMember.count({ where: { conversationId, userId: viewerId } })) === 0)
      throw forbidden();
    if (conversation.kind !== 'GROUP') throw badInput('conversationId', 'A direct conversation cannot be left.');
    const { count } = await w.tx.conversationMember.deleteMany({ where: { conversationId, userId: viewerId } });
    if (count === 0) return false;
    await w.append(Topics.conversation(conversationId), 'MEMBER_LEFT', { userId: viewerId });
    return true;
  });
}

export interface SendMessageInput {
  conversationId: string;
  text: string;
  clientMessageId?: string | null;
}

/** The first message a sender stored under a clientMessageId; CONFLICT when it was for another conversation. */
function retried(message: Message, conversationId: string): Message {
  if (message.conversationId !== conversationId) {
    throw conflict('This clientMessageId was already used for a message in another conversation.');
  }
  return message;
}

/**
 * Stores a message from a member and appends MESSAGE in the same transaction (published after
 * commit). The same clientMessageId from the same sender returns the first message and appends
 * nothing, also when both requests race: the unique (senderId, clientMessageId) decides.
 */
export async function sendMessage(app: Deps, viewerId: string, input: SendMessageInput): Promise<Message> {
  const text = input.text.trim();
  if (text.length === 0) throw badInput('text', 'A message cannot be empty.');
  if ([...text].length > MAX_MESSAGE_LENGTH) throw badInput('text', `A message can have at most ${MAX_MESSAGE_LENGTH} characters.`);
  const clientMessageId = input.clientMessageId ?? null;
  if (clientMessageId !== null && (clientMessageId.length < 1 || clientMessageId.length > MAX_CLIENT_MESSAGE_ID_LENGTH)) {
    throw badInput('clientMessageId', `A clientMessageId has 1-${MAX_CLIENT_MESSAGE_ID_LENGTH} characters.`);
  }
  const byClientId = clientMessageId === null ? null : { senderId_clientMessageId: { senderId: viewerId, clientMessageId } };
  if (byClientId) {
    // A retry of a message that is already stored: answer without taking any lock.
    // Another conversation's id falls through to the checks below, so an unknown or foreign
    // conversation is NOT_FOUND / FORBIDDEN before it can be a CONFLICT.
    const first = await app.prisma.message.findUnique({ where: byClientId });
    if (first?.conversationId === input.conversationId) return first;
  }
  return app.streams.write(async (w) => {
    const conversation = await lockConversation(w.tx, input.conversationId);
    if (!(await isMember(w.tx, conversation.id, viewerId))) throw forbidden('Only members of this conversation can send messages.');
    // Under the lock, times strictly increase per conversation, so history order = stream order
    // even when instances' clocks differ (and timestamps have millisecond precision).
    const createdAt = new Date(Math.max(Date.now(), conversation.lastMessageAt.getTime() + 1));
    // ON CONFLICT DO NOTHING, not a caught unique violation: that would abort the transaction.
    const [message] = await w.tx.message.createManyAndReturn({
      data: [{ conversationId: conversation.id, senderId: viewerId, text, clientMessageId, createdAt }],
      skipDuplicates: true,
    });
    if (!message) return retried(await w.tx.message.findUniqueOrThrow({ where: byClientId! }), conversation.id);
    await w.tx.conversation.update({ where: { id: conversation.id }, data: { lastMessageAt: createdAt } });
    await w.append(Topics.conversation(conversation.id), 'MESSAGE', { messageId: message.id });
    return message;
  });
}

/** Marks everything in the conversation read for the viewer (members only). */
export async function markConversationRead(app: Deps, viewerId: string, conversationId: string): Promise<void> {
  const conversation = await app.prisma.conversation.findUnique({ where: { id: conversationId }, select: { lastMessageAt: true } });
  if (!conversation) throw notFound('Conversation', conversationId);
  // Message times never exceed lastMessageAt (see sendMessage), so this covers every message so far.
  const { count } = await app.prisma.conversationMember.updateMany({
    where: { conversationId, userId: viewerId },
    data: { lastReadAt: conversation.lastMessageAt },
  });
  if (count === 0) throw forbidden('Only members of this conversation can do this.');
}

/** Messages from others after the viewer's read marker (all of them when there is none); 0 for non-members. */
export async function unreadCount(prisma: PrismaClient, viewerId: string, conversationId: string): Promise<number> {
  const [row] = await prisma.$queryRaw<{ n: number }[]>`
    SELECT count(*)::int AS "n"
    FROM "Message" msg
    JOIN "ConversationMember" m ON m."conversationId" = msg."conversationId" AND m."userId" = ${viewerId}
    WHERE msg."conversationId" = ${conversationId} AND msg."senderId" <> ${viewerId}
      AND (m."lastReadAt" IS NULL OR msg."createdAt" > m."lastReadAt")`;
  return Number(row?.n ?? 0);
}

/** Signals that the viewer started or stopped typing (members only); nothing is stored. */
export async function setTyping(app: Deps, viewerId: string, conversationId: string, isTyping: boolean): Promise<void> {
  await assertMember(app.prisma, conversationId, viewerId);
  await app.typing.set(conversationId, viewerId, isTyping);
}

/**
 * The viewer's iterator over `conversation:<id>` (members only: NOT_FOUND, FORBIDDEN). Authorization
 * holds at every event, not only at subscribe time: the stream ends, without delivering anything
 * more, once the viewer is no longer a member. The viewer's membership changes only by their own
 * MEMBER_JOINED / MEMBER_LEFT, appended in the change's transaction, so membership is read from the
 * database only at the first event (closing the race with a leave between the check above and the
 * subscription's start) and at those events, never per message. The typist's own TYPING is skipped.
 */
export async function conversationEvents(app: Deps, viewerId: string, conversationId: string, after?: string | null) {
  await assertMember(app.prisma, conversationId, viewerId);
  let verified = false;
  const check = async (e: AnyEventOf<'conversation'>): Promise<Verdict> => {
    if (e.kind === 'TYPING' && e.data.userId === viewerId) return 'skip';
    const own = (e.kind === 'MEMBER_JOINED' || e.kind === 'MEMBER_LEFT') && e.data.userId === viewerId;
    if (!verified || own) {
      // A replayed MEMBER_LEFT of a viewer who has rejoined since is history, not the end.
      if (!(await isMember(app.prisma, conversationId, viewerId))) return 'end';
      verified = true;
    }
    return 'deliver';
  };
  return app.streams.subscribe(Topics.conversation(conversationId), { after, check, client: `user:${viewerId}` });
}
