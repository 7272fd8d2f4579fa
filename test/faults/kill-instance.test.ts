/**
 * Acceptance 5 of issue 12: kill -9 of an instance (a child process) while a writer appends 1,000
 * events through the other; subscribers on both resume (the killed one's on the survivor, from their
 * cursors) and every subscriber ends with exactly seqs 1..1000.
 */
import { describe, expect, it } from 'vitest';
import { gqlOk, registerUser } from '../support/client.js';
import { withTimeout } from '../support/wait.js';
import { createTestDatabase, TEST_DATABASE_URL, TEST_REDIS_URL, type TestDatabase } from '../support/database.js';
import { startInstance } from '../support/process.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { POST_MATCH } from '../matches/queries.js';
import { afterAllStopping, feedSubscriber, oneTo, type FeedSubscriber } from './feed-subscriber.js';

const EVENTS = 1_000;
const PER_INSTANCE = 5;

describe.runIf(TEST_DATABASE_URL && TEST_REDIS_URL)('kill -9 of an instance under writes', () => {
  let database: TestDatabase;
  let a: TestServer;
  const subscribers: FeedSubscriber[] = [];
  afterAllStopping(
    subscribers,
    () => a?.stop(),
    () => database?.drop(),
  );

  it('every subscriber on either instance ends with exactly 1..1000', async () => {
    database = await createTestDatabase('postgres');
    a = await startTestServer({ database, redis: true, config: { instanceId: 'A' } });
    const b = await startInstance({
      database,
      redisUrl: TEST_REDIS_URL!,
      redisPrefix: `pulse-test:${database.name}:`,
      env: { INSTANCE_ID: 'B' },
    });
    const bAlive = () => b.child.exitCode === null && b.child.signalCode === null;
    for (let i = 0; i < PER_INSTANCE; i++) {
      subscribers.push(await feedSubscriber({ url: a.url, wsUrl: () => a.wsUrl, region: 'NA' }));
      // Subscribers of B move to A once B is gone (a load balancer would do the same).
      subscribers.push(await feedSubscriber({ url: b.url, wsUrl: () => (bAlive() ? b.wsUrl : a.wsUrl), region: 'NA' }));
    }
    const started = Date.now();
    const writer = await registerUser(a.url, 'writer');
    // Four concurrent writers through A (seqs are still gap-free, in commit order); B dies at ~300.
    let written = 0;
    let killed: Promise<number | string> | null = null;
    await Promise.all(
      [0, 1, 2, 3].map(async () => {
        while (written < EVENTS) {
          const i = ++written;
          await gqlOk(a.url, POST_MATCH, { input: { game: `e${i}`, region: 'NA', slots: 1 } }, writer.token);
          if (i === 300) killed = b.kill('SIGKILL');
        }
      }),
    );
    expect(await killed).toBe('SIGKILL');
    const wrote = Date.now() - started;
    await withTimeout(Promise.all(subscribers.map((s) => s.reached(EVENTS))), 60_000, 'every subscriber to reach 1000').catch((error) => {
      throw new Error(`${error.message}; last seqs: ${subscribers.map((s) => s.seqs.at(-1)).join(',')}`);
    });
    console.log(
      `[kill -9] wrote ${EVENTS} events in ${wrote} ms; all ${subscribers.length} subscribers complete ${Date.now() - started} ms after the first write`,
    );
    for (const s of subscribers) {
      expect(s.errors).toEqual([]);
      expect(s.seqs).toEqual(oneTo(EVENTS));
    }
  }, 240_000);
});
