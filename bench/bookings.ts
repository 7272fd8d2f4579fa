/**
 * Booking benchmarks (figures, not assertions): contended bookings of ONE event, the row every
 * booking of that event must lock. In one run:
 *  1. the one-row ceiling: a plain `pg` client, one connection per client (at most 16), each booking
 *     its own transaction: the conditional `UPDATE "Event"` + one `INSERT "Booking"`;
 *  2. Pulse end to end over HTTP at C clients on one and on two instances (one PostgreSQL schema, one
 *     Redis), each client looping `bookSeats(seats: 1)` until B bookings are made (the clients run in a
 *     worker thread, bench/bookings-load.mjs); one `seatUpdates`
 *     subscriber checks every count. Bookings/s, p50, p99, and the ratio to the ceiling at C;
 *  3. a sell-out rush: R simultaneous attempts for R/5 seats through the instances;
 *  4. where a single booking's time goes (sequential, one client): HTTP + GraphQL pipeline with an
 *     anonymous `{ __typename }`, the same with a token (JWT verify), the rate limiter alone, the
 *     booking through the service (no HTTP), and the booking over HTTP.
 * Everything runs in this one Node process (the instances share its event loop; the HTTP clients have
 * their own thread) beside PostgreSQL on the same box, and other work on the machine makes it noisy.
 * BENCH_DATABASE_URL / BENCH_REDIS_URL (default: the local services), BENCH_CLIENTS (1,16,64,256),
 * BENCH_BOOKINGS (2000), BENCH_RUSH (5000), BENCH_INSTANCES (1,2).
 */
