/** Presence: the `presence(userIds)` subscription (ephemeral: no cursor, no replay). */
import type { PresenceUpdate } from '../presence/feed.js';
import { MAX_WATCHED_USERS, watchPresence } from '../presence/service.js';
import { builder } from './builder.js';

const PresenceStatus = builder.enumType('PresenceStatus', { values: ['ONLINE', 'OFFLINE'] as const });

const PresenceEvent = builder.objectRef<PresenceUpdate>('PresenceEvent').implement({
  fields: (t) => ({
    user: t.prismaField({
      type: 'User',
      resolve: (query, update, _args, ctx) => ctx.app.prisma.user.findUniqueOrThrow({ ...query, where: { id: update.userId } }),
    }),
    status: t.field({ type: PresenceStatus, resolve: (update) => update.status }),
    at: t.field({ type: 'DateTime', resolve: (update) => update.at }),
  }),
});

builder.subscriptionField('presence', (t) =>
  t.withAuth({ signedIn: true }).field({
    type: PresenceEvent,
    description: `The current status of each user (at most ${MAX_WATCHED_USERS}), then ONLINE / OFFLINE changes. A user is online while one of their connections is open on any instance.`,
    args: { userIds: t.arg.idList() },
    subscribe: (_root, args, ctx) => watchPresence(ctx.app, args.userIds),
    resolve: (update) => update,
  }),
);
