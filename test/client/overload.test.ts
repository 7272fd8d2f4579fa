/**
 * `createPulseClient` against an overloaded server: a 1013 (Try Again Later) is retried with
 * full-jitter exponential backoff until a slot frees, and the delays spread a refused crowd over
 * the whole window (no synchronized herd). Events are awaited, never times.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createPulseClient, MatchFeedDocument, overloadDelayMs, type ConnectionState } from '../../client/src/index.js';
import { gqlOk, registerUser } from '../support/client.js';
import { DATABASE_KINDS } from '../support/database.js';
import { disposers } from '../support/setup.js';
import { startTestServer, waitForSubscriptions, type TestServer } from '../support/server.js';
import { connectWs } from '../support/ws.js';
import { deferred, waitUntil, withTimeout } from '../support/wait.js';

it('after an overload signal, waits anywhere from the server floor to an exponential step (full jitter), capped at 30 s', () => {
  expect([0, 1, 2, 3].map((n) => overloadDelayMs(n, 0, () => 0))).toEqual([0, 0, 0, 0]);
  expect([0, 1, 2, 3].map((n) => overloadDelayMs(n, 0, () => 1))).toEqual([1000, 2000, 4000, 8000]);
  expect(overloadDelayMs(100, 0, () => 1)).toBe(30_000);
  // Never sooner than the server's retryAfterMs.
  expect(overloadDelayMs(0, 1500, () => 0)).toBe(1500);
  expect(overloadDelayMs(0, 1500, () => 1)).toBe(1500);
  expect(overloadDelayMs(2, 1500, () => 0.5)).toBe(2750);
  // A crowd refused together spreads over the whole window: delays of 1,000 clients cover it evenly.
  const delays = Array.from({ length: 1000 }, () => overloadDelayMs(3, 0));
  const buckets = [0, 0, 0, 0];
  for (const d of delays) buckets[Math.min(3, Math.floor(d / 2000))]++;
  for (const count of buckets) expect(count).toBeGreaterThan(150);
});

const cleanup = disposers();
let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ config: { maxConnections: 1 } });
});
afterEach(() => cleanup.run());
afterAll(() => server?.stop());

it('a client refused with 1013 keeps retrying with backoff, connects once a slot frees, and its subscription works', async () => {
  const poster = await registerUser(server.url, 'overload');
  const occupant = cleanup.add(connectWs(server.wsUrl));
  await occupant.connected;

  const states: ConnectionState[] = [];
  const pulse = createPulseClient({
    url: server.url,
    webSocketImpl: WebSocket,
    getToken: () => null,
    onConnectionChange: (state) => states.push(state),
  });
  cleanup.defer(() => pulse.dispose());
  const received = deferred<string>();
  const subscription = pulse.subscribe({ query: MatchFeedDocument, variables: { region: 'ASIA' } }).subscribe({
    next: (result) => received.resolve(result.data?.matchFeed.kind ?? ''),
    error: (error) => received.reject(error),
  });
  cleanup.defer(() => subscription.unsubscribe());

  const shed = async () =>
    Number(/pulse_websocket_shed_total\{[^}]*\} (\d+)/.exec((await server.pulse.services.metrics.scrape()).body)?.[1]);
  await waitUntil(() => states.includes('reconnecting'), 'the client to be refused and wait to retry');
  expect(await shed()).toBeGreaterThanOrEqual(1);

  await occupant.dispose();
  await waitForSubscriptions(server, 1, 60_000);
  await gqlOk(
    server.url,
    `mutation($input: PostMatchInput!) { postMatch(input: $input) { id } }`,
    {
      input: { game: 'overload', region: 'ASIA', slots: 2 },
    },
    poster.token,
  );
  expect(await withTimeout(received.promise, 20_000, 'the event')).toBe('POSTED');
});

describe.skipIf(!DATABASE_KINDS.includes('postgres'))('a subscription answered UNAVAILABLE', () => {
  it('is sent again after retryAfterMs (with jitter) instead of failing, and then delivers', async () => {
    const db = cleanup.add(await startTestServer({ database: 'postgres', config: { dbPoolSize: 1, dbPoolWaitMs: 100 } }));
    const poster = await registerUser(db.url, 'unavailable');
    const release = deferred<void>();
    const holding = deferred<void>();
    const held = db.pulse.services.prisma.$transaction(async (tx) => {
      await tx.$queryRaw`SELECT 1`;
      holding.resolve();
      await release.promise;
    });
    cleanup.defer(() => release.resolve());
    await holding.promise;

    const pulse = createPulseClient({ url: db.url, webSocketImpl: WebSocket, getToken: () => null });
    cleanup.defer(() => pulse.dispose());
    const refused = deferred<void>();
    pulse.ws.on('message', (message) => {
      if (message.type === 'error' && JSON.stringify(message.payload).includes('UNAVAILABLE')) refused.resolve();
    });
    const received = deferred<string>();
    const subscription = pulse.subscribe({ query: MatchFeedDocument, variables: { region: 'OCE' } }).subscribe({
      next: (result) => received.resolve(result.data?.matchFeed.kind ?? ''),
      error: (error) => received.reject(error),
    });
    cleanup.defer(() => subscription.unsubscribe());
    await withTimeout(refused.promise, 20_000, 'an UNAVAILABLE answer');

    release.resolve();
    await held;
    await waitForSubscriptions(db, 1, 30_000);
    await gqlOk(
      db.url,
      `mutation($input: PostMatchInput!) { postMatch(input: $input) { id } }`,
      {
        input: { game: 'back', region: 'OCE', slots: 2 },
      },
      poster.token,
    );
    expect(await withTimeout(received.promise, 20_000, 'the event')).toBe('POSTED');
  });
});
