// Who is in a conversation: the row lock every change takes first, membership checks, and adding members (one MEMBER_JOINED each).
import type { PrismaClient, Tx } from '../db/index.js';
import { badInput, notFound } from '../errors.js';
import type { ConversationKind } from '../generated/prisma/client.js';
import { Topics, type Writer } from '../streams/index.js';

/** Members named in one createConversation / addMembers call. */
const MAX_MEMBERS_PER_CALL = 100;

interface LockedConversation {
  id: string;
  kind: ConversationKind;
  isPrivate: boolean;
  lastMessageAt: Date;
}

/** Locks the conversation row until the transaction ends; NOT_FOUND when there is none. */
export async function lockConversation(tx: Tx, conversationId: string): Promise<LockedConversation> {
  const [row] = await tx.$queryRaw<LockedConversation[]>`
    SELECT "id", "kind"::text AS "kind", "isPrivate", "lastMessageAt"
    FROM "Conversation" WHERE "id" = ${conversationId} FOR UPDATE`;
  if (!row) throw notFound('Conversation', conversationId);
  return { ...row, lastMessageAt: new Date(row.lastMessageAt) };
}

/** true when the user is a member of the conversation. */
export async function isMember(db: PrismaClient | Tx, conversationId: string, userId: string): Promise<boolean> {
  const row = await db.conversationMember.findUnique({
    where: { conversationId_userId: { conversationId, userId } },
    select: { userId: true },
  });
  return row !== null;
}

/** Which of `conversationIds` the user is a member of, in one query. */
export async function memberships(db: PrismaClient | Tx, userId: string, conversationIds: readonly string[]): Promise<Set<string>> {
  const rows = await db.conversationMember.findMany({
    where: { userId, conversationId: { in: [...conversationIds] } },
    select: { conversationId: true },
  });
  return new Set(rows.map((row) => row.conversationId));
}

/** The distinct ids, NOT_FOUND naming the first that is no user. */
export async function existingUsers(tx: Tx, ids: readonly string[], field: string): Promise<string[]> {
  const unique = [...new Set(ids)];
  if (unique.length > MAX_MEMBERS_PER_CALL) throw badInput(field, `Name at most ${MAX_MEMBERS_PER_CALL} users at once.`);
  const found = new Set((await tx.user.findMany({ where: { id: { in: unique } }, select: { id: true } })).map((u) => u.id));
  const missing = unique.find((id) => !found.has(id));
  if (missing !== undefined) throw notFound('User', missing);
  return unique;
}

/** Adds the users not yet members and appends one MEMBER_JOINED per new member; returns the new ones. */
export async function addToConversation(w: Writer, conversationId: string, userIds: readonly string[]): Promise<string[]> {
  const added = await w.tx.conversationMember.createManyAndReturn({
    data: userIds.map((userId) => ({ conversationId, userId })),
    skipDuplicates: true,
    select: { userId: true },
  });
  for (const { userId } of added) await w.append(Topics.conversation(conversationId), 'MEMBER_JOINED', { userId });
  return added.map((m) => m.userId);
}
