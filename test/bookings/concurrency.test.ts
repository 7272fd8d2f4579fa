/**
 * The racy paths, on real PostgreSQL through two instances sharing one Redis: many clients book and
 * cancel at once, spread over both instances, and the seat counts and the stream stay exact.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { TEST_DATABASE_URL, TEST_REDIS_URL } from '../support/database.js';
import { errorCode, gql, gqlOk, type GqlResult, type TestUser } from '../support/client.js';
import { connectWs } from '../support/ws.js';
import { createUsers, waitForSubscriptions, type TestServer } from '../support/server.js';
import { useTestCluster } from '../support/setup.js';
import { BOOK, CANCEL, CAPACITY, CREATE_EVENT, EVENT, SEAT_UPDATES, nextWeek, type SeatUpdate } from './queries.js';

describe.runIf(TEST_DATABASE_URL && TEST_REDIS_URL)('bookings under concurrency, two instances on PostgreSQL + Redis', () => {
  const { servers, cleanup } = useTestCluster(2, { noSubscriptionsLeft: true });
  const [a, b] = servers;
  let organizer: TestUser;
  let users: TestUser[];
  beforeAll(async () => {
    [organizer, ...users] = await createUsers(a, 301, 'racer');
  });

  const createEvent = async (capacity: number) =>
    (await gqlOk(a.url, CREATE_EVENT, { input: { title: 'Race', startsAt: nextWeek(), capacity } }, organizer.token)).createEvent
      .id as string;
  /** Instance A for even indexes, B for odd ones. */
  const on = (i: number) => (i % 2 === 0 ? a : b);
  /** The organiser watches: they see the booking behind each change (anonymous watchers see counts only). */
  const subscribe = async (server: TestServer, eventId: string, after?: string) => {
    const ws = cleanup.add(connectWs(server.wsUrl, organizer.token));
    const sub = ws.subscribe<{ seatUpdates: SeatUpdate }>(SEAT_UPDATES, { eventId, after });
    await ws.connected;
    return { ws, sub };
  };

  it('300 concurrent bookSeats(1) for 100 seats: exactly 100 succeed, the stream runs 99..0 in order', async () => {
    const eventId = await createEvent(100);
    const onA = await subscribe(a, eventId);
    const onB = await subscribe(b, eventId);
    await Promise.all([waitForSubscriptions(a, 1), waitForSubscriptions(b, 1)]);

    const results = await Promise.all(users.slice(0, 300).map((user, i) => gql(on(i).url, BOOK, { eventId, seats: 1 }, user.token)));

    const booked = results.filter((r) => !r.errors);
    const soldOut = results.filter((r) => errorCode(r) === 'SOLD_OUT');
    expect(booked).toHaveLength(100);
    expect(soldOut).toHaveLength(200);
    // Seats only go down in this test, so every refusal saw none left.
    expect(soldOut.every((r) => r.errors![0].extensions!.availableSeats === 0)).toBe(true);
    expect((await gqlOk(b.url, EVENT, { id: eventId })).event).toMatchObject({ capacity: 100, bookedSeats: 100, availableSeats: 0 });
    expect(await a.pulse.services.prisma.booking.count({ where: { eventId, status: 'ACTIVE' } })).toBe(100);

    const countdown = Array.from({ length: 100 }, (_, i) => 99 - i);
    const bookingIds = new Set(booked.map((r) => r.data.bookSeats.id));
    for (const { sub } of [onA, onB]) {
      const events = (await sub.take(100, 30_000)).map((e) => e.seatUpdates);
      expect(events.every((e) => e.kind === 'BOOKED' && e.capacity === 100)).toBe(true);
      expect(events.map((e) => e.availableSeats)).toEqual(countdown);
      expect(new Set(events.map((e) => e.booking!.id))).toEqual(bookingIds);
    }
    // Nothing else was queued: the next event on each instance is the capacity change made now.
    await gqlOk(b.url, CAPACITY, { eventId, capacity: 101 }, organizer.token);
    for (const { sub } of [onA, onB]) {
      expect((await sub.next()).seatUpdates).toMatchObject({ kind: 'CAPACITY_CHANGED', availableSeats: 1, capacity: 101 });
      expect(sub.received).toHaveLength(101);
    }
  });

  it('a storm of 1-4 seat bookings, cancellations and capacity changes keeps every count exact', async () => {
    const capacity = 80;
    const eventId = await createEvent(capacity);
    const { sub } = await subscribe(b, eventId);
    await waitForSubscriptions(b, 1);

    let bookings = 0;
    let cancellations = 0;
    let capacityChanges = 0;
    const cancelRace = async (bookingId: string, booker: TestUser, i: number) => {
      // The booker and the organiser cancel the same booking at once, on different instances.
      const outcomes = await Promise.all([
        gql(on(i).url, CANCEL, { id: bookingId }, booker.token),
        gql(on(i + 1).url, CANCEL, { id: bookingId }, organizer.token),
      ]);
      expect(outcomes.filter((r) => !r.errors)).toHaveLength(1);
      expect(outcomes.filter((r) => errorCode(r) === 'CONFLICT')).toHaveLength(1);
      cancellations++;
    };
    const client = async (user: TestUser, i: number) => {
      const result = await gql(on(i).url, BOOK, { eventId, seats: (i % 4) + 1 }, user.token);
      if (result.errors) return expect(errorCode(result)).toBe('SOLD_OUT');
      bookings++;
      if (i % 3 === 0) await cancelRace(result.data.bookSeats.id, user, i);
    };
    const organizerClient = async (i: number) => {
      // Capacity goes up and down through the storm: either it fits the seats booked or it is CONFLICT.
      const result: GqlResult = await gql(on(i).url, CAPACITY, { eventId, capacity: capacity - 20 + ((i * 7) % 40) }, organizer.token);
      if (result.errors) return expect(errorCode(result)).toBe('CONFLICT');
      capacityChanges++;
    };
    await Promise.all([...users.slice(0, 120).map(client), ...Array.from({ length: 12 }, (_, i) => organizerClient(i))]);

    const event = (await gqlOk(a.url, EVENT, { id: eventId })).event;
    const live = await a.pulse.services.prisma.booking.aggregate({ where: { eventId, status: 'ACTIVE' }, _sum: { seats: true } });
    expect(event.bookedSeats).toBe(live._sum.seats ?? 0);
    expect(event.bookedSeats).toBeLessThanOrEqual(event.capacity);
    expect(bookings).toBeGreaterThan(0);
    expect(cancellations).toBeGreaterThan(0);

    // Replay the stream: every event's counts follow from the one before it.
    const events = (await sub.take(bookings + cancellations + capacityChanges, 30_000)).map((e) => e.seatUpdates);
    let bookedSeats = 0;
    for (const e of events) {
      if (e.kind === 'BOOKED') bookedSeats += e.booking!.seats;
      if (e.kind === 'CANCELLED') bookedSeats -= e.booking!.seats;
      expect(e.availableSeats).toBeGreaterThanOrEqual(0);
      expect(e.capacity - e.availableSeats).toBe(bookedSeats);
    }
    expect(events.at(-1)!.availableSeats).toBe(event.availableSeats);
    expect(events.at(-1)!.capacity).toBe(event.capacity);
    expect(sub.pending).toHaveLength(0);
  });

  it('a subscriber that drops mid-storm resumes on the other instance with every missed change in order, then live ones', async () => {
    const eventId = await createEvent(1000);
    const first = await subscribe(a, eventId);
    await waitForSubscriptions(a, 1);

    const storm = Promise.all(users.slice(0, 80).map((user, i) => gqlOk(on(i).url, BOOK, { eventId, seats: 1 }, user.token)));
    const seen = (await first.sub.take(20, 30_000)).map((e) => e.seatUpdates);
    await first.ws.drop();
    const resumed = await subscribe(b, eventId, seen.at(-1)!.cursor);
    const bookings = await storm;

    const rest = (await resumed.sub.take(60, 30_000)).map((e) => e.seatUpdates);
    const all = [...seen, ...rest];
    expect(all.map((e) => e.availableSeats)).toEqual(Array.from({ length: 80 }, (_, i) => 999 - i));
    expect(new Set(all.map((e) => e.cursor)).size).toBe(80);

    await waitForSubscriptions(b, 1);
    await gqlOk(a.url, CANCEL, { id: bookings[0].bookSeats.id }, users[0].token);
    expect((await resumed.sub.next()).seatUpdates).toMatchObject({ kind: 'CANCELLED', availableSeats: 921 });
    expect(resumed.sub.received).toHaveLength(61);
  });
});
