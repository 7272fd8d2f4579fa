/**
 * Events and bookings over HTTP: creating and listing events with live counts, input validation,
 * booking all or nothing, cancelling, changing capacity, and who sees which bookings. The
 * `seatUpdates` stream is in bookings-seat-updates.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { DATABASE_KINDS } from '../support/database.js';
import { errorCode, gql, gqlOk } from '../support/client.js';
import { useTestServer } from '../support/setup.js';
import { BOOK, CANCEL, CAPACITY, CREATE_EVENT, EVENT, bookingActions, nextWeek, soldOutSeats } from './queries.js';

describe.each(DATABASE_KINDS)('bookings on %s', (kind) => {
  const { server, users } = useTestServer(kind, { users: ['org', 'alice', 'bob'] });
  const { org: organizer, alice, bob } = users;
  const { createEvent, book } = bookingActions(server, organizer);

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
