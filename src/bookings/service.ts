/**
 * Bookings: events with a fixed number of seats, booked all or nothing and never oversold.
 *
 * The seat check and the seat change are one conditional UPDATE of the event row. That UPDATE holds
 * the row's lock until commit, and the stream append (which takes the topic's next seq) comes after
 * it in the same transaction, so the events of `event:<id>` are in commit order and each carries the
 * exact counts its commit left. Every writer locks the event row before the topic row: no deadlocks.
 * Bookings of one event that arrive together share one transaction (a group commit, see
 * streams/batch.ts): a ticket rush costs one row lock per batch instead of one per booking.
 *
 * Here: events, their capacity and cancellations; booking seats (the group commit): bookings/group-commit.ts.
 */
import type { Tx } from '../db/index.js';
import { badInput, conflict, forbidden, notFound } from '../errors.js';
import { Topics } from '../streams/index.js';
import type { PrismaClient } from '../db/index.js';
import type { SharedReads } from '../db/shared-reads.js';
import type { Streams } from '../streams/index.js';

/** What this module's functions use of the instance's services (context.ts `Services` has them all). */
interface Deps {
  prisma: PrismaClient;
  reads: SharedReads;
  streams: Streams;
}

const MAX_CAPACITY = 1_000_000;
const MAX_TITLE = 200;
const MAX_VENUE = 200;

export interface CreateEventInput {
  title: string;
  startsAt: Date;
  capacity: number;
  venue?: string | null;
}

/** Seat counts of an event as one statement left them. */
export interface Seats {
  capacity: number;
  bookedSeats: number;
}

export const available = (s: Seats) => s.capacity - s.bookedSeats;

function checkCapacity(capacity: number): void {
  if (!Number.isInteger(capacity) || capacity < 1 || capacity > MAX_CAPACITY) {
    throw badInput('capacity', `Capacity must be a whole number from 1 to ${MAX_CAPACITY}.`);
  }
}

/** Creates an event organised by the caller; returns its id. */
export async function createEvent(app: Deps, organizerId: string, input: CreateEventInput): Promise<string> {
  const title = input.title.trim();
  if (title.length < 1 || title.length > MAX_TITLE) throw badInput('title', `The title must be 1-${MAX_TITLE} characters.`);
  const venue = input.venue?.trim() || null;
  if (venue && venue.length > MAX_VENUE) throw badInput('venue', `The venue must be at most ${MAX_VENUE} characters.`);
  if (Number.isNaN(input.startsAt.getTime())) throw badInput('startsAt', 'startsAt must be a valid date-time.');
  checkCapacity(input.capacity);
  const event = await app.prisma.event.create({
    data: { title, venue, startsAt: input.startsAt, capacity: input.capacity, organizerId },
    select: { id: true },
  });
  return event.id;
}

/** The event's current counts, or NOT_FOUND. */
async function currentSeats(tx: Tx, eventId: string): Promise<Seats> {
  const [row] = await tx.$queryRaw<Seats[]>`SELECT "capacity", "bookedSeats" FROM "Event" WHERE "id" = ${eventId}`;
  if (!row) throw notFound('Event', eventId);
  return row;
}

/** Cancels a booking (the booker or the event's organiser); a second cancel is CONFLICT. Returns the booking id. */
export async function cancelBooking(app: Deps, userId: string, bookingId: string): Promise<string> {
  return app.streams.write(async (w) => {
    // Who booked and who organises never change, so reading them before the conditional update is safe.
    const booking = await w.tx.booking.findUnique({
      where: { id: bookingId },
      select: { eventId: true, userId: true, seats: true, event: { select: { organizerId: true } } },
    });
    if (!booking) throw notFound('Booking', bookingId);
    if (booking.userId !== userId && booking.event.organizerId !== userId) {
      throw forbidden('Only the booker or the organiser can cancel a booking.');
    }
    const { count } = await w.tx.booking.updateMany({
      where: { id: bookingId, status: 'ACTIVE' },
      data: { status: 'CANCELLED', cancelledAt: new Date() },
    });
    if (count === 0) throw conflict('This booking is already cancelled.');
    const [after] = await w.tx.$queryRaw<Seats[]>`
      UPDATE "Event" SET "bookedSeats" = "bookedSeats" - ${booking.seats}
      WHERE "id" = ${booking.eventId}
      RETURNING "capacity", "bookedSeats"`;
    await w.append(Topics.event(booking.eventId), 'CANCELLED', { bookingId, availableSeats: available(after), capacity: after.capacity });
    return bookingId;
  });
}

/** Sets an event's capacity (organiser only); CONFLICT below the seats already booked. */
export async function updateEventCapacity(app: Deps, userId: string, eventId: string, capacity: number): Promise<void> {
  checkCapacity(capacity);
  await app.streams.write(async (w) => {
    const event = await w.tx.event.findUnique({ where: { id: eventId }, select: { organizerId: true } });
    if (!event) throw notFound('Event', eventId);
    if (event.organizerId !== userId) throw forbidden('Only the organiser can change the capacity.');
    const [after] = await w.tx.$queryRaw<Seats[]>`
      UPDATE "Event" SET "capacity" = ${capacity}
      WHERE "id" = ${eventId} AND "bookedSeats" <= ${capacity}
      RETURNING "capacity", "bookedSeats"`;
    if (!after) {
      const now = await currentSeats(w.tx, eventId);
      throw conflict(`${now.bookedSeats} seats are booked: the capacity cannot be lower.`);
    }
    await w.append(Topics.event(eventId), 'CAPACITY_CHANGED', { availableSeats: available(after), capacity: after.capacity });
  });
}

/** NOT_FOUND unless the event exists (for subscriptions, checked before anything is opened). */
export async function assertEventExists(app: Deps, eventId: string): Promise<void> {
  // Events are never deleted: once seen, existence is remembered (one read per event per instance).
  const exists = await app.reads.lasting(
    `event:${eventId}`,
    async () => (await app.prisma.event.findUnique({ where: { id: eventId }, select: { id: true } })) !== null,
    (found) => found,
  );
  if (!exists) throw notFound('Event', eventId);
}
