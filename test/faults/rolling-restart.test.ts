/**
 * Acceptance 4 of issue 12 (and the cluster test of issue 13): two PostgreSQL-backed instances
 * (child processes) behind HAProxy with `deploy/haproxy.cfg`, 200 typed clients subscribed through
 * HAProxy and writers posting through it. Each instance in turn gets SIGTERM (drain: /readyz 503,
 * DRAIN_MS, sockets closed with 1012, exit) and is started again. Every client ends with exactly the
 * log's seqs 1..N (none lost, none duplicated), no mutation fails for good (retries allowed), and the
 * reconnect delay after 1012 is reported. Then one instance is killed with SIGKILL and its clients
 * resume on the other through HAProxy.
 */
import { describe, expect, it } from 'vitest';
import { gql, registerUser, type TestUser } from '../support/client.js';
import { withTimeout } from '../support/wait.js';
import { createTestDatabase, queryDatabase, TEST_DATABASE_URL, TEST_REDIS_URL, type TestDatabase } from '../support/database.js';
import { freePort, startHaproxy, startInstance, type InstanceProcess } from '../support/process.js';
import { POST_MATCH } from '../matches/queries.js';
import { afterAllStopping, feedSubscriber, oneTo, type FeedSubscriber } from './feed-subscriber.js';

const CLIENTS = 200;
const DRAIN_MS = 2_000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.runIf(TEST_DATABASE_URL && TEST_REDIS_URL)('rolling restart behind HAProxy', () => {
  let database: TestDatabase;
  const subscribers: FeedSubscriber[] = [];
  afterAllStopping(subscribers, () => database?.drop());

  it('loses and duplicates no event and fails no mutation; clients resume at once after 1012', async () => {
    database = await createTestDatabase('postgres');
    const ports = [await freePort(), await freePort()];
    const [bind, stats] = [await freePort(), await freePort()];
    const instance = (i: number) =>
      startInstance({
        database,
        redisUrl: TEST_REDIS_URL!,
        redisPrefix: `pulse-test:${database.name}:`,
        port: ports[i],
        env: { INSTANCE_ID: `pulse${i + 1}`, DRAIN_MS: String(DRAIN_MS), TRUST_PROXY: 'true' },
      });
    // The first start migrates; start the second after it.
    const instances: InstanceProcess[] = [await instance(0)];
    instances.push(await instance(1));
    const haproxy = await startHaproxy({
      PULSE_BIND: `127.0.0.1:${bind}`,
      PULSE_1: `127.0.0.1:${ports[0]}`,
      PULSE_2: `127.0.0.1:${ports[1]}`,
      HAPROXY_STATS: `127.0.0.1:${stats}`,
    });
    await haproxy.waitFor('UP', ['pulse1', 'pulse2']);
    const url = `http://127.0.0.1:${bind}/graphql`;
    const wsUrl = `ws://127.0.0.1:${bind}/graphql`;

    for (let i = 0; i < CLIENTS; i++) subscribers.push(await feedSubscriber({ url, wsUrl: () => wsUrl, region: 'EU' }));

    // Writers through HAProxy, retrying what did not get through (a mutation that got an answer is never retried).
    const writers: TestUser[] = await Promise.all([0, 1].map(() => registerUser(url, 'writer')));
    let stop = false;
    let ok = 0;
    let retries = 0;
    let failed = 0;
    const lastErrors: string[] = [];
    const write = async (user: TestUser, w: number) => {
      for (let i = 0; !stop; i++) {
        for (let attempt = 1; ; attempt++) {
          const result = await gql(url, POST_MATCH, { input: { game: `w${w}-${i}`, region: 'EU', slots: 1 } }, user.token).catch(
            (error: Error) =>
              ({ errors: [{ message: error.message, extensions: { code: 'NETWORK' } }] }) as Awaited<ReturnType<typeof gql>>,
          );
          if (!result.errors) {
            ok++;
            break;
          }
          if (attempt >= 30) {
            failed++;
            lastErrors.push(JSON.stringify(result.errors).slice(0, 300));
            break;
          }
          retries++;
          await sleep(200);
        }
        await sleep(20);
      }
    };
    const writing = writers.map((user, w) => write(user, w));

    for (const i of [0, 1]) {
      const before = ok;
      while (ok < before + 20) await sleep(20);
      expect(await instances[i].kill('SIGTERM')).toBe(0);
      instances[i] = await instance(i);
      await haproxy.waitFor('UP', [`pulse${i + 1}`]);
    }
    const before = ok;
    while (ok < before + 20) await sleep(20);
    stop = true;
    await Promise.all(writing);

    const head = await logHead(database);
    expect(head).toBe(ok); // every answered mutation committed exactly one event, and nothing else did
    await withTimeout(Promise.all(subscribers.map((s) => s.reached(head))), 60_000, `${CLIENTS} clients to reach seq ${head}`);
    const delays = subscribers.flatMap((s) => s.restartDelays).sort((x, y) => x - y);
    for (const s of subscribers) {
      expect(s.errors).toEqual([]);
      expect(s.seqs).toEqual(oneTo(head));
    }
    expect(lastErrors.slice(0, 3)).toEqual([]);
    expect(failed).toBe(0);
    expect(delays.length).toBeGreaterThanOrEqual(CLIENTS); // every client met at least one 1012
    const pick = (q: number, list = delays) => list[Math.min(list.length - 1, Math.floor(q * list.length))];
    const waits = subscribers.flatMap((s) => s.restartWaits).sort((x, y) => x - y);
    console.log(
      `[rolling restart] ${CLIENTS} clients, ${head} events, ${ok} mutations ok, ${retries} retries, 0 failed; ` +
        `reconnect delay after 1012 (${delays.length} reconnects): to connection_ack p50 ${pick(0.5)} ms, p95 ${pick(0.95)} ms, max ${delays.at(-1)} ms; ` +
        `client wait before reconnecting p50 ${pick(0.5, waits)} ms, max ${waits.at(-1)} ms`,
    );

    // A killed instance: its clients resume on the other one through HAProxy, from their cursors.
    await instances[0].kill('SIGKILL');
    const writer = writers[0];
    let posted = 0;
    for (let attempt = 0; posted < 5 && attempt < 100; attempt++) {
      const result = await gql(url, POST_MATCH, { input: { game: `after-kill-${posted}`, region: 'EU', slots: 1 } }, writer.token).catch(
        () => null,
      );
      if (result && !result.errors) posted++;
      else await sleep(100);
    }
    expect(posted).toBe(5);
    await withTimeout(Promise.all(subscribers.map((s) => s.reached(head + 5))), 60_000, 'clients to resume after SIGKILL');
    for (const s of subscribers) expect(s.seqs).toEqual(oneTo(head + 5));
  }, 300_000);
});

async function logHead(database: TestDatabase): Promise<number> {
  const rows = await queryDatabase<{ seq: string }>(database, `SELECT "seq" FROM "StreamTopic" WHERE "topic" = 'region:EU'`);
  return Number(rows[0]?.seq ?? 0);
}
