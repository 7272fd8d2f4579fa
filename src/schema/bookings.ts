/** Bookings: `Event`, `Booking`, their queries and mutations, and the public `seatUpdates` stream. */
import { bookSeats } from '../bookings/group-commit.js';
import { assertEventExists, cancelBooking, createEvent, updateEventCapacity } from '../bookings/service.js';
import { notFound } from '../errors.js';
import { BookingStatus } from '../generated/prisma/enums.js';
import { Topics, type AnyEventOf } from '../streams/index.js';
import { builder } from './builder.js';
import { readAtCursor, SNAPSHOT_HELP, snapshotOf } from './snapshots.js';
import { entityOf, selectionKey, withId } from './entities.js';
import { LoggedStreamEvent, noEntity, handOver } from './streams.js';
import { NOBODY, readerOf, viewerIdOf } from './viewer.js';
import { written } from './written.js';

const BookingStatusEnum = builder.enumType(BookingStatus, { name: 'BookingStatus' });

builder.prismaObject('Event', {
  fields: (t) => ({
    id: t.exposeID('id'),
    title: t.exposeString('title'),
    startsAt: t.expose('startsAt', { type: 'DateTime' }),
    venue: t.exposeString('venue', { nullable: true }),
    capacity: t.exposeInt('capacity'),
    bookedSeats: t.exposeInt('bookedSeats'),
    availableSeats: t.int({ select: { capacity: true, bookedSeats: true }, resolve: (e) => e.capacity - e.bookedSeats }),
    organizer: t.relation('organizer'),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    seatsCursor: t.string({ nullable: true, description: `\`seatUpdates\`: ${SNAPSHOT_HELP}`, resolve: (e) => snapshotOf(e) }),
    bookings: t.prismaConnection({
      extensions: { viewerDependent: true },
      type: 'Booking',
      cursor: 'id',
      description: 'Bookings you may see, newest first: all of them for the organiser, your own for anyone else.',
      resolve: (query, event, _args, ctx) => {
        const viewerId = viewerIdOf(ctx);
        const visible = viewerId === event.organizerId ? {} : { userId: viewerId };
        return ctx.app.prisma.booking.findMany({
          ...query,
          where: { eventId: event.id, ...visible },
          orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
        });
      },
    }),
  }),
});