import { Agent } from 'node:http';
import { cpus, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import { createClient } from 'graphql-ws';
import pg from 'pg';
import WebSocket from 'ws';
import { bookingGroup, bookSeats } from '../src/bookings/group-commit.js';
import type { TestDatabase } from '../test/support/database.js';
import type { TestServer } from '../test/support/server.js';

// The harness reads these when it is loaded, so set them before importing it.
process.env.TEST_DATABASE_URL ??= process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
process.env.TEST_REDIS_URL ??= process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
const { createTestDatabase } = await import('../test/support/database.js');
const { startTestServer } = await import('../test/support/server.js');
const { gql } = await import('../test/support/client.js');
const { pooledGql } = await import('../test/bookings/queries.js');

const CLIENT_COUNTS = (process.env.BENCH_CLIENTS ?? '1,16,64,256').split(',').map(Number);
const INSTANCE_COUNTS = (process.env.BENCH_INSTANCES ?? '1,2').split(',').map(Number);
const BOOKINGS = Number(process.env.BENCH_BOOKINGS ?? 2000);
const RUSH = Number(process.env.BENCH_RUSH ?? 5000);
const MAX_PG_CONNECTIONS = 16; // the PostgreSQL here is shared (max_connections 100)

const BOOK = `mutation($eventId: ID!) { bookSeats(eventId: $eventId, seats: 1) { id } }`;

interface Figures {
  perSecond: number;
  p50: number;
  p99: number;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/** Runs `clients` loops of `once` until `total` calls were made; bookings/s and latency percentiles. */
async function closedLoop(clients: number, total: number, once: (client: number) => Promise<void>): Promise<Figures> {
  let started = 0;
  const latencies: number[] = [];
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async (_, i) => {
      while (started < total) {
        started++;
        const t = performance.now();
        await once(i);
        latencies.push(performance.now() - t);
      }
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  latencies.sort((a, b) => a - b);
  return { perSecond: total / seconds, p50: percentile(latencies, 50), p99: percentile(latencies, 99) };
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

/** The one-row ceiling: one pg transaction per booking (conditional UPDATE + INSERT), no Pulse. */
async function ceiling(database: TestDatabase, server: TestServer, clients: number, tag: string): Promise<Figures> {
  const [organizer, ...people] = await users(server, clients + 1, tag);
  const eventId = await createEvent(server, organizer.id, BOOKINGS * 10);
  const schema = database.target.kind === 'postgres' ? database.target.schema : null;
  const url = new URL(database.target.kind === 'postgres' ? database.target.url : '');
  url.searchParams.delete('schema');
  const pool = new pg.Pool({
    connectionString: url.toString(),
    max: Math.min(clients, MAX_PG_CONNECTIONS),
    ...(schema ? { options: `-c search_path="${schema}"` } : {}),
  });
  let n = 0;
  try {
    return await closedLoop(clients, BOOKINGS, async (i) => {
      const c = await pool.connect();
      try {
        await c.query('BEGIN');
        const { rowCount } = await c.query(
          'UPDATE "Event" SET "bookedSeats" = "bookedSeats" + 1 WHERE "id" = $1 AND "bookedSeats" + 1 <= "capacity"',
          [eventId],
        );
        if (rowCount !== 1) throw new Error('sold out');
        await c.query('INSERT INTO "Booking" ("id", "eventId", "userId", "seats") VALUES ($1, $2, $3, 1)', [
          `ceil${tag}_${n++}`,
          eventId,
          people[i].id,
        ]);
        await c.query('COMMIT');
      } finally {
        c.release();
      }
    });
  } finally {
    await pool.end();
  }
}

async function endToEnd(servers: TestServer[], clients: number, tag: string): Promise<Figures & { note: string }> {
  const [organizer, ...people] = await users(servers[0], clients + 1, tag);
  const capacity = BOOKINGS * 10;
  const eventId = await createEvent(servers[0], organizer.id, capacity);
  const watcher = watch(servers[servers.length - 1], eventId, capacity);
  const live = servers[servers.length - 1].pulse.services.subscriptionStats;
  while (live.liveCount() < 1) await new Promise((r) => setTimeout(r, 10));
  // The clients run in a worker thread (keep-alive connections, as a browser or a load balancer keeps them).
  const worker = new Worker(new URL('./bookings-load.mjs', import.meta.url), {
    workerData: { urls: servers.map((s) => s.url), tokens: people.map((p) => p.token), eventId, clients, total: BOOKINGS, query: BOOK },
  });
  const load = await new Promise<{ seconds: number; latencies: number[]; failed: number }>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  await worker.terminate();
  const failed = load.failed;
  const latencies = load.latencies.sort((a, b) => a - b);
  const figures: Figures = { perSecond: BOOKINGS / load.seconds, p50: percentile(latencies, 50), p99: percentile(latencies, 99) };
  const deadline = Date.now() + 30_000;
  while (watcher.state.received < BOOKINGS && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  await watcher.dispose();
  const booked = (await servers[0].pulse.services.prisma.event.findUniqueOrThrow({ where: { id: eventId } })).bookedSeats;
  const ok = booked === BOOKINGS && failed === 0 && watcher.state.received === BOOKINGS && watcher.state.exact;
  return { ...figures, note: ok ? 'exact' : `WRONG: booked ${booked}, ${failed} failed, ${watcher.state.received} events` };
}

async function rush(servers: TestServer[], tag: string): Promise<string> {
  const seats = Math.floor(RUSH / 5);
  const [organizer, ...people] = await users(servers[0], RUSH + 1, tag);
  const eventId = await createEvent(servers[0], organizer.id, seats);
  // All attempts are issued at once; at most 256 open sockets per instance (more overflow the listen backlog).
  const agent = new Agent({ keepAlive: true, maxSockets: 256 });
  const post = pooledGql(agent);
  const t0 = performance.now();
  const results = await Promise.all(people.map((p, i) => post(servers[i % servers.length].url, BOOK, { eventId }, p.token)));
  const seconds = (performance.now() - t0) / 1000;
  agent.destroy();
  const ok = results.filter((r) => !r.errors).length;
  const soldOut = results.filter((r) => r.errors?.[0]?.extensions?.code === 'SOLD_OUT').length;
  return (
    `sell-out rush, ${servers.length} instance(s): ${RUSH} simultaneous attempts for ${seats} seats in ${seconds.toFixed(2)} s ` +
    `(${Math.round(RUSH / seconds)} attempts/s); ${ok} booked, ${soldOut} SOLD_OUT${ok === seats && soldOut === RUSH - seats ? '' : ' (WRONG)'}`
  );
}

/** Sequential single-client costs, median of N, to see where one booking's time goes. */
async function breakdown(server: TestServer, tag: string): Promise<string[]> {
  const N = 300;
  const [organizer, person] = await users(server, 2, tag);
  const eventId = await createEvent(server, organizer.id, N * 10);
  const { tokens } = server.pulse.services;
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const post = pooledGql(agent);
  const median = async (run: () => Promise<unknown>) => {
    const times: number[] = [];
    for (let i = 0; i < N; i++) {
      const t = performance.now();
      await run();
      times.push(performance.now() - t);
    }
    times.sort((a, b) => a - b);
    return percentile(times, 50).toFixed(2);
  };
  return [
    `HTTP + GraphQL pipeline, anonymous { __typename }: p50 ${await median(() => gql(server.url, '{ __typename }'))} ms`,
    `  the same with a token (JWT verify + per-user rate limit): p50 ${await median(() => gql(server.url, '{ __typename }', {}, person.token))} ms`,
    `  JWT verify alone: p50 ${await median(() => tokens.verify(person.token))} ms`,
    `booking through the service (group commit, no HTTP): p50 ${await median(() => bookSeats(server.pulse.services, person.id, eventId, 1))} ms`,
    `booking over HTTP (fetch): p50 ${await median(() => gql(server.url, BOOK, { eventId }, person.token))} ms`,
    `booking over HTTP, keep-alive: p50 ${await median(() => post(server.url, BOOK, { eventId }, person.token))} ms`,
  ];
}

const fmt = (f: Figures) =>
  `${String(Math.round(f.perSecond)).padStart(5)} | ${f.p50.toFixed(1).padStart(6)} | ${f.p99.toFixed(1).padStart(6)}`;

async function main() {
  const load = () =>
    loadavg()
      .map((l) => l.toFixed(1))
      .join(' ');
  const database: TestDatabase = await createTestDatabase('postgres');
  const servers: TestServer[] = [];
  for (let i = 0; i < Math.max(...INSTANCE_COUNTS); i++) {
    servers.push(await startTestServer({ database, redis: true, config: { instanceId: `bench-${i}` } }));
  }
  console.log(`# booking benchmarks: one event, PostgreSQL + Redis; ${cpus().length} CPUs, load ${load()}; ${BOOKINGS} bookings per row`);
  let run = 0;
  const ceilings = new Map<number, Figures>();
  for (const clients of CLIENT_COUNTS) ceilings.set(clients, await ceiling(database, servers[0], clients, `c${run++}`));
  const rows: string[] = [];
  for (const clients of CLIENT_COUNTS) {
    const c = ceilings.get(clients)!;
    const cells = [`| ${String(clients).padStart(3)} | ${fmt(c)}`];
    for (const instances of INSTANCE_COUNTS) {
      const f = await endToEnd(servers.slice(0, instances), clients, `e${run++}`);
      cells.push(`${fmt(f)} | ${(f.perSecond / c.perSecond).toFixed(2)}x${f.note === 'exact' ? '' : ` ${f.note}`}`);
    }
    rows.push(`${cells.join(' | ')} |`);
  }
  const header = INSTANCE_COUNTS.map((n) => `${n} inst/s | p50 ms | p99 ms | ratio`).join(' | ');
  console.log(`| clients | ceiling/s | p50 ms | p99 ms | ${header} |`);
  console.log(`|---|---|---|---|${INSTANCE_COUNTS.map(() => '---|---|---|---|').join('')}`);
  for (const row of rows) console.log(row);
  for (const instances of INSTANCE_COUNTS) console.log(await rush(servers.slice(0, instances), `r${run++}`));
  for (const line of await breakdown(servers[0], `p${run++}`)) console.log(line);
  const group = bookingGroup(servers[0].pulse.services).stats;
  console.log(
    `# instance 0 group commit: ${group.requests} bookings in ${group.batches} batches (largest ${group.largest}); load average at the end: ${load()}`,
  );
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
