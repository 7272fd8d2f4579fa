/** Operations: admin broadcasts and this instance's live statistics. */
import { badInput } from '../errors.js';
import { notify } from '../notifications/service.js';
import type { Config } from '../config.js';
import type { Connections } from '../presence/connections.js';
import type { PrismaClient } from '../db/index.js';
import type { Streams } from '../streams/index.js';
import type { SubscriptionStats } from '../streams/stats.js';

/** What this module's functions use of the instance's services (context.ts `Services` has them all). */
interface Deps {
  config: Config;
  connections: Connections;
  prisma: PrismaClient;
  startedAt: Date;
  streams: Streams;
  subscriptionStats: SubscriptionStats;
}

const BROADCAST_CHUNK = 500;

/**
 * Stores a BROADCAST notification for each named user (every user when `userIds` is omitted) and
 * delivers it on their notification streams; returns how many were sent. Unknown ids are skipped.
 */
export async function broadcast(
  app: Deps,
  adminId: string,
  input: { userIds?: readonly string[] | null; message: string },
): Promise<number> {
  const message = input.message.trim();
  if (message.length < 1 || message.length > 1000) throw badInput('message', 'The message must be 1-1000 characters.');
  if (input.userIds && input.userIds.length === 0) throw badInput('userIds', 'Name at least one user, or omit userIds to reach everyone.');
  let sent = 0;
  let cursor: string | undefined;
  for (;;) {
    const users = await app.prisma.user.findMany({
      where: input.userIds ? { id: { in: [...new Set(input.userIds)] } } : {},
      select: { id: true },
      orderBy: { id: 'asc' },
      take: BROADCAST_CHUNK,
      ...(cursor ? { cursor: { id: cursor }, skip: 1 } : {}),
    });
    if (users.length === 0) break;
    // A broadcast is addressed by an admin to users, the admin included: it is not "their own action".
    sent += await app.streams.write(async (w) => {
      for (const user of users) {
        await notify(w, { userId: user.id, kind: 'BROADCAST', message, subjectId: adminId });
      }
      return users.length;
    });
    cursor = users[users.length - 1].id;
    if (users.length < BROADCAST_CHUNK) break;
  }
  return sent;
}

export interface ServerStats {
  instanceId: string;
  startedAt: Date;
  uptimeSeconds: number;
  openConnections: number;
  subscriptions: { kind: string; count: number }[];
  eventsPublished: number;
  eventsDelivered: number;
  busKind: string;
  busTopics: number;
}

export function serverStats(app: Deps): ServerStats {
  const streams = app.subscriptionStats.snapshot();
  return {
    instanceId: app.config.instanceId,
    startedAt: app.startedAt,
    uptimeSeconds: Math.floor((Date.now() - app.startedAt.getTime()) / 1000),
    openConnections: app.connections.count,
    subscriptions: Object.entries(streams.active)
      .filter(([, count]) => count > 0)
      .map(([kind, count]) => ({ kind, count })),
    eventsPublished: streams.published,
    eventsDelivered: streams.delivered,
    busKind: app.streams.bus.kind,
    busTopics: app.streams.bus.stats().topics,
  };
}
