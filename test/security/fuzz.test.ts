/**
 * Fuzzing the public surface with fast-check: operations generated from the schema (right and wrong
 * types, huge, nested, NUL, unicode, boundary numbers and dates; as variables and as literals) over
 * HTTP, SSE and WebSocket, malformed HTTP bodies and URLs, graphql-ws frame sequences, and forged
 * X-Forwarded-For headers on all of them (the server trusts one proxy, as behind deploy/haproxy.cfg).
 *
 * Asserts: no HTTP 5xx, no INTERNAL_SERVER_ERROR / "Unexpected error." and no uncoded error for any of
 * it, no 4500 (or 1011) close, the server stays alive, a watcher's subscription keeps receiving, and no
 * subscription or Redis channel is left behind. Bounded (well under 2 minutes); seedable:
 * `FUZZ_SEED=123 FUZZ_RUNS=2 npx vitest run test/security/fuzz.test.ts` replays and scales a run.
 *
 * The generated operations are in fuzz-operations.ts, the raw HTTP and graphql-ws inputs in fuzz-raw.ts.
 */
import fc from 'fast-check';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gqlOk, registerUser, type TestUser } from '../support/client.js';
import { connectWs, type TestSubscription, type WsClient, rawSocket } from '../support/ws.js';
import { TEST_DATABASE_URL, TEST_REDIS_URL } from '../support/database.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { ids, operation } from './fuzz-operations.js';
import { accepts, bodies, contentTypes, forwardedFor, methods, segment, sequence } from './fuzz-raw.js';
import { live, post, rawHttp } from './support.js';
import { waitUntil } from '../support/wait.js';

const SEED = Number(process.env.FUZZ_SEED ?? Date.now() % 2 ** 31);
const SCALE = Number(process.env.FUZZ_RUNS ?? 1);
const RUNS = {
  operations: Math.round(300 * SCALE),
  bodies: Math.round(200 * SCALE),
  urls: Math.round(100 * SCALE),
  frames: Math.round(120 * SCALE),
};

// ---------- the checks ----------

type GraphQLErrorShape = { message: string; extensions?: { code?: string } };

/** Every error a caller's input produced is documented: coded, and never the masked internal one. */
function assertDocumented(errors: GraphQLErrorShape[] | undefined, what: string): void {
  if (errors !== undefined && !Array.isArray(errors)) {
    const e = errors as { code?: number; reason?: string; message?: string };
    throw new Error(`${what}\n  -> not GraphQL errors: ${e.code ?? ''} ${e.reason ?? e.message ?? String(errors)}`);
  }
  for (const error of errors ?? []) {
    const code = error.extensions?.code;
    if (!code || code === 'INTERNAL_SERVER_ERROR' || error.message === 'Unexpected error.') {
      throw new Error(`${what}\n  -> ${JSON.stringify(error).slice(0, 400)}`);
    }
  }
}

/**
 * The events an SSE request answers with before it goes quiet: HTTP < 500 and JSON events; an accepted
 * subscription stays silent (its stream is cut after a moment), a refused one answers at once.
 */
async function firstSseEvents(url: string, body: unknown, headers: Record<string, string>, what: string): Promise<any[]> {
  const controller = new AbortController();
  const quiet = setTimeout(() => controller.abort(), 1_500);
  let text = '';
  try {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream', ...headers },
      body: JSON.stringify(body),
      signal: controller.signal,
    });
    expect(response.status, what).toBeLessThan(500);
    if (!(response.headers.get('content-type') ?? '').includes('text/event-stream')) {
      const json = await response.json().catch(() => null);
      return json ? [json] : [];
    }
    const reader = response.body!.getReader();
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      text += new TextDecoder().decode(value);
    }
  } catch (error) {
    if (!controller.signal.aborted) throw error;
  } finally {
    clearTimeout(quiet);
  }
  return [...text.matchAll(/event: next\ndata: (.*)\n/g)].map((match) => JSON.parse(match[1]));
}

