/**
 * Issue 11's findings about input (one test or more each): what a caller sends wrong (deep or NUL-laden
 * variables, impossible dates, forged cursors, oversized lists, URLs that do not decode) gets a
 * documented 4xx answer, never an internal error. Limits and rate limits: findings-limits.test.ts;
 * credentials and operator surfaces: findings-auth.test.ts.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { errorCode, gql, gqlOk, registerUser } from '../support/client.js';
import { DATABASE_KINDS } from '../support/database.js';
import { makeAdmin, startTestServer } from '../support/server.js';
import { useTestServer } from '../support/setup.js';
import { initSocket, post, rawHttp } from './support.js';

const base64 = (text: string) => Buffer.from(text).toString('base64');

describe.each(DATABASE_KINDS)('hardening findings on %s', (kind) => {
  const { server, users, cleanup } = useTestServer(kind, { users: ['alice', 'admin'] });
  const { alice } = users;
  let admin: string;
  beforeAll(async () => {
    admin = await makeAdmin(server, users.admin.username);
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
});
