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
 * The runs and their fixtures live in bench/bookings/; this file sets up the services and prints the report.
 */
import { cpus, loadavg } from 'node:os';
import type { TestDatabase } from '../test/support/database.js';
import type { TestServer } from '../test/support/server.js';
import { type Figures, BOOKINGS, CLIENT_COUNTS, INSTANCE_COUNTS } from './bookings/fixtures.js';
import { breakdown, ceiling, endToEnd, rush } from './bookings/runs.js';
import { benchDatabaseUrl, benchRedisUrl, runMain } from './lib/common.js';

// The harness reads these when it is loaded, so set them before importing it.
process.env.TEST_DATABASE_URL ??= benchDatabaseUrl();
process.env.TEST_REDIS_URL ??= benchRedisUrl();
const { createTestDatabase } = await import('../test/support/database.js');
const { startTestServer } = await import('../test/support/server.js');

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
  const group = servers[0].pulse.services.bookingBatches.stats;
  console.log(
    `# instance 0 group commit: ${group.requests} bookings in ${group.batches} batches (largest ${group.largest}); load average at the end: ${load()}`,
  );
  await Promise.all(servers.map((s) => s.stop()));
  await database.drop();
}

runMain(main);
