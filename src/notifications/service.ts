/**
 * Notifications: stored per user and appended to the user's stream (`user:<id>`) in the same
 * transaction as the change that caused them. Every domain notifies through `notify`.
 */
import type { PrismaClient } from '../db/index.js';
import type { Notification, NotificationKind } from '../generated/prisma/client.js';
import { badInput } from '../errors.js';
import { Topics, type AnyEventOf, type Verdict, type Writer } from '../streams/index.js';

export interface NotifyInput {
  userId: string;
  kind: NotificationKind;
  message: string;
  actorId?: string | null;
  subjectId?: string | null;
  /** Do not notify again while an unread notification of the same kind, actor and subject exists. */
  onceWhileUnread?: boolean;
}

/**
 * Stores a notification and appends it to the recipient's stream. Returns null, and stores nothing,
 * when the recipient is the actor (nobody is notified of their own action) or when `onceWhileUnread`
 * finds an unread one already.
 */
export async function notify(w: Writer, input: NotifyInput): Promise<Notification | null> {
  if (input.actorId && input.actorId === input.userId) return null;
  if (input.onceWhileUnread) {
    const existing = await w.tx.notification.findFirst({
      where: { userId: input.userId, kind: input.kind, actorId: input.actorId ?? null, subjectId: input.subjectId ?? null, read: false },
      select: { id: true },
    });
    if (existing) return null;
  }
  const notification = await w.tx.notification.create({
    data: {
      userId: input.userId,
      kind: input.kind,
      message: input.message,
      actorId: input.actorId ?? null,
      subjectId: input.subjectId ?? null,
    },
  });
  await w.append(Topics.user(input.userId), 'NOTIFICATION', { notificationId: notification.id, kind: notification.kind });
  return notification;
}

/** Marks the viewer's notifications read (all unread ones when `ids` is omitted); returns how many changed. */
export async function markRead(prisma: PrismaClient, userId: string, ids?: readonly string[] | null): Promise<number> {
  const { count } = await prisma.notification.updateMany({
    where: { userId, read: false, ...(ids ? { id: { in: [...ids] } } : {}) },
    data: { read: true },
  });
  return count;
}

/**
 * The `notifications(kinds)` filter: only events of these kinds reach the subscriber (GAP always
 * does); null when every kind is wanted. BAD_USER_INPUT for an empty list or GAP.
 */
export function notificationKindsCheck(kinds: readonly string[] | null | undefined): ((event: AnyEventOf<'user'>) => Verdict) | null {
  if (!kinds) return null;
  if (kinds.length === 0) throw badInput('kinds', 'Name at least one kind (or leave kinds out).');
  if (kinds.includes('GAP')) throw badInput('kinds', 'GAP is always delivered; name notification kinds only.');
  const wanted = new Set(kinds);
  return (event) => (event.kind === 'GAP' || wanted.has(event.data.kind) ? 'deliver' : 'skip');
}
