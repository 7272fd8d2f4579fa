/**
 * Issue 11's findings about credentials and operator surfaces (one test or more each): tokens for
 * missing users, unusable or future-dated authorizations, client request ids, errors outside an
 * execution, /metrics and serverStats internals, and revokeTokens on one instance and across two.
 */
import { SignJWT } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { PulseError } from '../../src/errors.js';
import { requestIdFrom } from '../../src/transport/limits.js';
import { maskRequestError } from '../../src/transport/plugins.js';
import { errorCode, gql, gqlOk, registerUser } from '../support/client.js';
import { connectWs, rawSocket } from '../support/ws.js';
import { DATABASE_KINDS, TEST_DATABASE_URL, TEST_REDIS_URL } from '../support/database.js';
import { makeAdmin, startCluster, startTestServer, TEST_JWT_SECRET, waitForSubscriptions } from '../support/server.js';
import { useTestServer } from '../support/setup.js';
import { waitUntil } from '../support/wait.js';
import { live, post, rawHttp } from './support.js';

describe.each(DATABASE_KINDS)('hardening findings on %s', (kind) => {
  const { server, users, cleanup } = useTestServer(kind, { users: ['alice', 'bob', 'admin'] });
  const { alice } = users;
  // Reassigned by the revokeTokens test, which revokes Bob's tokens.
  let { bob } = users;
  let admin: string;
  beforeAll(async () => {
    admin = await makeAdmin(server, users.admin.username);
  });

  it('7. a correctly signed token for a user that does not exist is UNAUTHENTICATED over HTTP and 4403 over WebSocket', async () => {
    const ghost = await server.pulse.services.tokens.sign({ userId: 'no-such-user', role: 'USER' });
    expect(errorCode(await gql(server.url, '{ viewer { id } }', {}, ghost))).toBe('UNAUTHENTICATED');
    expect(errorCode(await gql(server.url, 'mutation { createPost(content: "x") { id } }', {}, ghost))).toBe('UNAUTHENTICATED');
    const ws = connectWs(server.wsUrl, ghost);
    expect(await ws.closed).toBe(4403);
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
