// Booking seats: each event's concurrent requests in one group commit (streams/batch.ts), each all or nothing, never oversold.
import { randomBytes } from 'node:crypto';
import type { PrismaClient } from '../db/index.js';
import { badInput, notFound, soldOut } from '../errors.js';
import type { Booking } from '../generated/prisma/client.js';
import {
  appendCtes,
  groupCommit,
  LOG_HEAD,
  loggedEvents,
  Topics,
  type ApplyBatch,
  type GroupCommit,
  type LogHead,
  type Outcome,
} from '../streams/index.js';
import { available, type Seats } from './service.js';
import type { Streams } from '../streams/index.js';

/** What this module's functions use of the instance's services (context.ts `Services` has them all). */
interface Deps {
  bookingBatches: BookingBatches;
}

const MAX_SEATS_PER_BOOKING = 10;

/** A booking request waiting for its event's next batch. */
interface BookingRequest {
  userId: string;
  seats: number;
}

/** A booking as its insert left it: every scalar column, so the mutation answers without reading it again. */
export type NewBooking = Booking;

let lastMillis = 0;
let counter = 0;

/** A collision-resistant id shaped like Prisma's `cuid()` (25 chars, 'c' + time first), made here because raw inserts skip Prisma's default. */
function newId(): string {
  const now = Date.now();
  counter = now === lastMillis ? counter + 1 : 0;
  lastMillis = now;
  const random = randomBytes(8).readBigUInt64BE().toString(36).padStart(13, '0').slice(-12);
  return `c${now.toString(36).padStart(8, '0')}${counter.toString(36).padStart(4, '0').slice(-4)}${random}`;
}

/**
 * ONE statement that books `chosen` (all of them, or none when they do not fit), appends a BOOKED
 * event for each (the seats left right after it: the only place that figure is computed) and returns
 * the counts it left and what it logged. No row: the event does not exist or they did not all fit.
 */
async function bookAll(db: Pick<PrismaClient, '$queryRaw'>, eventId: string, chosen: readonly BookingRequest[], ids: readonly string[]) {
  const total = chosen.reduce((sum, r) => sum + r.seats, 0);
  const topic = Topics.event(eventId).name;
  const [row] = await db.$queryRaw<(Booked & LogHead)[]>`
    WITH ev AS (
      UPDATE "Event" SET "bookedSeats" = "bookedSeats" + ${total}::int
      WHERE "id" = ${eventId} AND "bookedSeats" + ${total}::int <= "capacity"
      RETURNING "capacity", "bookedSeats"
    ), b AS (
      SELECT * FROM unnest(${ids}::text[], ${chosen.map((r) => r.userId)}::text[], ${chosen.map((r) => r.seats)}::int[])
        WITH ORDINALITY AS b(id, user_id, seats, ord)
    ), ins AS (
      INSERT INTO "Booking" ("id", "eventId", "userId", "seats")
      SELECT b.id, ${eventId}, b.user_id, b.seats FROM ev, b
      RETURNING "createdAt"
    ), booked AS (
      SELECT b.ord, 'BOOKED'::text AS kind, jsonb_build_object(
        'bookingId', b.id,
        'availableSeats', ev."capacity" - ev."bookedSeats" + ${total}::int - (sum(b.seats) OVER (ORDER BY b.ord))::int,
        'capacity', ev."capacity") AS data
      FROM ev, b
    ), ${appendCtes(topic, 'booked')}
    SELECT ev."capacity", ev."bookedSeats", (SELECT "createdAt" FROM ins LIMIT 1) AS "createdAt", ${LOG_HEAD} FROM ev`;
  return {
    value: row ? { capacity: row.capacity, bookedSeats: row.bookedSeats, createdAt: row.createdAt } : null,
    logged: row ? loggedEvents(topic, row) : null,
  };
}

type Booked = Seats & { createdAt: Date };

/**
 * One batch of bookings for one event, in arrival order. The common case (all of them fit) is ONE
 * statement, one round trip (`bookAll`). When they do not all fit, a transaction locks the event row
 * and gives seats to the earliest requests that fit, each all or nothing, with the same statement; the
 * others are SOLD_OUT with the seats left at their turn.
 */
const applyBookings: ApplyBatch<BookingRequest, NewBooking> = async (streams, eventId, requests) => {
  const ids = requests.map(() => newId());
  /** Per request: null when granted, else the seats left at its turn (its SOLD_OUT). */
  const refused: (number | null)[] = requests.map(() => null);
  const after =
    (await streams.writeStatement((db) => bookAll(db, eventId, requests, ids))) ??
    (await streams.write(async (w): Promise<Booked | null> => {
      // Not all of them fit (or no such event): allocate under the row lock, earliest first.
      const [now] = await w.tx.$queryRaw<Seats[]>`SELECT "capacity", "bookedSeats" FROM "Event" WHERE "id" = ${eventId} FOR UPDATE`;
      if (!now) return null;
      let left = available(now);
      for (const [i, r] of requests.entries()) {
        if (r.seats <= left) left -= r.seats;
        else refused[i] = left;
      }
      const granted = (_: unknown, i: number) => refused[i] === null;
      if (!requests.some(granted)) return { ...now, createdAt: new Date() };
      return w.statement((tx) => bookAll(tx, eventId, requests.filter(granted), ids.filter(granted)));
    }));
  if (!after) return requests.map(() => ({ ok: false, error: notFound('Event', eventId) }));
  return requests.map((r, i): Outcome<NewBooking> => {
    const left = refused[i];
    if (left !== null) return { ok: false, error: soldOut(left) };
    const value: NewBooking = {
      id: ids[i],
      eventId,
      userId: r.userId,
      seats: r.seats,
      status: 'ACTIVE',
      createdAt: after.createdAt,
      cancelledAt: null,
    };
    return { ok: true, value };
  });
};

/**
 * Books `seats` seats for the user, all or nothing: SOLD_OUT (with `availableSeats`) when fewer are
 * left. Concurrent bookings of one event on this instance share a group commit (one transaction per
 * batch, arrival order). Returns the new booking.
 */
export async function bookSeats(app: Deps, userId: string, eventId: string, seats: number): Promise<NewBooking> {
  if (!Number.isInteger(seats) || seats < 1 || seats > MAX_SEATS_PER_BOOKING) {
    throw badInput('seats', `Book from 1 to ${MAX_SEATS_PER_BOOKING} seats at a time.`);
  }
  return app.bookingBatches.submit(eventId, { userId, seats });
}

/** An instance's group commit for bookings (keyed by event id; built by app.ts); its `stats` count batches. */
export type BookingBatches = GroupCommit<BookingRequest, NewBooking>;
export const bookingBatches = (streams: Streams): BookingBatches => groupCommit(streams, applyBookings);
