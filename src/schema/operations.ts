/** Operations: `serverStats`, the ADMIN-only `broadcast` and the ADMIN-only `operationsStats` feed. */
import { SAMPLE_INTERVAL_MS, type InstanceStats, type OperationsStats } from '../operations/monitor.js';
import { broadcast, serverStats, type ServerStats } from '../operations/service.js';
import { builder } from './builder.js';

const SubscriptionCount = builder.objectRef<{ kind: string; count: number }>('SubscriptionCount').implement({
  description: 'Open subscriptions of one stream kind on this instance.',
  fields: (t) => ({ kind: t.exposeString('kind'), count: t.exposeInt('count') }),
});

const ServerStatsType = builder.objectRef<ServerStats>('ServerStats').implement({
  description: 'Live figures of the instance that answered.',
  fields: (t) => ({
    instanceId: t.exposeString('instanceId'),
    startedAt: t.expose('startedAt', { type: 'DateTime' }),
    uptimeSeconds: t.exposeInt('uptimeSeconds'),
    openConnections: t.exposeInt('openConnections', { description: 'Open WebSocket connections.' }),
    subscriptions: t.field({
      type: [SubscriptionCount],
      resolve: (s) => s.subscriptions,
      description: 'Active subscriptions by stream kind.',
    }),
    activeSubscriptions: t.int({ resolve: (s) => s.subscriptions.reduce((sum, x) => sum + x.count, 0) }),
    // Internals of the instance: ADMIN only. The counts above are public.
    eventsPublished: t.exposeInt('eventsPublished', {
      authScopes: { admin: true },
      description: 'ADMIN only: stream events this instance published since start.',
    }),
    eventsDelivered: t.exposeInt('eventsDelivered', {
      authScopes: { admin: true },
      description: 'ADMIN only: stream events this instance delivered to subscribers since start.',
    }),
    busKind: t.exposeString('busKind', {
      authScopes: { admin: true },
      description: 'ADMIN only: "memory" (embedded), "redis" (one node) or "redis-cluster" (sharded pub/sub).',
    }),
    busTopics: t.exposeInt('busTopics', {
      authScopes: { admin: true },
      description: 'ADMIN only: bus topics (Redis channels, sharded on a cluster) this instance listens to.',
    }),
  }),
});

builder.queryField('serverStats', (t) => t.field({ type: ServerStatsType, resolve: (_root, _args, ctx) => serverStats(ctx.app) }));

const BroadcastInput = builder.inputType('BroadcastInput', {
  fields: (t) => ({
    userIds: t.idList({ required: false, description: 'Who to notify; omit to notify everyone.' }),
    message: t.string(),
  }),
});

builder.mutationField('broadcast', (t) =>
  t.withAuth({ admin: true }).int({
    description: 'ADMIN only: stores and delivers a BROADCAST notification; returns how many were sent.',
    args: { input: t.arg({ type: BroadcastInput }) },
    resolve: (_root, { input }, ctx) => broadcast(ctx.app, ctx.viewer.id, { userIds: input.userIds, message: input.message }),
  }),
);

const InstanceStatsType = builder.objectRef<InstanceStats>('InstanceStats').implement({
  description: "One instance's figures over its last sampling interval (about a second).",
  fields: (t) => ({
    instanceId: t.exposeString('instanceId'),
    at: t.field({ type: 'DateTime', resolve: (s) => s.at, description: 'When the instance took this sample.' }),
    connections: t.exposeInt('connections', { description: 'Open WebSocket connections.' }),
    subscriptions: t.field({
      type: [SubscriptionCount],
      resolve: (s) => s.subscriptions,
      description: 'Active subscriptions by stream kind.',
    }),
    publishedPerSecond: t.exposeFloat('publishedPerSecond', {
      description: 'Stream events this instance published on the bus, per second.',
    }),
    deliveredPerSecond: t.exposeFloat('deliveredPerSecond', {
      description: 'Stream events this instance delivered to subscribers, per second.',
    }),
    latencyP50Ms: t.exposeFloat('latencyP50Ms', {
      nullable: true,
      description: 'Median commit-to-delivery time of the events delivered; null when none were.',
    }),
    latencyP99Ms: t.exposeFloat('latencyP99Ms', {
      nullable: true,
      description: '99th percentile commit-to-delivery time; null when no event was delivered.',
    }),
    rssBytes: t.float({ resolve: (s) => s.rssBytes, description: 'Resident memory of the instance process, in bytes.' }),
  }),
});

const OperationsStatsType = builder.objectRef<OperationsStats>('OperationsStats').implement({
  description: 'The figures of every live instance, as the answering instance last heard them.',
  fields: (t) => ({
    at: t.field({ type: 'DateTime', resolve: (s) => s.at }),
    instances: t.field({ type: [InstanceStatsType], resolve: (s) => s.instances }),
  }),
});

builder.subscriptionField('operationsStats', (t) =>
  t.field({
    type: OperationsStatsType,
    authScopes: { admin: true },
    description: `ADMIN only: every instance's figures, now and then every ${SAMPLE_INTERVAL_MS / 1000} s (ephemeral: no cursor, no replay).`,
    subscribe: (_root, _args, ctx) => ctx.app.monitor.watch(),
    resolve: (stats) => stats,
  }),
);