describe('fuzz', () => {
  let server: TestServer;
  let user: TestUser;
  let watcher: WsClient;
  let feed: TestSubscription;
  let redis: Redis | null = null;
  let baselineChannels: string[] = [];
  const counts = { operations: 0, http: 0, sse: 0, ws: 0, bodies: 0, urls: 0, frames: 0, framesSent: 0 };
  const channels = async () =>
    redis ? (await redis.pubsub('CHANNELS', `${server.pulse.services.config.redisPrefix}*`)).map(String).sort() : [];

  beforeAll(async () => {
    server = await startTestServer({
      database: TEST_DATABASE_URL ? 'postgres' : 'pglite',
      redis: Boolean(TEST_REDIS_URL),
      config: { trustProxy: 1 },
    });
    user = await registerUser(server.url, 'fuzz');
    const other = await registerUser(server.url, 'other');
    const post = await gqlOk(server.url, 'mutation { createPost(content: "p") { id } }', {}, user.token);
    const event = await gqlOk(
      server.url,
      'mutation { createEvent(input: { title: "e", startsAt: "2030-01-01T00:00:00Z", capacity: 5 }) { id } }',
      {},
      user.token,
    );
    const match = await gqlOk(server.url, 'mutation { postMatch(input: { game: "g", region: EU, slots: 2 }) { id } }', {}, other.token);
    ids.known.push(user.id, other.id, post.createPost.id, event.createEvent.id, match.postMatch.id);
    watcher = connectWs(server.wsUrl);
    await watcher.connected;
    feed = watcher.subscribe('subscription { matchFeed(region: NA) { kind match { id } } }');
    await waitUntil(() => live(server) === 1, 'the watcher to subscribe');
    if (TEST_REDIS_URL) {
      redis = new Redis(TEST_REDIS_URL);
      baselineChannels = await channels();
    }
    console.log(
      `fuzz seed ${SEED} (replay with FUZZ_SEED=${SEED}); ${TEST_DATABASE_URL ? 'PostgreSQL' : 'PGlite'}, ${TEST_REDIS_URL ? 'Redis' : 'in-process'} bus`,
    );
  }, 60_000);

  afterAll(async () => {
    await watcher?.dispose();
    redis?.disconnect();
    await server?.stop();
  });

  it('operations generated from the schema get documented answers over HTTP, SSE and WebSocket', async () => {
    const ws = connectWs(server.wsUrl, user.token);
    const anonymousWs = connectWs(server.wsUrl);
    await Promise.all([ws.connected, anonymousWs.connected]);
    try {
      await fc.assert(
        fc.asyncProperty(operation, forwardedFor, async (c, xff) => {
          counts.operations++;
          const what = `${c.transport} ${c.document.slice(0, 300)} ${JSON.stringify(c.variables).slice(0, 200)} xff=${xff}`;
          const headers: Record<string, string> = {
            ...(c.signedIn ? { authorization: `Bearer ${user.token}` } : {}),
            ...(xff === undefined ? {} : { 'x-forwarded-for': xff }),
          };
          if (c.transport === 'http') {
            counts.http++;
            const response = await post(server.url, { query: c.document, variables: c.variables }, headers);
            expect(response.status, what).toBeLessThan(500);
            if (response.json) assertDocumented(response.json.errors, what);
            return;
          }
          if (c.transport === 'sse') {
            counts.sse++;
            for (const event of await firstSseEvents(server.url, { query: c.document, variables: c.variables }, headers, what)) {
              assertDocumented(event.errors, what);
            }
            return;
          }
          counts.ws++;
          const client = c.signedIn ? ws : anonymousWs;
          const payloadTooBig = JSON.stringify({ query: c.document, variables: c.variables }).length > 60_000;
          if (payloadTooBig) return; // a frame over MAX_PAYLOAD_BYTES closes that socket with 1009 (tested in transport)
          const sub = client.subscribe(c.document, c.variables);
          // One answer (data or errors), or an immediate end for a subscription that is accepted and idle.
          const wait = c.kind === 'subscription' ? 1_500 : 10_000; // an accepted subscription stays silent
          const outcome = await Promise.race([
            sub
              .next(wait)
              .then((value: any) => ({ value }))
              .catch((error: unknown) => ({ error })),
            sub
              .ended(wait)
              .then((end) => ({ end }))
              .catch(() => ({ end: null })),
          ]);
          sub.unsubscribe();
          if ('value' in outcome) assertDocumented(outcome.value?.errors, what);
          if ('end' in outcome && outcome.end) assertDocumented((outcome.end as { errors?: GraphQLErrorShape[] }).errors, what);
          if ('error' in outcome) {
            const errors = Array.isArray(outcome.error) ? (outcome.error as GraphQLErrorShape[]) : null;
            if (errors) assertDocumented(errors, what);
            else if (!/Timed out/.test(String(outcome.error))) throw new Error(`${what}\n  -> ${String(outcome.error)}`);
          }
        }),
        { numRuns: RUNS.operations, seed: SEED, endOnFailure: true },
      );
    } finally {
      await ws.dispose();
      await anonymousWs.dispose();
    }
  }, 120_000);

  it('malformed HTTP bodies and URLs never get a 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(bodies, contentTypes, accepts, methods, forwardedFor, async (body, contentType, accept, method, xff) => {
        counts.bodies++;
        const headers: Record<string, string> = xff === undefined ? {} : { 'x-forwarded-for': xff };
        if (contentType) headers['content-type'] = contentType;
        if (accept) headers.accept = accept;
        const controller = new AbortController();
        const response = await fetch(server.url, { method, headers, body, signal: controller.signal });
        // An accepted SSE stream would run on: its status is all that matters here.
        expect(response.status, `${method} ${contentType} ${accept} ${body.slice(0, 200)}`).toBeLessThan(500);
        if ((response.headers.get('content-type') ?? '').includes('json')) {
          const json = await response.json().catch(() => null);
          if (json) assertDocumented(json.errors, body.slice(0, 200));
        } else controller.abort();
      }),
      { numRuns: RUNS.bodies, seed: SEED, endOnFailure: true },
    );

    await fc.assert(
      fc.asyncProperty(
        fc.array(segment, { minLength: 1, maxLength: 4 }),
        fc.option(fc.string({ maxLength: 30 }).map(encodeURIComponent), { nil: undefined }),
        async (segments, query) => {
          counts.urls++;
          const path = `/${segments.join('/')}${query === undefined ? '' : `?query=${query}`}`;
          const response = await rawHttp(`${new URL(server.url).origin}${path}`, {
            method: 'GET',
            headers: { accept: 'application/json' },
          });
          expect(response.status, path).toBeLessThan(500);
        },
      ),
      { numRuns: RUNS.urls, seed: SEED, endOnFailure: true },
    );
  }, 120_000);

  it('graphql-ws frame sequences never close with 4500 or 1011', async () => {
    await fc.assert(
      fc.asyncProperty(sequence, forwardedFor, async ([init, frames], xff) => {
        counts.frames++;
        const raw = rawSocket(server.wsUrl, xff === undefined ? {} : { 'x-forwarded-for': xff });
        await raw.opened;
        if (init) {
          raw.send({ type: 'connection_init', payload: {} });
          await raw.waitFor((m) => m.type === 'connection_ack');
        }
        for (const f of frames) {
          if (raw.isClosed) break;
          counts.framesSent++;
          raw.send(typeof f === 'string' ? f : JSON.stringify(f));
        }
        // A ping answered means every frame before it was handled (or the socket closed on one).
        if (!raw.isClosed) raw.socket.ping();
        await new Promise<void>((resolve) => {
          if (raw.isClosed) return resolve();
          raw.socket.once('pong', () => resolve());
          raw.socket.once('close', () => resolve());
        });
        if (!raw.isClosed) raw.socket.close();
        const { code, reason } = await raw.closed;
        expect([4500, 1011], `closed ${code} ${reason} after ${JSON.stringify(frames).slice(0, 400)}`).not.toContain(code);
        for (const message of raw.messages) {
          if (message.type === 'error') assertDocumented(message.payload, JSON.stringify(frames).slice(0, 300));
          if (message.type === 'next') assertDocumented(message.payload?.errors, JSON.stringify(frames).slice(0, 300));
        }
      }),
      { numRuns: RUNS.frames, seed: SEED, endOnFailure: true },
    );
  }, 120_000);

  it('afterwards: alive, the watcher still receives, nothing left subscribed', async () => {
    expect((await rawHttp(server.url.replace('/graphql', '/healthz'), { method: 'GET' })).status).toBe(200);
    const poster = await registerUser(server.url, 'poster');
    const posted = await gqlOk(
      server.url,
      'mutation { postMatch(input: { game: "after", region: NA, slots: 1 }) { id } }',
      {},
      poster.token,
    );
    // The fuzzer may have posted NA matches too: the watcher's feed must reach this one.
    for (;;) {
      const event = await feed.next(10_000);
      if (event.matchFeed.match?.id === posted.postMatch.id) break;
    }
    expect(feed.done).toBe(false);
    await waitUntil(() => live(server) === 1, 'fuzzed subscriptions to end');
    await waitUntil(async () => server.pulse.services.connections.count === 1, 'fuzzed sockets to close');
    if (redis)
      await waitUntil(async () => JSON.stringify(await channels()) === JSON.stringify(baselineChannels), 'Redis channels back to baseline');
    const stats = await gqlOk(server.url, '{ serverStats { activeSubscriptions openConnections } }');
    expect(stats.serverStats).toEqual({ activeSubscriptions: 1, openConnections: 1 });
    console.log(
      `fuzz cases (seed ${SEED}): ${counts.operations} operations (${counts.http} HTTP, ${counts.sse} SSE, ${counts.ws} WebSocket), ` +
        `${counts.bodies} HTTP bodies, ${counts.urls} URLs, ${counts.frames} graphql-ws sequences (${counts.framesSent} frames)`,
    );
  }, 60_000);
});
