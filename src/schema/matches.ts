/** Matches (looking for group) by region: types, the `matches` list, mutations and the `matchFeed` stream. */
import { ApplicationStatus, MatchStatus, Region } from '../generated/prisma/enums.js';
import { acceptApplication, applyToMatch, closeMatch, createVoiceChannel, postMatch } from '../matches/service.js';
import { Topics, type StreamEvent } from '../streams/index.js';
import { builder } from './builder.js';
import { readerOf, viewerIdOf } from './viewer.js';
import { written } from './written.js';
import { readAtCursor, SNAPSHOT_HELP, snapshotOf } from './snapshots.js';
import { entityOf, selectionKey, withId } from './entities.js';
import { LoggedStreamEvent, handOver } from './streams.js';
import { matchFeedCheck } from '../matches/feed-filter.js';

export const RegionEnum = builder.enumType(Region, { name: 'Region' });
const MatchStatusEnum = builder.enumType(MatchStatus, { name: 'MatchStatus' });
const ApplicationStatusEnum = builder.enumType(ApplicationStatus, { name: 'ApplicationStatus' });

builder.prismaObject('Match', {
  fields: (t) => ({
    id: t.exposeID('id'),
    game: t.exposeString('game'),
    region: t.expose('region', { type: RegionEnum }),
    slots: t.exposeInt('slots', { description: 'Players wanted besides the creator.' }),
    openSlots: t.int({ description: 'Slots not yet taken by an accepted player.', resolve: (m) => Math.max(0, m.slots - m.acceptedCount) }),
    mode: t.exposeString('mode', { nullable: true }),
    description: t.exposeString('description', { nullable: true }),
    status: t.expose('status', { type: MatchStatusEnum }),
    creator: t.relation('creator'),
    players: t.prismaField({
      type: ['User'],
      description: 'Accepted players, in the order they applied (the creator is not one of them).',
      resolve: async (query, match, _args, ctx) => {
        const accepted = await ctx.app.prisma.matchApplication.findMany({
          where: { matchId: match.id, status: 'ACCEPTED' },
          orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
          select: { applicant: query },
        });
        return accepted.map((a) => a.applicant);
      },
    }),
    applications: t.prismaField({
      extensions: { viewerDependent: true },
      type: ['MatchApplication'],
      description: "All applications for the creator; the viewer's own for anyone else (none when signed out).",
      resolve: (query, match, _args, ctx) => {
        const viewerId = viewerIdOf(ctx);
        return ctx.app.prisma.matchApplication.findMany({
          ...query,
          where: { matchId: match.id, ...(viewerId === match.creatorId ? {} : { applicantId: viewerId }) },
          orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
        });
      },
    }),
    voiceChannel: t.prismaField({
      extensions: { viewerDependent: true },
      type: 'VoiceChannel',
      nullable: true,
      description: 'The voice channel: visible to the creator and accepted players only (null otherwise).',
      resolve: (query, match, _args, ctx) => {
        const viewerId = viewerIdOf(ctx);
        return ctx.app.prisma.voiceChannel.findFirst({
          ...query,
          where: {
            matchId: match.id,
            match: { OR: [{ creatorId: viewerId }, { applications: { some: { applicantId: viewerId, status: 'ACCEPTED' } } }] },
          },
        });
      },
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
  }),
});

builder.prismaObject('MatchApplication', {
  fields: (t) => ({
    id: t.exposeID('id'),
    match: t.relation('match'),
    applicant: t.relation('applicant'),
    message: t.exposeString('message', { nullable: true }),
    status: t.expose('status', { type: ApplicationStatusEnum }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
  }),
});

builder.prismaObject('VoiceChannel', {
  fields: (t) => ({
    id: t.exposeID('id'),
    match: t.relation('match'),
    inviteUrl: t.exposeString('inviteUrl'),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
  }),
});

const MatchFeedKind = builder.enumType('MatchFeedKind', {
  values: ['POSTED', 'UPDATED', 'CLOSED', 'GAP'] as const,
  description: 'GAP: events were missed (older than what is retained); refetch `matches`.',
});

const MatchFeedEvent = builder.objectRef<StreamEvent<'region'>>('MatchFeedEvent').implement({
  interfaces: [LoggedStreamEvent],
  fields: (t) => ({
    kind: t.field({ type: MatchFeedKind, resolve: (e) => e.kind }),
    match: t.prismaField({
      type: 'Match',
      nullable: true,
      description: 'The match as it is now; null on GAP.',
      resolve: (query, e, _args, ctx) =>
        entityOf(e, {
          key: selectionKey('Match', query),
          idOf: (x) => (x.kind === 'GAP' ? null : x.data.matchId),
          load: (ids) => ctx.app.prisma.match.findMany({ ...withId(query), where: { id: { in: ids } } }),
        }),
    }),
  }),
});

const MatchFilterInput = builder.inputType('MatchFilter', {
  description: 'Which matchFeed events to send (all conditions given must hold): judged from the facts of each event as of its commit.',
  fields: (t) => ({
    games: t.stringList({ required: false, description: 'Only these games (1-20 names, case-insensitive).' }),
    minOpenSlots: t.int({
      required: false,
      description:
        'Only events whose match had at least this many open slots after the change or just before it (0-50): ' +
        'the event that takes a match below the bar still arrives, later ones do not.',
    }),
    kinds: t.field({
      type: [MatchFeedKind],
      required: false,
      description: 'Only these kinds (GAP is always delivered; not allowed here).',
    }),
  }),
});

const PostMatchInput = builder.inputType('PostMatchInput', {
  fields: (t) => ({
    game: t.string(),
    region: t.field({ type: RegionEnum }),
    slots: t.int({ description: 'Players wanted besides you (1-50).' }),
    mode: t.string({ required: false }),
    description: t.string({ required: false }),
  }),
});

builder.queryFields((t) => ({
  matches: t.prismaConnection(
    {
      type: 'Match',
      cursor: 'id',
      description: 'Matches, newest first, optionally of one region and status.',
      args: { region: t.arg({ type: RegionEnum, required: false }), status: t.arg({ type: MatchStatusEnum, required: false }) },
      resolve: async (query, _root, args, ctx) => {
        const read = (db: Pick<typeof ctx.app.prisma, 'match'>) =>
          db.match.findMany({
            ...query,
            where: { ...(args.region ? { region: args.region } : {}), ...(args.status ? { status: args.status } : {}) },
            orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
          });
        if (!args.region) return read(ctx.app.prisma);
        return readAtCursor(ctx, Topics.region(args.region), read, args);
      },
    },
    {
      fields: (c) => ({
        streamCursor: c.string({
          nullable: true,
          description: `\`matchFeed(region)\`: ${SNAPSHOT_HELP} Null without \`region\` (no single stream).`,
          resolve: (connection) => snapshotOf((connection as { args?: object }).args),
        }),
      }),
    },
  ),
  match: t.prismaField({
    type: 'Match',
    nullable: true,
    args: { id: t.arg.id() },
    resolve: (query, _root, args, ctx) => ctx.app.prisma.match.findUnique({ ...query, where: { id: args.id } }),
  }),
}));

builder.mutationFields((t) => ({
  postMatch: t.withAuth({ signedIn: true }).prismaField({
    type: 'Match',
    args: { input: t.arg({ type: PostMatchInput }) },
    resolve: written('Match', ({ input }, ctx) => postMatch(ctx.app, ctx.viewer.id, input)),
  }),
  applyToMatch: t.withAuth({ signedIn: true }).prismaField({
    type: 'MatchApplication',
    description: 'Applies to an open match; its creator is notified (CONNECTION_REQUEST).',
    args: { matchId: t.arg.id(), message: t.arg.string({ required: false }) },
    resolve: written('MatchApplication', (args, ctx) => applyToMatch(ctx.app, ctx.viewer.id, args.matchId, args.message)),
  }),
  acceptApplication: t.withAuth({ signedIn: true }).prismaField({
    type: 'MatchApplication',
    description: 'Creator only: takes one open slot for the applicant (PLAYER_ACCEPTED); the match turns FULL with the last slot.',
    args: { applicationId: t.arg.id() },
    resolve: written('MatchApplication', (args, ctx) => acceptApplication(ctx.app, ctx.viewer.id, args.applicationId)),
  }),
  createVoiceChannel: t.withAuth({ signedIn: true }).prismaField({
    type: 'VoiceChannel',
    description: 'Creator only: opens the voice channel (VOICE_CREATED to every accepted player); again returns the same channel.',
    args: { matchId: t.arg.id() },
    resolve: written('VoiceChannel', (args, ctx) => createVoiceChannel(ctx.app, ctx.viewer.id, args.matchId)),
  }),
  closeMatch: t.withAuth({ signedIn: true }).prismaField({
    type: 'Match',
    description: 'Creator only: closes the match (CLOSED on the feed).',
    args: { matchId: t.arg.id() },
    resolve: written('Match', (args, ctx) => closeMatch(ctx.app, ctx.viewer.id, args.matchId)),
  }),
}));

builder.subscriptionField('matchFeed', (t) =>
  t.field({
    type: MatchFeedEvent,
    description:
      "One region's matches as they are posted, updated and closed. Public; resumable with `after`. `filter` keeps only " +
      'the events wanted (decided on the server before anything is sent; GAP always comes).',
    args: {
      region: t.arg({ type: RegionEnum }),
      filter: t.arg({ type: MatchFilterInput, required: false }),
      after: t.arg.string({ required: false }),
    },
    subscribe: (_root, args, ctx, info) => {
      const check = matchFeedCheck(args.filter) ?? undefined;
      return handOver(
        ctx,
        info,
        ctx.app.streams.subscribe(Topics.region(args.region), { after: args.after, check, client: readerOf(ctx) }),
      );
    },
    resolve: (event) => event as StreamEvent<'region'>,
  }),
);
