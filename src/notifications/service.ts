/**
 * Notifications: stored per user and appended to the user's stream (`user:<id>`) in the same
 * transaction as the change that caused them. Every domain notifies through `notify`.
 */
import type { PrismaClient } from '../db/index.js';
import type { Notification, NotificationKind } from '../generated/prisma/client.js';
import { Topics, type Writer } from '../streams/index.js';

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
