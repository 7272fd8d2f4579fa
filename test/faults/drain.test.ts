/**
 * Drain on SIGTERM (issue 12): `/readyz` turns 503 at once while the instance keeps serving queries,
 * mutations and subscriptions for DRAIN_MS; then its sockets close with 1012, a mutation in flight
 * at that moment still completes, and the process exits 0.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { gql, gqlOk, registerUser } from '../support/client.js';
import { connectWs } from '../support/ws.js';
import { withTimeout } from '../support/wait.js';
import { createTestDatabase, TEST_DATABASE_URL, TEST_REDIS_URL, type TestDatabase } from '../support/database.js';
import { startInstance, stopAllInstances } from '../support/process.js';
import { MATCH_FEED, POST_MATCH, type FeedEvent } from '../matches/queries.js';

describe.runIf(TEST_DATABASE_URL && TEST_REDIS_URL)('drain on SIGTERM', () => {
  let database: TestDatabase;
  afterAll(async () => {
    await stopAllInstances();
    await database?.drop();
  });

  it('turns /readyz 503 at once, keeps serving for DRAIN_MS, closes sockets with 1012 and exits 0', async () => {
    database = await createTestDatabase('postgres');
    const instance = await startInstance({
      database,
      redisUrl: TEST_REDIS_URL!,
      redisPrefix: `pulse-test:${database.name}:`,
      env: { DRAIN_MS: '3000' },
    });
    const readyz = instance.url.replace('/graphql', '/readyz');
    expect((await fetch(readyz)).status).toBe(200);
    const user = await registerUser(instance.url, 'drain');
    const ws = connectWs(instance.wsUrl);
    await ws.connected;
    const after = (await gqlOk(instance.url, `query { matches(region: NA, first: 1) { streamCursor } }`)).matches.streamCursor;
    const feed = ws.subscribe<FeedEvent>(MATCH_FEED, { region: 'NA', after });

    instance.child.kill('SIGTERM');
    // 503 from the first moment (poll: the signal is delivered asynchronously)...
    for (let i = 0; i < 100 && (await fetch(readyz)).status !== 503; i++) await new Promise((r) => setTimeout(r, 10));
    expect((await fetch(readyz)).status).toBe(503);
    // ...while everything still works: a mutation commits and the open subscription delivers it.
    const posted = (await gqlOk(instance.url, POST_MATCH, { input: { game: 'during drain', region: 'NA', slots: 1 } }, user.token))
      .postMatch;
    expect((await feed.next()).matchFeed.match!.id).toBe(posted.id);
    // A mutation keeps being sent until the sockets close; the last one sent before that completes.
    const results: Awaited<ReturnType<typeof gql>>[] = [];
    let closed = false;
    const closing = ws.closed.then((code) => {
      closed = true;
      return code;
    });
    while (!closed) {
      results.push(
        await gql(instance.url, POST_MATCH, { input: { game: 'late', region: 'NA', slots: 1 } }, user.token).catch(() => ({ errors: [] })),
      );
    }
    expect(await withTimeout(closing, 10_000, 'the 1012 close')).toBe(1012);
    expect(await instance.exited).toBe(0);
    expect(results.length).toBeGreaterThan(0);
    expect(results.filter((r) => !r.errors).length).toBeGreaterThan(0);
  }, 120_000);
});
