/**
 * Issue 11's findings, one test (or more) each: what a caller can get wrong or abuse gets a
 * documented answer, and nothing leaks.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { SignJWT } from 'jose';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { PulseError } from '../../src/errors.js';
import { requestIdFrom } from '../../src/transport/limits.js';
import { maskRequestError } from '../../src/transport/plugins.js';
import { errorCode, gql, gqlOk, registerUser, type TestUser } from '../support/client.js';
import { connectWs, rawSocket } from '../support/ws.js';
import { disposers } from '../support/setup.js';
import { DATABASE_KINDS, TEST_DATABASE_URL, TEST_REDIS_URL } from '../support/database.js';
import { makeAdmin, startCluster, startTestServer, TEST_JWT_SECRET, waitForSubscriptions, type TestServer } from '../support/server.js';
import { initSocket, live, post, rawHttp } from './support.js';
import { waitUntil } from '../support/wait.js';

const SUBSCRIPTIONS = (ids: { event: string; post: string; conversation: string; user: string }) => [
  `subscription { matchFeed(region: NA) { kind } }`,
  `subscription { matchmaking { kind } }`,
  `subscription { seatUpdates(eventId: "${ids.event}") { kind } }`,
  `subscription { postActivity(postId: "${ids.post}") { kind } }`,
  `subscription { notifications { kind } }`,
  `subscription { presence(userIds: ["${ids.user}"]) { status } }`,
  `subscription { conversationEvents(conversationId: "${ids.conversation}") { kind } }`,
];

const execFileAsync = promisify(execFile);

const base64 = (text: string) => Buffer.from(text).toString('base64');

describe.each(DATABASE_KINDS)('hardening findings on %s', (kind) => {
  let server: TestServer;
  let alice: TestUser;
  let bob: TestUser;
  let admin: string;
  let ids: { event: string; post: string; conversation: string; user: string };
  const cleanup = disposers();

  beforeAll(async () => {
    server = await startTestServer({ database: kind });
    [alice, bob] = await Promise.all([registerUser(server.url, 'alice'), registerUser(server.url, 'bob')]);
    const adminUser = await registerUser(server.url, 'admin');
    admin = await makeAdmin(server, adminUser.username);
    const event = await gqlOk(
      server.url,
      `mutation { createEvent(input: { title: "Gig", startsAt: "2030-01-01T20:00:00Z", capacity: 10 }) { id } }`,
      {},
      alice.token,
    );
    const created = await gqlOk(server.url, `mutation { createPost(content: "hello") { id } }`, {}, alice.token);
    const conversation = await gqlOk(
      server.url,
      `mutation($input: CreateConversationInput!) { createConversation(input: $input) { id } }`,
      { input: { kind: 'GROUP', title: 'g', memberIds: [bob.id] } },
      alice.token,
    );
    ids = { event: event.createEvent.id, post: created.createPost.id, conversation: conversation.createConversation.id, user: bob.id };
  });
  afterEach(() => cleanup.run());
  afterAll(() => server?.stop());

  it('1. a subscription over HTTP without Accept: text/event-stream is refused (406) and never starts, for all seven', async () => {
    const baseline = live(server);
    for (const query of SUBSCRIPTIONS(ids)) {
      for (const headers of [{ accept: 'application/json' }, { accept: 'application/graphql-response+json' }, { accept: 'text/html' }]) {
        const response = await post(server.url, { query }, { ...headers, authorization: `Bearer ${alice.token}` });
        expect(response.status, query).toBe(406);
        expect(live(server), query).toBe(baseline);
      }
      const get = await rawHttp(`${server.url}?query=${encodeURIComponent(query)}`, {
        method: 'GET',
        headers: { accept: 'application/json', authorization: `Bearer ${alice.token}` },
      });
      expect(get.status, query).toBe(406);
    }
    expect(live(server)).toBe(baseline);
    // SSE still streams.
    const controller = new AbortController();
    const sse = await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
      body: JSON.stringify({ query: 'subscription { matchFeed(region: NA) { kind } }' }),
      signal: controller.signal,
    });
    expect(sse.status).toBe(200);
    await waitUntil(() => live(server) === baseline + 1, 'the SSE subscription');
    controller.abort();
    await waitUntil(() => live(server) === baseline, 'the SSE subscription to end');
  });

  it('3. deeply nested variables are BAD_USER_INPUT over HTTP, and over WebSocket without a 4500 close', async () => {
    const deep = `{"query":"query($x: [ID!]) { viewer { id } }","variables":{"x":${'['.repeat(100_000)}${']'.repeat(100_000)}}}`;
    const http = await post(server.url, deep);
    expect(http.status).toBeLessThan(500);
    expect(http.json.errors[0].extensions.code).toBe('BAD_USER_INPUT');

    const raw = await initSocket(server.wsUrl);
    cleanup.defer(() => raw.socket.close());
    const frame = `{"id":"1","type":"subscribe","payload":{"query":"subscription($x: [ID!]) { matchFeed(region: NA) { kind } }","variables":{"x":${'['.repeat(10_000)}${']'.repeat(10_000)}}}}`;
    raw.send(frame);
    const answer = await raw.waitFor((m) => m.id === '1' && (m.type === 'error' || m.type === 'next'));
    expect(answer.type === 'error' ? answer.payload[0].extensions.code : answer.payload.errors[0].extensions.code).toBe('BAD_USER_INPUT');
    expect(raw.isClosed).toBe(false);
  });

  it('4. NUL inside list and object literals is BAD_USER_INPUT and never reaches the database', async () => {
    const inList = await gql(server.url, 'mutation { markNotificationsRead(ids: ["a\\u0000"]) }', {}, alice.token);
    expect(errorCode(inList)).toBe('BAD_USER_INPUT');
    const inObject = await gql(
      server.url,
      'mutation { postMatch(input: { game: "x\\u0000", region: NA, slots: 1 }) { id } }',
      {},
      alice.token,
    );
    expect(errorCode(inObject)).toBe('BAD_USER_INPUT');
    const inVariableKey = await gql(
      server.url,
      'mutation($input: PostMatchInput!) { postMatch(input: $input) { id } }',
      { input: { game: 'x', region: 'NA', slots: 1, 'k\u0000': 1 } },
      alice.token,
    );
    expect(errorCode(inVariableKey)).toBe('BAD_USER_INPUT');
  });

  it('5. out-of-range dates are BAD_USER_INPUT', async () => {
    for (const startsAt of [
      '0000-01-01T00:00:00Z',
      '10000-01-01T00:00:00Z',
      '+010000-01-01T00:00:00Z',
      '+275760-09-13T00:00:00Z',
      '-271821-04-20T00:00:00Z',
      '1899-12-31T23:59:59Z',
    ]) {
      const result = await gql(
        server.url,
        'mutation($input: CreateEventInput!) { createEvent(input: $input) { id } }',
        { input: { title: 'x', startsAt, capacity: 1 } },
        alice.token,
      );
      expect(errorCode(result), startsAt).toBe('BAD_USER_INPUT');
      const literal = await gql(
        server.url,
        `mutation { createEvent(input: { title: "x", startsAt: "${startsAt}", capacity: 1 }) { id } }`,
        {},
        alice.token,
      );
      expect(errorCode(literal), startsAt).toBe('BAD_USER_INPUT');
    }
    const ok = await gql(
      server.url,
      'mutation { createEvent(input: { title: "x", startsAt: "9999-12-31T00:00:00Z", capacity: 1 }) { startsAt } }',
      {},
      alice.token,
    );
    expect(ok.errors).toBeUndefined();
  });

  it('6. forged connection cursors are BAD_USER_INPUT', async () => {
    for (const cursor of [
      base64('GPC:N:12'),
      base64('GPC:D:12'),
      base64('GPC:J:{"id":1}'),
      base64('GPC:S:'),
      'not-base64!',
      base64('x'.repeat(500)),
    ]) {
      for (const query of [
        `query($c: String) { posts(first: 2, after: $c) { edges { node { id } } } }`,
        `query($c: String) { matches(first: 2, before: $c) { edges { node { id } } } }`,
      ]) {
        const result = await gql(server.url, query, { c: cursor }, alice.token);
        expect(errorCode(result), `${query} ${cursor}`).toBe('BAD_USER_INPUT');
      }
      const literal = await gql(
        server.url,
        `{ events(first: 2, after: ${JSON.stringify(cursor)}) { edges { node { id } } } }`,
        {},
        alice.token,
      );
      expect(errorCode(literal), cursor).toBe('BAD_USER_INPUT');
    }
    // A cursor the list returned still pages.
    const page = await gqlOk(server.url, `{ posts(first: 1) { pageInfo { endCursor } } }`, {}, alice.token);
    const next = await gql(
      server.url,
      `query($c: String) { posts(first: 1, after: $c) { edges { node { id } } } }`,
      { c: page.posts.pageInfo.endCursor },
      alice.token,
    );
    expect(next.errors).toBeUndefined();
  });

  it('7. a correctly signed token for a user that does not exist is UNAUTHENTICATED over HTTP and 4403 over WebSocket', async () => {
    const ghost = await server.pulse.services.tokens.sign({ userId: 'no-such-user', role: 'USER' });
    expect(errorCode(await gql(server.url, '{ viewer { id } }', {}, ghost))).toBe('UNAUTHENTICATED');
    expect(errorCode(await gql(server.url, 'mutation { createPost(content: "x") { id } }', {}, ghost))).toBe('UNAUTHENTICATED');
    const ws = connectWs(server.wsUrl, ghost);
    expect(await ws.closed).toBe(4403);
  });

  it('8. broadcast to 70,000 userIds is a documented refusal, not an internal error', async () => {
    const userIds = Array.from({ length: 70_000 }, (_, i) => `user-${i}`);
    const tooBig = await post(
      server.url,
      { query: 'mutation($input: BroadcastInput!) { broadcast(input: $input) }', variables: { input: { userIds, message: 'hi' } } },
      { authorization: `Bearer ${admin}` },
    );
    expect(tooBig.status).toBe(413); // over MAX_BODY_BYTES
    const roomy = await startTestServer({ database: kind, config: { maxBodyBytes: 16 * 2 ** 20 } });
    cleanup.add(roomy);
    const roomyAdminUser = await registerUser(roomy.url, 'admin');
    const roomyAdmin = await makeAdmin(roomy, roomyAdminUser.username);
    const result = await gql(
      roomy.url,
      'mutation($input: BroadcastInput!) { broadcast(input: $input) }',
      { input: { userIds, message: 'hi' } },
      roomyAdmin,
    );
    expect(errorCode(result)).toBe('BAD_USER_INPUT');
    expect(result.errors?.[0].extensions?.field).toBe('input');
    expect(result.errors?.[0].message).toMatch(/at most 1000/);
  });

  it('9. URLs that do not decode are 400, not 500', async () => {
    for (const path of ['/%E0%A4%A', '/graphiql/%E0%A4%A', '/graphql/%E0%A4%A', '/%']) {
      const response = await rawHttp(new URL(path, server.url).href.replace(/%25/g, '%'), { method: 'GET' });
      expect(response.status, path).toBe(400);
    }
  });

  it('10. login refuses long passwords before hashing; bodies over MAX_BODY_BYTES are 413, unsized ones 411; malformed requests count against the rate limit', async () => {
    const long = await gql(server.url, 'mutation($u: String!, $p: String!) { login(username: $u, password: $p) { token } }', {
      u: alice.username,
      p: 'x'.repeat(129),
    });
    expect(errorCode(long)).toBe('BAD_USER_INPUT');
    expect(long.errors?.[0].extensions?.field).toBe('password');
    const huge = await post(server.url, {
      query: 'mutation($u: String!, $p: String!) { login(username: $u, password: $p) { token } }',
      variables: { u: alice.username, p: 'x'.repeat(10 * 2 ** 20) },
    });
    expect(huge.status).toBe(413);
    const chunked = await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: new ReadableStream({
        start(c) {
          c.enqueue(new TextEncoder().encode('{"query":"{ viewer { id } }"}'));
          c.close();
        },
      }),
      duplex: 'half',
    } as RequestInit);
    expect(chunked.status).toBe(411);

    const limited = await startTestServer({ database: kind, config: { rateLimitPerMinute: 5 } });
    cleanup.add(limited);
    for (const body of ['{"query":"{ viewer { id "}', 'not json', '{"query":"{ viewer { id } }"}', '{"query": 1}', ''])
      expect((await post(limited.url, body)).status).toBeLessThan(500);
    const after = await gql(limited.url, '{ viewer { id } }');
    expect(errorCode(after)).toBe('RATE_LIMITED');
  });

  it('2. anonymous replays count against the rate limit', async () => {
    const limited = await startTestServer({ database: kind, config: { rateLimitPerMinute: 3 } });
    cleanup.add(limited);
    const user = await registerUser(limited.url, 'poster'); // 1 point (anonymous, this address)
    await gqlOk(limited.url, 'mutation { postMatch(input: { game: "Chess", region: NA, slots: 1 }) { id } }', {}, user.token);
    const raw = await initSocket(limited.wsUrl);
    cleanup.defer(() => raw.socket.close());
    const replay = (id: string) =>
      raw.send({
        id,
        type: 'subscribe',
        payload: {
          query: 'subscription($after: String) { matchFeed(region: NA, after: $after) { kind cursor } }',
          variables: { after: null },
        },
      });
    replay('a');
    replay('b');
    replay('c');
    const third = await raw.waitFor((m) => m.id === 'c' && (m.type === 'error' || m.type === 'next'));
    const errors = third.type === 'error' ? third.payload : third.payload.errors;
    expect(errors[0].extensions.code).toBe('RATE_LIMITED');
  });

  it('11. armor rejections carry QUERY_TOO_COMPLEX naming the limit; ordinary large queries pass', async () => {
    const checks: [string, string][] = [
      ['depth', `{ matches(first: 1) { edges { node { ${'applications { match { '.repeat(6)} id ${'} } '.repeat(6)} } } } }`],
      ['aliases', `{ ${Array.from({ length: 31 }, (_, i) => `a${i}: viewer { id }`).join(' ')} }`],
      ['directives', `{ viewer { id ${'@include(if: true) '.repeat(21)} } }`],
      ['tokens', `{ viewer { ${'id '.repeat(3001)} } }`],
      ['cost', `{ conversations(first: 100) { edges { node { messages(last: 100) { edges { node { ${'id text '.repeat(70)} } } } } } } }`],
    ];
    for (const [limit, query] of checks) {
      const result = await gql(server.url, query, {}, alice.token);
      expect(errorCode(result), limit).toBe('QUERY_TOO_COMPLEX');
      expect(result.errors?.[0].extensions?.limit).toBe(limit);
      expect(typeof result.errors?.[0].extensions?.max).toBe('number');
    }
    const ordinary = await gql(
      server.url,
      `{ conversations(first: 100) { edges { node { id title members { id username displayName } messages(last: 100) { edges { cursor node { id text createdAt sender { id username displayName } } } pageInfo { hasPreviousPage startCursor } } } } } }`,
      {},
      alice.token,
    );
    expect(ordinary.errors).toBeUndefined();
  });

  it('found by the fuzzer: server-only frame types close with 4400, and a query-limit rejection over WebSocket is an error, not a 4500 close', async () => {
    for (const type of ['connection_ack', 'next', 'error']) {
      const raw = rawSocket(server.wsUrl);
      await raw.opened;
      raw.send({ type, payload: null });
      expect((await raw.closed).code, type).toBe(4400);
    }
    const raw = await initSocket(server.wsUrl);
    cleanup.defer(() => raw.socket.close());
    raw.send({
      id: 'c',
      type: 'subscribe',
      payload: {
        query: `{ conversations(first: 100) { edges { node { messages(last: 100) { edges { node { ${'id text '.repeat(70)} } } } } } } }`,
      },
    });
    const answer = await raw.waitFor((m) => m.id === 'c');
    expect(answer.type).toBe('error');
    expect(answer.payload[0].extensions).toMatchObject({ code: 'QUERY_TOO_COMPLEX', limit: 'cost' });
    expect(raw.isClosed).toBe(false);
  });

  it('12. concurrent WebSocket connections per address are capped (MAX_CONNECTIONS_PER_IP)', async () => {
    const capped = await startTestServer({ database: kind, config: { maxConnectionsPerIp: 3 } });
    cleanup.add(capped);
    const sockets = await Promise.all([0, 1, 2].map(() => initSocket(capped.wsUrl)));
    cleanup.defer(() => {
      for (const s of sockets) s.socket.close();
    });
    const fourth = rawSocket(capped.wsUrl);
    expect((await fourth.closed).code).toBe(429);
    sockets[0].socket.close();
    await sockets[0].closed;
    await waitUntil(() => capped.pulse.services.connections.count === 2, 'the closed socket to be forgotten');
    const again = await initSocket(capped.wsUrl);
    again.socket.close();
  });

  it('13. a present but unusable authorization in connection_init closes with 4403; so does a future-dated token', async () => {
    for (const authorization of ['Basic eDp5', 42, { token: 'x' }, ['Bearer x'], 'Bearer', 'bearer not.a.jwt']) {
      const raw = rawSocket(server.wsUrl);
      await raw.opened;
      raw.send({ type: 'connection_init', payload: { authorization } });
      expect((await raw.closed).code, JSON.stringify(authorization)).toBe(4403);
    }
    const future = await new SignJWT({ role: 'USER', ver: 0 })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(alice.id)
      .setIssuer('pulse')
      .setIssuedAt(Math.floor(Date.now() / 1000) + 3600)
      .setExpirationTime(Math.floor(Date.now() / 1000) + 7200)
      .sign(new TextEncoder().encode(TEST_JWT_SECRET));
    expect(errorCode(await gql(server.url, '{ viewer { id } }', {}, future))).toBe('UNAUTHENTICATED');
    expect(await connectWs(server.wsUrl, future).closed).toBe(4403);
    const basic = await post(server.url, { query: '{ viewer { id } }' }, { authorization: 'Basic eDp5' });
    expect(basic.json.errors[0].extensions.code).toBe('UNAUTHENTICATED');
  });

  it('13. a client x-request-id is used only when it is a short plain token', () => {
    const fresh = () => 'fresh';
    expect(requestIdFrom('abc-123', fresh)).toBe('abc-123');
    for (const bad of ['a b', 'x'.repeat(65), 'evil\nlog', '<script>', '']) expect(requestIdFrom(bad, fresh)).toBe('fresh');
  });

  it('13. errors Yoga meets outside an execution are coded by the same rule: no internal message, a documented code, a 5xx', () => {
    const logged: unknown[] = [];
    const logger = { error: (...args: unknown[]) => logged.push(args), warn: (...args: unknown[]) => logged.push(args) };
    const mask = maskRequestError(logger as unknown as Parameters<typeof maskRequestError>[0]);
    const internal = mask(new Error('relation "User" does not exist at 10.0.0.7'));
    expect(internal.message).toBe('Unexpected error.');
    expect(internal.extensions).toMatchObject({ code: 'INTERNAL_SERVER_ERROR', http: { status: 500 } });
    expect(JSON.stringify(internal.toJSON())).not.toContain('10.0.0.7');
    const unreachable = mask(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }));
    expect(unreachable.extensions).toMatchObject({ code: 'UNAVAILABLE', http: { status: 503 } });
    expect(logged).toHaveLength(2); // both logged, with their internals, for the operator
    const expected = new PulseError('BAD_USER_INPUT', 'Bad.', { http: { status: 400 } });
    expect(mask(expected)).toBe(expected); // a coded error passes through as it is
  });

  it('13. /metrics is behind METRICS_TOKEN when set; serverStats internals are ADMIN only, counts public', async () => {
    expect((await rawHttp(server.url.replace('/graphql', '/metrics'), { method: 'GET' })).status).toBe(200);
    const guarded = await startTestServer({ database: kind, config: { metricsToken: 'metrics-token-0123456789' } });
    cleanup.add(guarded);
    const metricsUrl = guarded.url.replace('/graphql', '/metrics');
    expect((await rawHttp(metricsUrl, { method: 'GET' })).status).toBe(401);
    expect((await rawHttp(metricsUrl, { method: 'GET', headers: { authorization: 'Bearer wrong-token-0123456789' } })).status).toBe(401);
    expect((await rawHttp(metricsUrl, { method: 'GET', headers: { authorization: 'Bearer metrics-token-0123456789' } })).status).toBe(200);

    expect(
      (await gqlOk(server.url, '{ serverStats { openConnections activeSubscriptions subscriptions { kind count } } }')).serverStats,
    ).toBeTruthy();
    for (const field of ['busKind', 'busTopics', 'eventsPublished', 'eventsDelivered']) {
      expect(errorCode(await gql(server.url, `{ serverStats { ${field} } }`)), field).toBe('UNAUTHENTICATED');
      expect(errorCode(await gql(server.url, `{ serverStats { ${field} } }`, {}, alice.token)), field).toBe('FORBIDDEN');
      expect((await gql(server.url, `{ serverStats { ${field} } }`, {}, admin)).errors, field).toBeUndefined();
    }
  });

  it("13. revokeTokens ends the user's open sockets (4403) and refuses their old tokens; a new login works", async () => {
    const carol = await registerUser(server.url, 'carol');
    const ws = connectWs(server.wsUrl, carol.token);
    cleanup.add(ws);
    await ws.connected;
    const before = live(server);
    ws.subscribe('subscription { notifications { kind } }');
    await waitForSubscriptions(server, before + 1);
    const other = connectWs(server.wsUrl, bob.token);
    cleanup.add(other);
    await other.connected;

    expect(await gqlOk(server.url, 'mutation { revokeTokens }', {}, carol.token)).toEqual({ revokeTokens: true });
    expect(await ws.closed).toBe(4403);
    await waitUntil(() => live(server) === before, 'the revoked subscription to end');
    expect(errorCode(await gql(server.url, '{ viewer { id } }', {}, carol.token))).toBe('UNAUTHENTICATED');
    expect(await connectWs(server.wsUrl, carol.token).closed).toBe(4403);
    const fresh = await gqlOk(server.url, 'mutation($u: String!) { login(username: $u, password: "correct horse battery") { token } }', {
      u: carol.username,
    });
    expect((await gqlOk(server.url, '{ viewer { id } }', {}, fresh.login.token)).viewer.id).toBe(carol.id);
    // Bob was not affected; only an ADMIN revokes someone else's tokens.
    expect(errorCode(await gql(server.url, 'query { viewer { id } }', {}, bob.token))).toBeUndefined();
    expect(errorCode(await gql(server.url, 'mutation($id: ID) { revokeTokens(userId: $id) }', { id: bob.id }, fresh.login.token))).toBe(
      'FORBIDDEN',
    );
    expect(await gqlOk(server.url, 'mutation($id: ID) { revokeTokens(userId: $id) }', { id: bob.id }, admin)).toEqual({
      revokeTokens: true,
    });
    expect(await other.closed).toBe(4403);
    bob = await registerUser(server.url, 'bob');
  });
});

describe.runIf(TEST_DATABASE_URL && TEST_REDIS_URL)('revocation across instances', () => {
  it("revoking on one instance closes the user's sockets on the other (4403); their old token is refused on both", async () => {
    const cluster = await startCluster(2);
    const [a, b] = cluster.servers;
    try {
      const user = await registerUser(a.url, 'revoked');
      const ws = connectWs(b.wsUrl, user.token);
      await ws.connected;
      ws.subscribe('subscription { notifications { kind } }');
      await waitForSubscriptions(b, 1);
      await gqlOk(a.url, 'mutation { revokeTokens }', {}, user.token);
      expect(await ws.closed).toBe(4403);
      await waitUntil(() => live(b) === 0, 'the revoked subscription to end on the other instance');
      for (const s of [a, b]) expect(errorCode(await gql(s.url, '{ viewer { id } }', {}, user.token))).toBe('UNAUTHENTICATED');
    } finally {
      await cluster.stop();
    }
  });
});

describe('security configuration', () => {
  it('has defaults for the new limits and names the variable when one is bad', () => {
    const config = loadConfig({ NODE_ENV: 'test' });
    expect(config).toMatchObject({ maxBodyBytes: 262_144, maxConnectionsPerIp: 100, metricsToken: null });
    expect(
      loadConfig({ NODE_ENV: 'test', METRICS_TOKEN: 'metrics-token-0123456789', MAX_BODY_BYTES: '4096', MAX_CONNECTIONS_PER_IP: '7' }),
    ).toMatchObject({
      metricsToken: 'metrics-token-0123456789',
      maxBodyBytes: 4096,
      maxConnectionsPerIp: 7,
    });
    expect(() => loadConfig({ NODE_ENV: 'test', METRICS_TOKEN: 'short' })).toThrow(/METRICS_TOKEN/);
    expect(() => loadConfig({ NODE_ENV: 'test', MAX_BODY_BYTES: '10' })).toThrow(/MAX_BODY_BYTES/);
    expect(() => loadConfig({ NODE_ENV: 'test', MAX_CONNECTIONS_PER_IP: '0' })).toThrow(/MAX_CONNECTIONS_PER_IP/);
  });
});

// Not per database kind: the flood runs a server of its own, in its own process.
describe('finding 1 at scale', () => {
  it('1. 11,000 plain-HTTP subscription requests leave activeSubscriptions at baseline and RSS within 20 MB', async () => {
    // In a process of its own (a server alone, as in production), flooded from yet another one.
    const { stdout } = await execFileAsync(
      process.execPath,
      ['--expose-gc', '--import', 'tsx', fileURLToPath(new URL('./http-subscription-flood.ts', import.meta.url)), '11000'],
      {
        env: { ...process.env, NODE_ENV: 'test' },
        maxBuffer: 2 ** 20,
      },
    );
    const { baseline, before, after, statuses } = JSON.parse(stdout.trim().split('\n').pop()!);
    const mb = (bytes: number) => (bytes / 2 ** 20).toFixed(1);
    console.log(
      `11,000 HTTP subscription requests (${JSON.stringify(statuses)}): activeSubscriptions ${baseline.live} -> ${after.live}, ` +
        `RSS ${mb(before.rss)} -> ${mb(after.rss)} MB, heap ${mb(before.heapUsed)} -> ${mb(after.heapUsed)} MB`,
    );
    expect(statuses).toEqual({ 406: 11_000 });
    expect(after.live).toBe(baseline.live);
    expect(after.rss - before.rss).toBeLessThan(20 * 2 ** 20);
    expect(after.heapUsed - before.heapUsed).toBeLessThan(20 * 2 ** 20);
  }, 180_000);
});
