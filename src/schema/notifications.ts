/** Notifications: the stored list, `markNotificationsRead`, and the viewer's live `notifications` stream. */
import { NotificationKind } from '../generated/prisma/enums.js';
import { markRead, notificationKindsCheck } from '../notifications/service.js';
import { Topics, type StreamEvent } from '../streams/index.js';
import type { Tx } from '../db/index.js';
import { builder } from './builder.js';
import { readAtCursor, SNAPSHOT_HELP, snapshotOf } from './snapshots.js';
import { entityOf, selectionKey, withId } from './entities.js';
import { LoggedStreamEvent, handOver } from './streams.js';
import { readerOf, viewerIdOf } from './viewer.js';

const NotificationKindEnum = builder.enumType('NotificationKind', {
  values: [...Object.values(NotificationKind), 'GAP'] as const,
  description: 'What a notification is about. GAP (stream only): events were missed; refetch the list.',
});

builder.prismaObject('Notification', {
  fields: (t) => ({
    id: t.exposeID('id'),
    kind: t.expose('kind', { type: NotificationKindEnum }),
    message: t.exposeString('message'),
    actor: t.relation('actor', { nullable: true }),
    subjectId: t.exposeID('subjectId', { nullable: true }),
    read: t.exposeBoolean('read'),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
  }),
});

const NotificationEvent = builder.objectRef<StreamEvent<'user'>>('NotificationEvent').implement({
  interfaces: [LoggedStreamEvent],
  fields: (t) => ({
    kind: t.field({ type: NotificationKindEnum, resolve: (e) => (e.kind === 'GAP' ? 'GAP' : e.data.kind) }),
    notification: t.prismaField({
      type: 'Notification',
      nullable: true,
      // Loaded for the viewer (a notification is its recipient's only): never shared across viewers.
      extensions: { viewerDependent: true },
      resolve: (query, e, _args, ctx) => {
        const viewerId = viewerIdOf(ctx);
        return entityOf(e, {
          key: selectionKey('Notification', query, viewerId),
          idOf: (x) => (x.kind === 'GAP' ? null : x.data.notificationId),
          load: (ids) => ctx.app.prisma.notification.findMany({ ...withId(query), where: { id: { in: ids }, userId: viewerId } }),
        });
      },
    }),
  }),
});

builder.queryField('notifications', (t) =>
  t.withAuth({ signedIn: true }).prismaConnection(
    {
      type: 'Notification',
      cursor: 'id',
      description: "The viewer's notifications, newest first.",
      args: { unreadOnly: t.arg.boolean({ required: false }) },
      resolve: async (query, _root, args, ctx) => {
        const userId = ctx.viewer.id;
        const read = (tx: Tx) =>
          tx.notification.findMany({
            ...query,
            where: { userId, ...(args.unreadOnly ? { read: false } : {}) },
            orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
          });
        return readAtCursor(ctx, Topics.user(userId), read, args);
      },
    },
    {
      fields: (c) => ({
        streamCursor: c.string({
          nullable: true,
          description: `\`notifications\` subscription: ${SNAPSHOT_HELP}`,
          resolve: (connection) => snapshotOf((connection as { args?: object }).args),
        }),
      }),
    },
  ),
);

builder.mutationField('markNotificationsRead', (t) =>
  t.withAuth({ signedIn: true }).int({
    description: "Marks the viewer's notifications read (all when `ids` is omitted); returns how many changed.",
    args: { ids: t.arg.idList({ required: false }) },
    resolve: (_root, args, ctx) => markRead(ctx.app.prisma, ctx.viewer.id, args.ids),
  }),
);

builder.subscriptionField('notifications', (t) =>
  t.withAuth({ signedIn: true }).field({
    type: NotificationEvent,
    description:
      "The viewer's notifications as they are created. Resumable with `after`. `kinds` keeps only those kinds " +
      '(decided on the server before anything is sent; GAP always comes).',
    args: {
      kinds: t.arg({ type: [NotificationKindEnum], required: false }),
      after: t.arg.string({ required: false }),
    },
    subscribe: (_root, args, ctx, info) => {
      const check = notificationKindsCheck(args.kinds) ?? undefined;
      return handOver(
        ctx,
        info,
        ctx.app.streams.subscribe(Topics.user(ctx.viewer.id), { after: args.after, check, client: readerOf(ctx) }),
      );
    },
    resolve: (event) => event as StreamEvent<'user'>,
  }),
);
