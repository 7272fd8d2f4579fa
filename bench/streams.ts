/**
 * Stream benchmarks (figures, not assertions):
 *  1. append throughput: concurrent writers appending to ONE topic (the contended row lock);
 *  2. fan-out: S graphql-ws subscribers of one topic, E events; delivered events/s and the
 *     commit-to-delivery latency per event (p50/p99).
 * Runs on PostgreSQL + Redis when BENCH_DATABASE_URL / BENCH_REDIS_URL are set (default: the local
 * services), else on embedded PGlite + in-process bus.
 */
import { performance } from 'node:perf_hooks';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { Topics } from '../src/streams/index.js';
import { benchDatabaseUrl, benchRedisUrl, percentile, runMain } from './lib/common.js';

const embedded = process.env.BENCH_EMBEDDED === '1';
// The test harness reads these when it is first imported: set them before importing it.
if (!embedded) {
  process.env.TEST_DATABASE_URL ??= benchDatabaseUrl();
  process.env.TEST_REDIS_URL ??= benchRedisUrl();
}
const { createTestDatabase } = await import('../test/support/database.js');
const { startTestServer } = await import('../test/support/server.js');
const SUBSCRIBERS = Number(process.env.BENCH_SUBSCRIBERS ?? 2000);
const EVENTS = Number(process.env.BENCH_EVENTS ?? 200);
const APPENDS = Number(process.env.BENCH_APPENDS ?? 2000);
const WRITERS = Number(process.env.BENCH_WRITERS ?? 20);

async function main() {
  const database = embedded ? await createTestDatabase('pglite') : await createTestDatabase('postgres');
  const server = await startTestServer({ database, redis: !embedded, config: { maxSubscriptionsPerConnection: 10_000 } });
  const { streams, subscriptionStats, prisma } = server.pulse.services;
  const mode = embedded ? 'PGlite + in-process bus' : 'PostgreSQL + Redis';
  console.log(`# stream benchmarks (${mode})`);

  // 1. Append throughput on one contended topic.
  const author = await prisma.user.create({ data: { username: `bench_${Date.now()}`, displayName: 'Bench', passwordHash: 'x' } });
  const topic = Topics.post(`bench-${Date.now()}`);
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: WRITERS }, async () => {
      while (next < APPENDS) {
        next++;
        await streams.write((w) => w.append(topic, 'LIKED', { actorId: author.id, likeCount: 0, commentCount: 0 }));
      }
    }),
  );
  const appendSeconds = (performance.now() - started) / 1000;
  console.log(
    `append: ${APPENDS} events to one topic by ${WRITERS} concurrent writers in ${appendSeconds.toFixed(2)} s = ${Math.round(APPENDS / appendSeconds)} events/s`,
  );

  // 2. Fan-out to S subscribers over graphql-ws (one socket per 100 subscriptions).
  const post = await prisma.post.create({ data: { content: 'bench', authorId: author.id } });
  const fanTopic = Topics.post(post.id);
  const sockets = Math.ceil(SUBSCRIBERS / 100);
  const clients = Array.from({ length: sockets }, () =>
    createClient({ url: server.wsUrl, webSocketImpl: WebSocket, lazy: false, retryAttempts: 0, onNonLazyError: () => {} }),
  );
  const commitTimes = new Map<number, number>();
  const latencies: number[] = [];
  let delivered = 0;
  let resolveDone!: () => void;
  const done = new Promise<void>((r) => (resolveDone = r));
  for (let i = 0; i < SUBSCRIBERS; i++) {
    clients[i % sockets].subscribe(
      { query: `subscription($id: ID!) { postActivity(postId: $id) { kind likeCount cursor } }`, variables: { id: post.id } },
      {
        next: (msg) => {
          const count = (msg.data as { postActivity: { likeCount: number } }).postActivity.likeCount;
          latencies.push(performance.now() - (commitTimes.get(count) ?? performance.now()));
          if (++delivered === SUBSCRIBERS * EVENTS) resolveDone();
        },
        error: () => {},
        complete: () => {},
      },
    );
  }
  while (subscriptionStats.liveCount() < SUBSCRIBERS) await new Promise((r) => setTimeout(r, 20));
  const fanStarted = performance.now();
  for (let i = 1; i <= EVENTS; i++) {
    await streams.write((w) => w.append(fanTopic, 'LIKED', { actorId: author.id, likeCount: i, commentCount: 0 }));
    commitTimes.set(i, performance.now());
  }
  await Promise.race([done, new Promise((r) => setTimeout(r, 120_000))]);
  const fanSeconds = (performance.now() - fanStarted) / 1000;
  latencies.sort((a, b) => a - b);
  console.log(
    `fan-out: ${EVENTS} events x ${SUBSCRIBERS} subscribers = ${delivered} deliveries in ${fanSeconds.toFixed(2)} s = ${Math.round(delivered / fanSeconds)} deliveries/s; ` +
      `commit-to-delivery p50 ${percentile(latencies, 50).toFixed(1)} ms, p99 ${percentile(latencies, 99).toFixed(1)} ms`,
  );
  await Promise.all(clients.map((c) => c.dispose()));
  await server.stop();
  await database.drop();
}

runMain(main);
