/**
 * Group commit of bookings (src/streams/batch.ts): a ticket rush through two instances, a batch whose
 * transaction fails (a real fault raised by PostgreSQL inside it), and all-or-nothing multi-seat
 * bookings inside one batch. Requests made in the same tick through the service share one batch, which
 * makes "in one batch" deterministic without timing.
 */
import { Agent } from 'node:http';
import { beforeAll, describe, expect, it } from 'vitest';
import { bookSeats } from '../../src/bookings/group-commit.js';
import { decodeCursor } from '../../src/streams/cursor.js';
import { errorCode, gql, gqlOk, type TestUser } from '../support/client.js';
import { connectWs } from '../support/ws.js';
import { DATABASE_KINDS, TEST_DATABASE_URL, TEST_REDIS_URL } from '../support/database.js';
import { createUsers, waitForSubscriptions, type TestServer } from '../support/server.js';
import { useTestCluster, useTestServer } from '../support/setup.js';
import { CREATE_EVENT, SEAT_UPDATES, nextWeek, pooledGql, type SeatUpdate } from './queries.js';

const BOOK_ONE = `mutation($eventId: ID!) { bookSeats(eventId: $eventId, seats: 1) { id seats status user { id } } }`;

/** Makes every append to `topic` fail inside its transaction, after the seats and bookings were written. */
async function injectAppendFault(server: TestServer, topic: string): Promise<() => Promise<void>> {
  const db = server.pulse.services.prisma;
  await db.$executeRawUnsafe(`CREATE OR REPLACE FUNCTION pulse_test_fault() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN RAISE EXCEPTION 'injected fault'; END $$`);
  await db.$executeRawUnsafe(
    `CREATE TRIGGER pulse_test_fault BEFORE INSERT ON "StreamEvent" FOR EACH ROW WHEN (NEW."topic" = '${topic}') EXECUTE FUNCTION pulse_test_fault()`,
  );
  return async () => void (await db.$executeRawUnsafe(`DROP TRIGGER pulse_test_fault ON "StreamEvent"`));
}

describe.runIf(TEST_DATABASE_URL && TEST_REDIS_URL)('group commit: a ticket rush through two instances (PostgreSQL + Redis)', () => {
  const { cluster, cleanup } = useTestCluster(2);
  let organizer: TestUser;
  let people: TestUser[];
  beforeAll(async () => {
    [organizer, ...people] = await createUsers(cluster.servers[0], 5001, 'rush');
  }, 120_000);

  it('5,000 simultaneous attempts for 1,000 seats: 1,000 booked, 4,000 SOLD_OUT, 1,000 BOOKED events 999..0 in seq order', async () => {
    const [a, b] = cluster.servers;
    const eventId = (await gqlOk(a.url, CREATE_EVENT, { input: { title: 'Rush', startsAt: nextWeek(), capacity: 1000 } }, organizer.token))
      .createEvent.id;
    const ws = cleanup.add(connectWs(b.wsUrl, organizer.token));
    const sub = ws.subscribe<{ seatUpdates: SeatUpdate }>(SEAT_UPDATES, { eventId });
    await ws.connected;
    await waitForSubscriptions(b, 1);
    const batchesBefore = a.pulse.services.bookingBatches.stats.batches + b.pulse.services.bookingBatches.stats.batches;

    // All 5,000 requests are issued at once; each server sees up to 256 of them on open sockets at a time.
    const agent = new Agent({ keepAlive: true, maxSockets: 256 });
    const post = pooledGql(agent);
    const results = await Promise.all(people.map((p, i) => post(cluster.servers[i % 2].url, BOOK_ONE, { eventId }, p.token)));
    agent.destroy();

    const booked = results.flatMap((r, i) => (r.errors ? [] : [{ booking: r.data.bookSeats, caller: people[i] }]));
    const refused = results.filter((r) => r.errors);
    expect(booked).toHaveLength(1000);
    expect(refused).toHaveLength(4000);
    expect(refused.every((r) => errorCode(r) === 'SOLD_OUT' && r.errors![0].extensions!.availableSeats === 0)).toBe(true);
    // Each caller got its own booking: its own user, one seat, and ids nobody else got.
    expect(booked.every(({ booking, caller }) => booking.user.id === caller.id && booking.seats === 1 && booking.status === 'ACTIVE')).toBe(
      true,
    );
    expect(new Set(booked.map(({ booking }) => booking.id)).size).toBe(1000);
    // Coalesced: far fewer transactions than bookings.
    const batches = a.pulse.services.bookingBatches.stats.batches + b.pulse.services.bookingBatches.stats.batches - batchesBefore;
    expect(batches).toBeLessThan(5000);

    const { prisma } = a.pulse.services;
    expect((await prisma.event.findUniqueOrThrow({ where: { id: eventId } })).bookedSeats).toBe(1000);
    expect(await prisma.booking.count({ where: { eventId } })).toBe(1000);

    const events = (await sub.take(1000, 60_000)).map((e) => e.seatUpdates);
    expect(events.every((e) => e.kind === 'BOOKED')).toBe(true);
    expect(events.map((e) => decodeCursor(e.cursor, `event:${eventId}`))).toEqual(Array.from({ length: 1000 }, (_, i) => i + 1));
    expect(events.map((e) => e.availableSeats)).toEqual(Array.from({ length: 1000 }, (_, i) => 999 - i));
    expect(new Set(events.map((e) => e.booking!.id))).toEqual(new Set(booked.map(({ booking }) => booking.id)));
  }, 180_000);
});

