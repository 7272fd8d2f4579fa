import { describe, expect, it } from 'vitest';
import { DATABASE_KINDS } from '../support/database.js';
import { errorCode, gql, gqlOk, type TestUser } from '../support/client.js';
import { connectWs } from '../support/ws.js';
import { waitForSubscriptions } from '../support/server.js';
import { useTestServer } from '../support/setup.js';
import { BOOK, CANCEL, CAPACITY, CREATE_EVENT, EVENT, SEAT_UPDATES, nextWeek, type SeatUpdate } from './queries.js';

/** A small retention, so a test can push a cursor out of the log and see GAP. */
const RETENTION = 10;

describe.each(DATABASE_KINDS)('bookings on %s', (kind) => {
  const { server, users, cleanup } = useTestServer(kind, {
    users: ['org', 'alice', 'bob'],
    config: { streamRetention: RETENTION },
    noSubscriptionsLeft: true,
  });
  const { org: organizer, alice, bob } = users;

  const createEvent = async (capacity: number, title = 'Concert') =>
    (await gqlOk(server.url, CREATE_EVENT, { input: { title, startsAt: nextWeek(), capacity } }, organizer.token)).createEvent;
  const book = async (user: TestUser, eventId: string, seats?: number) =>
    (await gqlOk(server.url, BOOK, { eventId, seats }, user.token)).bookSeats;
  const seatUpdates = (eventId: string, after?: string, token?: string) => {
    const ws = cleanup.add(connectWs(server.wsUrl, token));
    return { ws, sub: ws.subscribe<{ seatUpdates: SeatUpdate }>(SEAT_UPDATES, { eventId, after }) };
  };

  it('creates events and serves them with live counts; the lists page', async () => {
    const created = (
      await gqlOk(
        server.url,
        CREATE_EVENT,
        { input: { title: '  Jazz night ', venue: 'Blue Note', startsAt: '2031-05-01T20:00:00.000Z', capacity: 50 } },
        organizer.token,
      )
    ).createEvent;
    expect(created).toMatchObject({
      title: 'Jazz night',
      venue: 'Blue Note',
      startsAt: '2031-05-01T20:00:00.000Z',
      capacity: 50,
      bookedSeats: 0,
      availableSeats: 50,
      organizer: { id: organizer.id },
    });
    await book(alice, created.id, 3);
    // Anyone, signed in or not, reads events.
    expect((await gqlOk(server.url, EVENT, { id: created.id })).event).toEqual({
      id: created.id,
      capacity: 50,
      bookedSeats: 3,
      availableSeats: 47,
    });

    const later = (
      await gqlOk(
        server.url,
        CREATE_EVENT,
        { input: { title: 'Later', startsAt: '2031-06-01T20:00:00.000Z', capacity: 5 } },
        organizer.token,
      )
    ).createEvent;
    const LIST = `query($after: String) { events(first: 1, after: $after) { edges { node { id } } pageInfo { hasNextPage endCursor } } }`;
    const ids: string[] = [];
    let after: string | undefined;
    for (;;) {
      const page = (await gqlOk(server.url, LIST, { after })).events;
      ids.push(...page.edges.map((e: any) => e.node.id));
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor;
    }
    // Soonest first: the May event comes before the June one.
    expect(ids.indexOf(created.id)).toBeGreaterThanOrEqual(0);
    expect(ids.indexOf(created.id)).toBeLessThan(ids.indexOf(later.id));

    const missing = await gql(server.url, EVENT, { id: 'no-such-event' });
    expect(errorCode(missing)).toBe('NOT_FOUND');
    expect(missing.data?.event).toBeNull();
  });

  it('validates createEvent input and needs a signed-in user', async () => {
    const input = { title: 'Ok', startsAt: nextWeek(), capacity: 10 };
    const fieldOf = async (bad: Record<string, unknown>) => {
      const result = await gql(server.url, CREATE_EVENT, { input: { ...input, ...bad } }, organizer.token);
      expect(errorCode(result)).toBe('BAD_USER_INPUT');
      return result.errors![0].extensions!.field;
    };
    expect(await fieldOf({ title: '   ' })).toBe('title');
    expect(await fieldOf({ title: 'x'.repeat(201) })).toBe('title');
    expect(await fieldOf({ capacity: 0 })).toBe('capacity');
    expect(await fieldOf({ capacity: 1_000_001 })).toBe('capacity');
    expect(await fieldOf({ venue: 'v'.repeat(201) })).toBe('venue');
    expect(errorCode(await gql(server.url, CREATE_EVENT, { input: { ...input, startsAt: 'next tuesday' } }, organizer.token))).toBe(
      'BAD_USER_INPUT',
    );
    expect(errorCode(await gql(server.url, CREATE_EVENT, { input }))).toBe('UNAUTHENTICATED');
  });

  it('books all or nothing: SOLD_OUT with availableSeats, seats 1..10, NOT_FOUND, UNAUTHENTICATED', async () => {
    const event = await createEvent(12);
    const one = await book(alice, event.id);
    expect(one).toMatchObject({ seats: 1, status: 'ACTIVE', user: { id: alice.id }, event: { availableSeats: 11, bookedSeats: 1 } });
    expect((await book(bob, event.id, 10)).event.availableSeats).toBe(1);

    const soldOut = await gql(server.url, BOOK, { eventId: event.id, seats: 2 }, alice.token);
    expect(errorCode(soldOut)).toBe('SOLD_OUT');
    expect(soldOut.errors![0].extensions!.availableSeats).toBe(1);
    // Nothing was booked by the failed attempt.
    expect((await gqlOk(server.url, EVENT, { id: event.id })).event.bookedSeats).toBe(11);

    for (const seats of [0, 11, -1]) {
      const bad = await gql(server.url, BOOK, { eventId: event.id, seats }, alice.token);
      expect(bad.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'seats' });
    }
    expect(errorCode(await gql(server.url, BOOK, { eventId: 'nope', seats: 1 }, alice.token))).toBe('NOT_FOUND');
    expect(errorCode(await gql(server.url, BOOK, { eventId: event.id, seats: 1 }))).toBe('UNAUTHENTICATED');

    expect((await book(alice, event.id, 1)).event.availableSeats).toBe(0);
    const none = await gql(server.url, BOOK, { eventId: event.id, seats: 1 }, bob.token);
    expect(soldOutSeats(none)).toBe(0);
  });

  it('cancels: the booker or the organiser only; twice is CONFLICT; unknown is NOT_FOUND', async () => {
    const event = await createEvent(10);
    const aliceBooking = await book(alice, event.id, 4);
    const bobBooking = await book(bob, event.id, 3);

    expect(errorCode(await gql(server.url, CANCEL, { id: aliceBooking.id }, bob.token))).toBe('FORBIDDEN');
    expect(errorCode(await gql(server.url, CANCEL, { id: aliceBooking.id }))).toBe('UNAUTHENTICATED');
    expect(errorCode(await gql(server.url, CANCEL, { id: 'nope' }, alice.token))).toBe('NOT_FOUND');

    const cancelled = (await gqlOk(server.url, CANCEL, { id: aliceBooking.id }, alice.token)).cancelBooking;
    expect(cancelled).toEqual({ id: aliceBooking.id, status: 'CANCELLED', seats: 4, event: { availableSeats: 7, bookedSeats: 3 } });
    expect(errorCode(await gql(server.url, CANCEL, { id: aliceBooking.id }, alice.token))).toBe('CONFLICT');
    expect(errorCode(await gql(server.url, CANCEL, { id: aliceBooking.id }, organizer.token))).toBe('CONFLICT');

    // The organiser cancels someone else's booking.
    expect((await gqlOk(server.url, CANCEL, { id: bobBooking.id }, organizer.token)).cancelBooking.event).toEqual({
      availableSeats: 10,
      bookedSeats: 0,
    });
    expect((await gqlOk(server.url, EVENT, { id: event.id })).event.bookedSeats).toBe(0);
  });

  it('changes capacity: organiser only, never below the seats booked', async () => {
    const event = await createEvent(10);
    await book(alice, event.id, 6);
    expect(errorCode(await gql(server.url, CAPACITY, { eventId: event.id, capacity: 20 }, alice.token))).toBe('FORBIDDEN');
    expect(errorCode(await gql(server.url, CAPACITY, { eventId: event.id, capacity: 20 }))).toBe('UNAUTHENTICATED');
    expect(errorCode(await gql(server.url, CAPACITY, { eventId: 'nope', capacity: 20 }, organizer.token))).toBe('NOT_FOUND');
    expect(errorCode(await gql(server.url, CAPACITY, { eventId: event.id, capacity: 5 }, organizer.token))).toBe('CONFLICT');
    const bad = await gql(server.url, CAPACITY, { eventId: event.id, capacity: 0 }, organizer.token);
    expect(bad.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'capacity' });

    expect((await gqlOk(server.url, CAPACITY, { eventId: event.id, capacity: 6 }, organizer.token)).updateEventCapacity).toEqual({
      id: event.id,
      capacity: 6,
      availableSeats: 0,
      bookedSeats: 6,
    });
    expect(soldOutSeats(await gql(server.url, BOOK, { eventId: event.id, seats: 1 }, bob.token))).toBe(0);
    expect(
      (await gqlOk(server.url, CAPACITY, { eventId: event.id, capacity: 8 }, organizer.token)).updateEventCapacity.availableSeats,
    ).toBe(2);
    expect((await book(bob, event.id, 2)).event.availableSeats).toBe(0);
  });

  it('streams exact seat changes to an anonymous subscriber; failed mutations publish nothing', async () => {
    const event = await createEvent(5);
    const { ws, sub } = seatUpdates(event.id);
    await ws.connected;
    await waitForSubscriptions(server, 1);

    const booking = await book(alice, event.id, 2);
    expect(soldOutSeats(await gql(server.url, BOOK, { eventId: event.id, seats: 4 }, bob.token))).toBe(3);
    expect(errorCode(await gql(server.url, CANCEL, { id: booking.id }, bob.token))).toBe('FORBIDDEN');
    expect(errorCode(await gql(server.url, CAPACITY, { eventId: event.id, capacity: 1 }, organizer.token))).toBe('CONFLICT');
    await gqlOk(server.url, CANCEL, { id: booking.id }, alice.token);
    expect(errorCode(await gql(server.url, CANCEL, { id: booking.id }, alice.token))).toBe('CONFLICT');
    await gqlOk(server.url, CAPACITY, { eventId: event.id, capacity: 7 }, organizer.token);

    const events = (await sub.take(3)).map((e) => e.seatUpdates);
    expect(events.map(({ kind, availableSeats, capacity }) => ({ kind, availableSeats, capacity }))).toEqual([
      { kind: 'BOOKED', availableSeats: 3, capacity: 5 },
      { kind: 'CANCELLED', availableSeats: 5, capacity: 5 },
      { kind: 'CAPACITY_CHANGED', availableSeats: 7, capacity: 7 },
    ]);
    // Who booked is not shown to anonymous subscribers.
    expect(events.map((e) => e.booking)).toEqual([null, null, null]);
    expect(new Set(events.map((e) => e.cursor)).size).toBe(3);
    expect(sub.pending).toHaveLength(0);
  });

  it('shows the booking on seat updates to its booker and the organiser only', async () => {
    const event = await createEvent(5);
    const watchers = [alice, organizer, bob].map((user) => seatUpdates(event.id, undefined, user.token));
    await Promise.all(watchers.map((w) => w.ws.connected));
    await waitForSubscriptions(server, 3);
    const booking = await book(alice, event.id, 1);
    const [asBooker, asOrganizer, asStranger] = await Promise.all(watchers.map(async (w) => (await w.sub.next()).seatUpdates));
    expect(asBooker.booking).toMatchObject({ id: booking.id, seats: 1 });
    expect(asOrganizer.booking).toMatchObject({ id: booking.id, seats: 1 });
    expect(asStranger).toMatchObject({ kind: 'BOOKED', availableSeats: 4, booking: null });
  });

  it("does not deliver another event's seat changes", async () => {
    const watched = await createEvent(10, 'Watched');
    const other = await createEvent(10, 'Other');
    const { ws, sub } = seatUpdates(watched.id, undefined, organizer.token);
    await ws.connected;
    await waitForSubscriptions(server, 1);

    const otherBooking = await book(alice, other.id, 2);
    await gqlOk(server.url, CANCEL, { id: otherBooking.id }, alice.token);
    await gqlOk(server.url, CAPACITY, { eventId: other.id, capacity: 3 }, organizer.token);
    const right = await book(alice, watched.id, 1);

    const first = (await sub.next()).seatUpdates;
    expect(first).toMatchObject({ kind: 'BOOKED', availableSeats: 9, capacity: 10, booking: { id: right.id } });
    expect(sub.received).toHaveLength(1);
    expect(sub.pending).toHaveLength(0);
  });

  it('rejects a subscription to an unknown event (NOT_FOUND) and a cursor of another event (BAD_USER_INPUT)', async () => {
    const unknown = seatUpdates('no-such-event').sub;
    expect(((await unknown.ended()).errors as any)[0].extensions.code).toBe('NOT_FOUND');

    const first = await createEvent(3);
    const second = await createEvent(3);
    const { ws, sub } = seatUpdates(first.id);
    await ws.connected;
    await waitForSubscriptions(server, 1);
    await book(alice, first.id);
    const cursor = (await sub.next()).seatUpdates.cursor;
    const stolen = seatUpdates(second.id, cursor).sub;
    expect(((await stolen.ended()).errors as any)[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'after' });
  });

  it('resumes after a cursor: the missed changes in order, then live ones', async () => {
    const event = await createEvent(20);
    const first = seatUpdates(event.id);
    await first.ws.connected;
    await waitForSubscriptions(server, 1);
    await book(alice, event.id, 1);
    const seen = (await first.sub.next()).seatUpdates;
    await first.ws.drop();

    const missedBooking = await book(bob, event.id, 3);
    await gqlOk(server.url, CANCEL, { id: missedBooking.id }, organizer.token);
    await gqlOk(server.url, CAPACITY, { eventId: event.id, capacity: 15 }, organizer.token);

    const resumed = seatUpdates(event.id, seen.cursor, alice.token);
    const replayed = (await resumed.sub.take(3)).map((e) => e.seatUpdates);
    expect(replayed.map((e) => [e.kind, e.availableSeats, e.capacity])).toEqual([
      ['BOOKED', 16, 20],
      ['CANCELLED', 19, 20],
      ['CAPACITY_CHANGED', 14, 15],
    ]);
    await waitForSubscriptions(server, 1);
    await book(alice, event.id, 4);
    expect((await resumed.sub.next()).seatUpdates).toMatchObject({ kind: 'BOOKED', availableSeats: 10, capacity: 15 });
    expect(resumed.sub.received).toHaveLength(4);
  });

  it('sends GAP with the current counts when the cursor is older than what the log keeps', async () => {
    const event = await createEvent(100);
    const { ws, sub } = seatUpdates(event.id);
    await ws.connected;
    await waitForSubscriptions(server, 1);
    await book(alice, event.id, 1);
    const oldCursor = (await sub.next()).seatUpdates.cursor;
    await ws.drop();
    for (let i = 0; i < RETENTION + 1; i++) await book(bob, event.id, 1);

    const resumed = seatUpdates(event.id, oldCursor);
    const gap = (await resumed.sub.next()).seatUpdates;
    expect(gap).toMatchObject({ kind: 'GAP', booking: null, availableSeats: 100 - (RETENTION + 2), capacity: 100 });
    await waitForSubscriptions(server, 1);
    await book(alice, event.id, 2);
    expect((await resumed.sub.next()).seatUpdates).toMatchObject({ kind: 'BOOKED', availableSeats: 100 - (RETENTION + 4) });
    expect(resumed.sub.received).toHaveLength(2);
  });

  it("lists bookings: the organiser sees all of an event's, others their own; myBookings", async () => {
    const event = await createEvent(10);
    const a = await book(alice, event.id, 1);
    const b = await book(bob, event.id, 2);
    const BOOKINGS = `query($id: ID!) { event(id: $id) { bookings(first: 10) { edges { node { id user { id } } } } } }`;
    const idsFor = async (token?: string) =>
      (await gqlOk(server.url, BOOKINGS, { id: event.id }, token)).event.bookings.edges.map((e: any) => e.node.id);
    expect(await idsFor(organizer.token)).toEqual([b.id, a.id]);
    expect(await idsFor(alice.token)).toEqual([a.id]);
    expect(await idsFor()).toEqual([]);

    const MINE = `{ myBookings(first: 1) { edges { node { id seats event { id } } } pageInfo { hasNextPage } } }`;
    const mine = (await gqlOk(server.url, MINE, {}, bob.token)).myBookings;
    expect(mine.edges[0].node).toEqual({ id: b.id, seats: 2, event: { id: event.id } });
    expect(errorCode(await gql(server.url, MINE))).toBe('UNAUTHENTICATED');
  });
});

/** `extensions.availableSeats` of a SOLD_OUT error (fails the test for any other outcome). */
function soldOutSeats(result: { errors?: { extensions?: Record<string, any> }[] }): number {
  expect(result.errors?.[0]?.extensions?.code).toBe('SOLD_OUT');
  return result.errors![0].extensions!.availableSeats;
}
