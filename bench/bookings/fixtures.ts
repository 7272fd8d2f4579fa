/** Booking bench settings and fixtures: the env knobs, the figures of a closed loop, users, an event, a seat watcher. */
import { performance } from 'node:perf_hooks';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import type { TestServer } from '../../test/support/server.js';
import { percentile } from '../lib/common.js';

export const CLIENT_COUNTS = (process.env.BENCH_CLIENTS ?? '1,16,64,256').split(',').map(Number);
export const INSTANCE_COUNTS = (process.env.BENCH_INSTANCES ?? '1,2').split(',').map(Number);
export const BOOKINGS = Number(process.env.BENCH_BOOKINGS ?? 2000);
export const RUSH = Number(process.env.BENCH_RUSH ?? 5000);
export const MAX_PG_CONNECTIONS = 16; // the PostgreSQL here is shared (max_connections 100)

export const BOOK = `mutation($eventId: ID!) { bookSeats(eventId: $eventId, seats: 1) { id } }`;

export interface Figures {
  perSecond: number;
  p50: number;
  p99: number;
}

/** Runs `clients` loops of `once` until `total` calls were made; bookings/s and latency percentiles. */
export async function closedLoop(clients: number, total: number, once: (client: number) => Promise<void>): Promise<Figures> {
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

/** `count` users tagged `tag`, each with a signed token. */
export async function users(server: TestServer, count: number, tag: string) {
  const { prisma, tokens } = server.pulse.services;
  const names = Array.from({ length: count }, (_, i) => `b${tag}_${i}`);
  await prisma.user.createMany({ data: names.map((username) => ({ username, displayName: username, passwordHash: 'none' })) });
  const rows = await prisma.user.findMany({ where: { username: { in: names } } });
  return Promise.all(rows.map(async (u) => ({ id: u.id, token: await tokens.sign({ userId: u.id, role: 'USER' }) })));
}

/** An event tomorrow with `capacity` seats, organized by `organizerId`. */
export async function createEvent(server: TestServer, organizerId: string, capacity: number): Promise<string> {
  const event = await server.pulse.services.prisma.event.create({
    data: { title: 'Bench', startsAt: new Date(Date.now() + 86_400_000), capacity, organizerId },
  });
  return event.id;
}

/** A seatUpdates subscriber that counts events and checks each count is one below the last. */
export function watch(server: TestServer, eventId: string, capacity: number) {
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
