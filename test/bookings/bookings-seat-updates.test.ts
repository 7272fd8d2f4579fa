/**
 * The `seatUpdates` subscription: exact seat changes in order, the booking shown to its booker and
 * the organiser only, one event's changes only, refusals, resuming after a cursor, and GAP once the
 * cursor is older than the log keeps.
 */
import { describe, expect, it } from 'vitest';
import { DATABASE_KINDS } from '../support/database.js';
import { errorCode, gql, gqlOk } from '../support/client.js';
import { connectWs, firstError } from '../support/ws.js';
import { waitForSubscriptions } from '../support/server.js';
import { useTestServer } from '../support/setup.js';
import { BOOK, CANCEL, CAPACITY, SEAT_UPDATES, bookingActions, soldOutSeats, type SeatUpdate } from './queries.js';

/** A small retention, so a test can push a cursor out of the log and see GAP. */
const RETENTION = 10;

describe.each(DATABASE_KINDS)('bookings on %s', (kind) => {
  const { server, users, cleanup } = useTestServer(kind, {
    users: ['org', 'alice', 'bob'],
    config: { streamRetention: RETENTION },
    noSubscriptionsLeft: true,
  });
  const { org: organizer, alice, bob } = users;
  const { createEvent, book } = bookingActions(server, organizer);
  const seatUpdates = (eventId: string, after?: string, token?: string) => {
    const ws = cleanup.add(connectWs(server.wsUrl, token));
    return { ws, sub: ws.subscribe<{ seatUpdates: SeatUpdate }>(SEAT_UPDATES, { eventId, after }) };
  };

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
    expect(firstError((await unknown.ended()).errors).extensions.code).toBe('NOT_FOUND');

    const first = await createEvent(3);
    const second = await createEvent(3);
    const { ws, sub } = seatUpdates(first.id);
    await ws.connected;
    await waitForSubscriptions(server, 1);
    await book(alice, first.id);
    const cursor = (await sub.next()).seatUpdates.cursor;
    const stolen = seatUpdates(second.id, cursor).sub;
    expect(firstError((await stolen.ended()).errors).extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'after' });
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
});
