/** Booking bench runs: the one-row pg ceiling, Pulse end to end, the sell-out rush, one booking's time breakdown. */
import { Agent } from 'node:http';
import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import pg from 'pg';
import { bookSeats } from '../../src/bookings/group-commit.js';
import { gql } from '../../test/support/client.js';
import type { TestDatabase } from '../../test/support/database.js';
import type { TestServer } from '../../test/support/server.js';
import { percentile } from '../lib/common.js';
import { BOOK, BOOKINGS, closedLoop, createEvent, type Figures, MAX_PG_CONNECTIONS, RUSH, users, watch } from './fixtures.js';

/** pooledGql, imported when first used: its module loads the harness, which reads TEST_DATABASE_URL when loaded (bookings.ts sets it). */
const pooledGql = async (agent: Agent) => (await import('../../test/bookings/queries.js')).pooledGql(agent);

/** The one-row ceiling: one pg transaction per booking (conditional UPDATE + INSERT), no Pulse. */
export async function ceiling(database: TestDatabase, server: TestServer, clients: number, tag: string): Promise<Figures> {
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

/** Pulse over HTTP: `clients` loops on the instances (worker thread) until BOOKINGS are made, checked by a subscriber. */
export async function endToEnd(servers: TestServer[], clients: number, tag: string): Promise<Figures & { note: string }> {
  const [organizer, ...people] = await users(servers[0], clients + 1, tag);
  const capacity = BOOKINGS * 10;
  const eventId = await createEvent(servers[0], organizer.id, capacity);
  const watcher = watch(servers[servers.length - 1], eventId, capacity);
  const live = servers[servers.length - 1].pulse.services.subscriptionStats;
  while (live.liveCount() < 1) await new Promise((r) => setTimeout(r, 10));
  // The clients run in a worker thread (keep-alive connections, as a browser or a load balancer keeps them).
  const worker = new Worker(new URL('../bookings-load.mjs', import.meta.url), {
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

/** RUSH simultaneous attempts for RUSH/5 seats across the instances: exactly that many booked, the rest SOLD_OUT. */
export async function rush(servers: TestServer[], tag: string): Promise<string> {
  const seats = Math.floor(RUSH / 5);
  const [organizer, ...people] = await users(servers[0], RUSH + 1, tag);
  const eventId = await createEvent(servers[0], organizer.id, seats);
  // All attempts are issued at once; at most 256 open sockets per instance (more overflow the listen backlog).
  const agent = new Agent({ keepAlive: true, maxSockets: 256 });
  const post = await pooledGql(agent);
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
export async function breakdown(server: TestServer, tag: string): Promise<string[]> {
  const N = 300;
  const [organizer, person] = await users(server, 2, tag);
  const eventId = await createEvent(server, organizer.id, N * 10);
  const { tokens } = server.pulse.services;
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const post = await pooledGql(agent);
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