const BookingRef = builder.prismaObject('Booking', {
  fields: (t) => ({
    id: t.exposeID('id'),
    event: t.relation('event'),
    user: t.relation('user'),
    seats: t.exposeInt('seats'),
    status: t.expose('status', { type: BookingStatusEnum }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
  }),
});

const SeatUpdateKind = builder.enumType('SeatUpdateKind', {
  values: ['BOOKED', 'CANCELLED', 'CAPACITY_CHANGED', 'GAP'] as const,
  description: 'What changed the seats. GAP: events were missed; the counts are the current ones, refetch anything else.',
});

type SeatEvent = AnyEventOf<'event'>;

const eventIdOf = (e: SeatEvent) => e.topic.slice(e.topic.indexOf(':') + 1);

const SeatUpdate = builder.objectRef<SeatEvent>('SeatUpdate').implement({
  interfaces: [LoggedStreamEvent],
  description: "A change of an event's seats; counts are exact as of the commit that made it.",
  fields: (t) => ({
    kind: t.field({ type: SeatUpdateKind, resolve: (e) => e.kind }),
    availableSeats: t.int({
      resolve: async (e, _args, ctx) => {
        if (e.kind !== 'GAP') return e.data.availableSeats;
        const event = await ctx.app.prisma.event.findUniqueOrThrow({ where: { id: eventIdOf(e) } });
        return event.capacity - event.bookedSeats;
      },
    }),
    capacity: t.int({
      resolve: async (e, _args, ctx) =>
        e.kind !== 'GAP' ? e.data.capacity : (await ctx.app.prisma.event.findUniqueOrThrow({ where: { id: eventIdOf(e) } })).capacity,
    }),
    booking: t.prismaField({
      type: 'Booking',
      nullable: true,
      description: 'The booking that changed the seats: shown to its booker and to the organiser only (null for everyone else).',
      extensions: { viewerDependent: true },
      resolve: (query, e, _args, ctx) => {
        const viewerId = viewerIdOf(ctx);
        // The public stream's hot path: a signed-out subscriber's filter would find nothing; skip the query.
        if (viewerId === NOBODY) return noEntity(query);
        return entityOf(e, {
          key: selectionKey('Booking', query, viewerId),
          idOf: (x) => (x.kind === 'BOOKED' || x.kind === 'CANCELLED' ? x.data.bookingId : null),
          load: (ids) =>
            ctx.app.prisma.booking.findMany({
              ...withId(query),
              where: { id: { in: ids }, OR: [{ userId: viewerId }, { event: { organizerId: viewerId } }] },
            }),
        });
      },
    }),
  }),
});

builder.queryFields((t) => ({
  event: t.prismaField({
    type: 'Event',
    nullable: true,
    description: 'One event; NOT_FOUND (and null) for an id that names none.',
    args: { id: t.arg.id() },
    resolve: async (query, _root, { id }, ctx) => {
      const event = await readAtCursor(ctx, Topics.event(id), (tx) => tx.event.findUnique({ ...query, where: { id } }));
      if (!event) throw notFound('Event', id);
      return event;
    },
  }),
  events: t.prismaConnection({
    type: 'Event',
    cursor: 'id',
    description: 'Events, soonest first.',
    resolve: (query, _root, _args, ctx) => ctx.app.prisma.event.findMany({ ...query, orderBy: [{ startsAt: 'asc' }, { id: 'asc' }] }),
  }),
  myBookings: t.withAuth({ signedIn: true }).prismaConnection({
    type: 'Booking',
    cursor: 'id',
    description: "The viewer's bookings, newest first.",
    resolve: (query, _root, _args, ctx) =>
      ctx.app.prisma.booking.findMany({ ...query, where: { userId: ctx.viewer.id }, orderBy: [{ createdAt: 'desc' }, { id: 'desc' }] }),
  }),
}));

const CreateEventInput = builder.inputType('CreateEventInput', {
  fields: (t) => ({
    title: t.string(),
    startsAt: t.field({ type: 'DateTime' }),
    capacity: t.int(),
    venue: t.string({ required: false }),
  }),
});

builder.mutationFields((t) => ({
  createEvent: t.withAuth({ signedIn: true }).prismaField({
    type: 'Event',
    description: 'Creates an event; the caller is its organiser.',
    args: { input: t.arg({ type: CreateEventInput }) },
    resolve: written('Event', ({ input }, ctx) => createEvent(ctx.app, ctx.viewer.id, input)),
  }),
  bookSeats: t.withAuth({ signedIn: true }).field({
    type: BookingRef,
    description: 'Books 1-10 seats, all or nothing: SOLD_OUT (with `extensions.availableSeats`) when fewer are left.',
    args: { eventId: t.arg.id(), seats: t.arg.int({ required: false, defaultValue: 1 }) },
    // The insert returned every scalar column: no second read; relations a client selects load on demand.
    resolve: (_root, args, ctx) => bookSeats(ctx.app, ctx.viewer.id, args.eventId, args.seats ?? 1),
  }),
  cancelBooking: t.withAuth({ signedIn: true }).prismaField({
    type: 'Booking',
    description: "Cancels a booking (the booker or the event's organiser); cancelling twice is CONFLICT.",
    args: { bookingId: t.arg.id() },
    resolve: written('Booking', (args, ctx) => cancelBooking(ctx.app, ctx.viewer.id, args.bookingId)),
  }),
  updateEventCapacity: t.withAuth({ signedIn: true }).prismaField({
    type: 'Event',
    description: 'Organiser only; CONFLICT below the seats already booked.',
    args: { eventId: t.arg.id(), capacity: t.arg.int() },
    resolve: written('Event', (args, ctx) =>
      updateEventCapacity(ctx.app, ctx.viewer.id, args.eventId, args.capacity).then(() => args.eventId),
    ),
  }),
}));

builder.subscriptionField('seatUpdates', (t) =>
  t.field({
    type: SeatUpdate,
    description: "Public: an event's seat changes as they commit, in commit order. Resumable with `after`.",
    args: { eventId: t.arg.id(), after: t.arg.string({ required: false }) },
    subscribe: async (_root, args, ctx, info) => {
      await assertEventExists(ctx.app, args.eventId);
      return handOver(ctx, info, ctx.app.streams.subscribe(Topics.event(args.eventId), { after: args.after, client: readerOf(ctx) }));
    },
    resolve: (event) => event as SeatEvent,
  }),
);