describe.each(DATABASE_KINDS)('group commit of bookings on %s', (kind) => {
  const { server, cleanup } = useTestServer(kind, { noSubscriptionsLeft: true });
  let organizer: TestUser;
  let people: TestUser[];
  beforeAll(async () => {
    [organizer, ...people] = await createUsers(server, 32, 'batch');
  });

  const createEvent = async (capacity: number) =>
    (await gqlOk(server.url, CREATE_EVENT, { input: { title: 'Batch', startsAt: nextWeek(), capacity } }, organizer.token)).createEvent
      .id as string;
  const watch = async (eventId: string) => {
    const ws = cleanup.add(connectWs(server.wsUrl, organizer.token));
    const sub = ws.subscribe<{ seatUpdates: SeatUpdate }>(SEAT_UPDATES, { eventId });
    await ws.connected;
    await waitForSubscriptions(server, 1);
    return sub;
  };

  it('multi-seat bookings in one batch are all or nothing: 3 with 2 left is SOLD_OUT, the next for 2 succeeds', async () => {
    const eventId = await createEvent(5);
    const sub = await watch(eventId);
    const group = server.pulse.services.bookingBatches;
    const before = group.stats.batches;

    const [first, tooMany, rest] = await Promise.allSettled([
      bookSeats(server.pulse.services, people[0].id, eventId, 3),
      bookSeats(server.pulse.services, people[1].id, eventId, 3),
      bookSeats(server.pulse.services, people[2].id, eventId, 2),
    ]);

    expect(group.stats.batches - before).toBe(1);
    expect(first).toMatchObject({ status: 'fulfilled', value: { userId: people[0].id, seats: 3 } });
    expect(tooMany).toMatchObject({ status: 'rejected', reason: { extensions: { code: 'SOLD_OUT', availableSeats: 2 } } });
    expect(rest).toMatchObject({ status: 'fulfilled', value: { userId: people[2].id, seats: 2 } });
    const events = (await sub.take(2)).map((e) => e.seatUpdates);
    expect(events.map((e) => [e.kind, e.availableSeats, e.booking?.seats])).toEqual([
      ['BOOKED', 2, 3],
      ['BOOKED', 0, 2],
    ]);
    const rows = await server.pulse.services.prisma.booking.findMany({ where: { eventId }, orderBy: { id: 'asc' } });
    expect(rows.map((r) => [r.userId, r.seats])).toEqual([
      [people[0].id, 3],
      [people[2].id, 2],
    ]);
    // Over HTTP, too: nothing left now, so even one seat is SOLD_OUT with availableSeats 0.
    const after = await gql(server.url, BOOK_ONE, { eventId }, people[3].token);
    expect(errorCode(after)).toBe('SOLD_OUT');
    expect(after.errors![0].extensions!.availableSeats).toBe(0);
  });

  it('requests that arrive while a batch is in flight wait for it and form the next batch together', async () => {
    const eventId = await createEvent(10);
    const group = server.pulse.services.bookingBatches;
    const before = group.stats.batches;
    const book = (i: number) => bookSeats(server.pulse.services, people[i].id, eventId, 1);

    const first = book(0); // starts a batch: the key was idle
    await Promise.resolve(); // its transaction is now in flight (it needs the database to finish)
    const second = book(1);
    await Promise.resolve();
    const third = book(2); // arrives later than `second`, still while the first batch is in flight

    const done = await Promise.all([first, second, third]);
    expect(group.stats.batches - before).toBe(2); // [first], then [second, third]
    expect(done.map((b) => b.userId)).toEqual([people[0].id, people[1].id, people[2].id]);
    const rows = await server.pulse.services.prisma.booking.findMany({ where: { eventId }, orderBy: { id: 'asc' } });
    expect(rows.map((r) => r.userId)).toEqual([people[0].id, people[1].id, people[2].id]);
  });

  it('a batch whose transaction fails commits nothing, fails every caller in it and publishes nothing', async () => {
    const eventId = await createEvent(100);
    const sub = await watch(eventId);
    const group = server.pulse.services.bookingBatches;
    const removeFault = await injectAppendFault(server, `event:${eventId}`);
    try {
      const before = group.stats.batches;
      const inOneBatch = await Promise.allSettled(people.slice(0, 10).map((p) => bookSeats(server.pulse.services, p.id, eventId, 1)));
      expect(group.stats.batches - before).toBe(1);
      expect(inOneBatch.every((r) => r.status === 'rejected' && /injected fault/.test(String(r.reason)))).toBe(true);

      // Over HTTP, in whatever batches they fall: every caller gets an (masked) error, none a booking.
      const overHttp = await Promise.all(people.slice(10, 30).map((p) => gql(server.url, BOOK_ONE, { eventId }, p.token)));
      expect(overHttp.every((r) => r.errors?.length === 1 && !r.data?.bookSeats)).toBe(true);
    } finally {
      await removeFault();
    }
    const { prisma } = server.pulse.services;
    expect((await prisma.event.findUniqueOrThrow({ where: { id: eventId } })).bookedSeats).toBe(0);
    expect(await prisma.booking.count({ where: { eventId } })).toBe(0);
    expect(await prisma.streamEvent.count({ where: { topic: `event:${eventId}` } })).toBe(0);

    // The first thing the subscriber ever sees is the booking made after the fault: nothing was published before it.
    const ok = (await gqlOk(server.url, BOOK_ONE, { eventId }, people[30].token)).bookSeats;
    const first = (await sub.next()).seatUpdates;
    expect([first.kind, first.availableSeats, first.booking?.id, decodeCursor(first.cursor, `event:${eventId}`)]).toEqual([
      'BOOKED',
      99,
      ok.id,
      1,
    ]);
  });
});
