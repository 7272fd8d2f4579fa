/**
 * Booking benchmarks (figures, not assertions): contended bookings of ONE event, the row every
 * booking of that event must lock.
 *  1. end to end: I instances (one PostgreSQL schema, one Redis), C concurrent clients spread over
 *     them, each looping `bookSeats(seats: 1)` over HTTP until B bookings are made; one `seatUpdates`
 *     subscriber checks that every booking arrived with the exact count. Reports bookings/s and
 *     request latency p50/p99.
 *  2. domain only: the same contention through `bookSeats()` of the service, no HTTP or GraphQL, on
 *     one instance: the database-bound ceiling.
 *  3. a sell-out rush: A concurrent attempts for K seats; exactly K must succeed.
 * Everything (clients, instances) runs in this one Node process, beside PostgreSQL, so on a small
 * machine the clients' and servers' CPU is part of the figure. BENCH_DATABASE_URL / BENCH_REDIS_URL
 * (default: the local services), BENCH_INSTANCES, BENCH_CLIENTS, BENCH_BOOKINGS, BENCH_RUSH.
 */
import { cpus, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { bookSeats } from '../src/bookings/service.js';
import type { TestDatabase } from '../test/support/database.js';
import type { TestServer } from '../test/support/server.js';

// The harness reads these when it is loaded, so set them before importing it.
process.env.TEST_DATABASE_URL ??= process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
process.env.TEST_REDIS_URL ??= process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
const { createTestDatabase } = await import('../test/support/database.js');
const { startTestServer } = await import('../test/support/server.js');
const { gql, gqlOk } = await import('../test/support/client.js');

const INSTANCES = Number(process.env.BENCH_INSTANCES ?? 2);
const CLIENT_COUNTS = (process.env.BENCH_CLIENTS ?? '1,8,32,128').split(',').map(Number);
const BOOKINGS = Number(process.env.BENCH_BOOKINGS ?? 1000);
const RUSH = Number(process.env.BENCH_RUSH ?? 1000);

const BOOK = `mutation($eventId: ID!) { bookSeats(eventId: $eventId, seats: 1) { id } }`;

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function users(server: TestServer, count: number, tag: string) {
  const { prisma, tokens } = server.pulse.services;
  const names = Array.from({ length: count }, (_, i) => `b${tag}_${i}`);
  await prisma.user.createMany({ data: names.map((username) => ({ username, displayName: username, passwordHash: 'none' })) });
  const rows = await prisma.user.findMany({ where: { username: { in: names } } });
  return Promise.all(rows.map(async (u) => ({ id: u.id, token: await tokens.sign({ userId: u.id, role: 'USER' }) })));
}

async function createEvent(server: TestServer, organizerId: string, capacity: number): Promise<string> {
  const event = await server.pulse.services.prisma.event.create({
    data: { title: 'Bench', startsAt: new Date(Date.now() + 86_400_000), capacity, organizerId },
  });
  return event.id;
}

/** A seatUpdates subscriber that counts events and checks each count is one below the last. */
function watch(server: TestServer, eventId: string, capacity: number) {
  const client = createClient({ url: server.wsUrl, webSocketImpl: WebSocket, lazy: false, retryAttempts: 0, onNonLazyError: () => {} });
  const state = { received: 0, exact: true };
  client.subscribe(
    { query: `subscription($id: ID!) { seatUpdates(eventId: $id) { availableSeats } }`, variables: { id: eventId } },
    {
      next: (msg) => {
        const available = (msg.data as { seatUpdates: { availableSeats: number } }).seatUpdates.availableSeats;
        state.received++;
        if (available !== capacity - state.received) state.exact = false;
      },
      error: () => (state.exact = false),
      complete: () => {},
    },
  );
  return { state, dispose: () => client.dispose() };
}

async function endToEnd(servers: TestServer[], clients: number, tag: string) {
  const [organizer, ...people] = await users(servers[0], clients + 1, tag);
  const capacity = BOOKINGS * 10;
  const eventId = await createEvent(servers[0], organizer.id, capacity);
  const watcher = watch(servers[servers.length - 1], eventId, capacity);
  const live = servers[servers.length - 1].pulse.services.streams;
  while (live.liveCount() < 1) await new Promise((r) => setTimeout(r, 10));

  let started = 0;
  const latencies: number[] = [];
  const t0 = performance.now();
  await Promise.all(
    people.map(async (person, i) => {
      const url = servers[i % servers.length].url;
      while (started < BOOKINGS) {
        started++;
        const t = performance.now();
        await gqlOk(url, BOOK, { eventId }, person.token);
        latencies.push(performance.now() - t);
      }
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  const deadline = Date.now() + 30_000;
  while (watcher.state.received < BOOKINGS && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  await watcher.dispose();
  const booked = (await servers[0].pulse.services.prisma.event.findUniqueOrThrow({ where: { id: eventId } })).bookedSeats;
  latencies.sort((a, b) => a - b);
  console.log(
    `end to end, ${servers.length} instance(s), ${String(clients).padStart(3)} clients: ${BOOKINGS} bookings in ${seconds.toFixed(2)} s = ` +
      `${Math.round(BOOKINGS / seconds)} bookings/s; latency p50 ${percentile(latencies, 50).toFixed(1)} ms, p99 ${percentile(latencies, 99).toFixed(1)} ms; ` +
      `bookedSeats ${booked}, subscriber got ${watcher.state.received} events, ${watcher.state.exact ? 'every count exact' : 'COUNTS WRONG'}`,
  );
}

async function domainOnly(server: TestServer, clients: number, tag: string) {
  const [organizer, ...people] = await users(server, clients + 1, tag);
  const eventId = await createEvent(server, organizer.id, BOOKINGS * 10);
  let started = 0;
  const t0 = performance.now();
  await Promise.all(
    people.map(async (person) => {
      while (started < BOOKINGS) {
        started++;
        await bookSeats(server.pulse.services, person.id, eventId, 1);
      }
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  console.log(`domain only, 1 instance, ${String(clients).padStart(3)} callers: ${BOOKINGS} bookings in ${seconds.toFixed(2)} s = ${Math.round(BOOKINGS / seconds)} bookings/s`);
}

async function rush(servers: TestServer[], tag: string) {
  const seats = Math.floor(RUSH / 3);
  const [organizer, ...people] = await users(servers[0], RUSH + 1, tag);
  const eventId = await createEvent(servers[0], organizer.id, seats);
  const t0 = performance.now();
  const results = await Promise.all(people.map((p, i) => gql(servers[i % servers.length].url, BOOK, { eventId }, p.token)));
  const seconds = (performance.now() - t0) / 1000;
  const ok = results.filter((r) => !r.errors).length;
  const soldOut = results.filter((r) => r.errors?.[0]?.extensions?.code === 'SOLD_OUT').length;
  console.log(
    `sell-out rush, ${servers.length} instance(s): ${RUSH} simultaneous attempts for ${seats} seats in ${seconds.toFixed(2)} s = ` +
      `${Math.round(RUSH / seconds)} attempts/s; ${ok} booked, ${soldOut} SOLD_OUT${ok === seats && soldOut === RUSH - seats ? '' : ' (WRONG)'}`,
  );
}

async function main() {
  const database: TestDatabase = await createTestDatabase('postgres');
  const servers: TestServer[] = [];
  for (let i = 0; i < INSTANCES; i++) {
    servers.push(await startTestServer({ database, redis: true, config: { instanceId: `bench-${i}` } }));
  }
  const load = () => loadavg().map((l) => l.toFixed(1)).join(' ');
  console.log(`# booking benchmarks (PostgreSQL + Redis, ${INSTANCES} instance(s), pool of 10 connections each; ${cpus().length} CPUs, load ${load()})`);
  let run = 0;
  for (const clients of CLIENT_COUNTS) await endToEnd(servers, clients, `e${run++}`);
  for (const clients of CLIENT_COUNTS) await domainOnly(servers[0], clients, `d${run++}`);
  await rush(servers, `r${run++}`);
  console.log(`# load average at the end: ${load()}`);
  await Promise.all(servers.map((s) => s.stop()));
  await database.drop();
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
