/**
 * The authorization matrix: every root query, mutation and subscription field, run against Alice's
 * data as {anonymous, another user, non-member, former member, admin}, over HTTP, WebSocket and SSE
 * (subscriptions: WebSocket and SSE). The expected outcome of every cell is in MATRIX below, put together
 * from authorization-reads.ts (queries, subscriptions) and authorization-writes.ts (mutations); the
 * roles and Alice's data are in authorization-fixture.ts. A schema field without an entry (or an entry
 * for a field that is gone) fails the first test.
 *
 * An outcome is an error code, or `ok` (no error). Every answer is also checked for Alice's secrets
 * (a private conversation's title and messages, an application's message, her notification, her
 * booking, her voice invite): a role that is not allowed to see them never gets them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { schema } from '../../src/schema/index.js';
import { gql } from '../support/client.js';
import { connectWs, type WsClient } from '../support/ws.js';
import { DATABASE_KINDS } from '../support/database.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { waitUntil } from '../support/wait.js';
import { createFixture, ROLES, type Entry, type Fixture, type Operation, type Role, type Transport } from './authorization-fixture.js';
import { QUERIES, SUBSCRIPTIONS } from './authorization-reads.js';
import { MUTATIONS } from './authorization-writes.js';
import { live } from './support.js';

const MATRIX: Record<string, Entry> = { ...QUERIES, ...MUTATIONS, ...SUBSCRIPTIONS };

/** The first result of an operation over SSE (Yoga: `event: next` / `data: <json>`), or null once the stream stays open silently. */
async function overSse(
  url: string,
  op: Operation,
  token: string | null,
  server: TestServer,
  subscription: boolean,
): Promise<{ result: any; live: boolean }> {
  const controller = new AbortController();
  const before = live(server);
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'text/event-stream', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(op),
    signal: controller.signal,
  });
  const reader = response.body!.getReader();
  let text = '';
  const first = (async () => {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return null;
      text += new TextDecoder().decode(value);
      const match = /event: next\ndata: (.*)\n/.exec(text);
      if (match) return JSON.parse(match[1]);
    }
  })().catch(() => null);
  const started = subscription
    ? waitUntil(() => live(server) > before, 'the SSE subscription').then(() => 'live' as const)
    : new Promise<never>(() => {});
  const outcome = await Promise.race([
    first.then((result) => ({ result, live: false })),
    started.then(() => ({ result: null, live: true })),
  ]);
  controller.abort();
  if (outcome.live) await waitUntil(() => live(server) === before, 'the SSE subscription to end');
  return outcome;
}

/** The first result over WebSocket; for an accepted subscription, `live` once it is subscribed. */
async function overWs(client: WsClient, op: Operation, server: TestServer, subscription: boolean): Promise<{ result: any; live: boolean }> {
  const before = live(server);
  const sub = client.subscribe(op.query, op.variables);
  const answered = sub.next(10_000).then(
    (data) => ({ result: { data }, live: false }),
    (errors) => ({ result: { errors: Array.isArray(errors) ? errors : [{ message: String(errors) }] }, live: false }),
  );
  const started = subscription
    ? waitUntil(() => live(server) > before, 'the WebSocket subscription').then(() => ({ result: null, live: true }))
    : new Promise<never>(() => {});
  const outcome = await Promise.race([answered, started]);
  sub.unsubscribe();
  if (outcome.live) await waitUntil(() => live(server) === before, 'the WebSocket subscription to end');
  return outcome;
}

describe.each(DATABASE_KINDS)('authorization matrix on %s', (kind) => {
  let server: TestServer;
  let fx: Fixture;
  const sockets = new Map<Role, WsClient>();

  beforeAll(async () => {
    server = await startTestServer({ database: kind });
    fx = await createFixture(server);
    for (const role of ROLES) {
      const client = connectWs(server.wsUrl, fx.tokens[role]);
      await client.connected;
      sockets.set(role, client);
    }
  }, 120_000);

  afterAll(async () => {
    for (const client of sockets.values()) await client.dispose();
    await server?.stop();
  });

  it('has an entry for every root field of the schema, and none for a field that is gone', () => {
    const fields = (['Query', 'Mutation', 'Subscription'] as const).flatMap((type) =>
      Object.keys((schema.getType(type) as import('graphql').GraphQLObjectType).getFields()).map((name) => `${type}.${name}`),
    );
    expect(
      fields.filter((f) => !(f in MATRIX)),
      'fields without an entry in MATRIX',
    ).toEqual([]);
    expect(
      Object.keys(MATRIX).filter((f) => !fields.includes(f)),
      'entries for fields that do not exist',
    ).toEqual([]);
  });

  it('every cell has its expected outcome, and no role sees what it may not', async () => {
    const mismatches: string[] = [];
    let cells = 0;
    for (const [field, entry] of Object.entries(MATRIX)) {
      const subscription = field.startsWith('Subscription.');
      const transports: Transport[] = subscription ? ['ws', 'sse'] : ['http', 'ws', 'sse'];
      for (const role of ROLES) {
        const expected = typeof entry.expect === 'string' ? entry.expect : entry.expect[role];
        for (const transport of transports) {
          cells++;
          const op = await entry.op(fx, role);
          const token = fx.tokens[role];
          let answer: { result: any; live: boolean };
          if (transport === 'http') answer = { result: await gql(fx.url, op.query, op.variables, token), live: false };
          else if (transport === 'ws') answer = await overWs(sockets.get(role)!, op, server, subscription);
          else answer = await overSse(fx.url, op, token, server, subscription);
          const code = answer.live ? 'ok' : (answer.result?.errors?.[0]?.extensions?.code ?? (answer.result?.errors ? 'UNCODED' : 'ok'));
          if (code !== expected)
            mismatches.push(
              `${field} as ${role} over ${transport}: expected ${expected}, got ${code} ${JSON.stringify(answer.result?.errors ?? '').slice(0, 160)}`,
            );
          const text = JSON.stringify(answer.result ?? '');
          const leaked = fx.secrets.filter((s) => text.includes(s));
          if (leaked.length > 0) mismatches.push(`${field} as ${role} over ${transport}: LEAKED ${leaked.join(', ')}`);
          if (entry.after) await entry.after(fx);
        }
      }
    }
    console.log(
      `authorization matrix: ${Object.keys(MATRIX).length} fields x ${ROLES.length} roles = ${cells} cells over HTTP, WebSocket and SSE`,
    );
    expect(mismatches).toEqual([]);
  }, 300_000);
});
