/**
 * Issue 19's findings about addresses and streams (one test or more each):
 * 1. behind a proxy the client address is the entry the trusted proxy wrote (the right-most), not one
 *    the client wrote: through real HAProxy, with the shipped recipe and with an appending proxy;
 * 2. revocation and a token's expiry end open SSE streams (and WebSockets), on every instance;
 * 4. SSE streams count against the per-address cap that WebSockets count against;
 * 5. GET (and SSE GET) parameters that are not JSON are 400 BAD_REQUEST, not 500;
 * 6. a hash-only trusted document in a graphql-ws subscribe runs the stored document (the socket and
 *    its other operations stay up when the hash is unknown).
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SignJWT } from 'jose';
import { afterAll, describe, expect, it } from 'vitest';
import { clientIp } from '../../src/transport/address.js';
import { errorCode, gql, gqlOk, registerUser } from '../support/client.js';
import { DATABASE_KINDS, TEST_DATABASE_URL, TEST_REDIS_URL } from '../support/database.js';
import { freePort, startHaproxy, stopAllInstances } from '../support/process.js';
import { startCluster, startTestServer, TEST_JWT_SECRET, type TestServer } from '../support/server.js';
import { disposers } from '../support/setup.js';
import { waitUntil, withTimeout } from '../support/wait.js';
import { connectWs, rawSocket } from '../support/ws.js';
import persistedDocuments from '../../client/src/gql/persisted-documents.json' with { type: 'json' };
import { initSocket, live, rawHttp } from './support.js';

/** An SSE subscription read as it arrives: its `next` payloads, and when the response ends. */
function openSse(url: string, query: string, options: { token?: string; headers?: Record<string, string> } = {}) {
  const controller = new AbortController();
  const events: any[] = [];
  const waiting: { notify?: () => void } = {};
  const response = fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'text/event-stream',
      ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
      ...options.headers,
    },
    body: JSON.stringify({ query }),
    signal: controller.signal,
  });
  const ended = (async () => {
    const reader = (await response.catch(() => null))?.body?.getReader();
    if (!reader) return;
    let text = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      text += new TextDecoder().decode(value);
      for (let match = /event: next\ndata: (.*)\n\n/.exec(text); match; match = /event: next\ndata: (.*)\n\n/.exec(text)) {
        events.push(JSON.parse(match[1]));
        text = text.slice(match.index + match[0].length);
        waiting.notify?.();
      }
    }
  })().catch(() => {});
  return {
    events,
    /** Resolves when the server ends the response. */
    get ended() {
      return withTimeout(ended, 15_000, 'the SSE response to end');
    },
    async waitFor(count: number) {
      const deadline = Date.now() + 10_000;
      while (events.length < count) {
        if (Date.now() > deadline) throw new Error(`expected ${count} SSE events, have ${JSON.stringify(events)}`);
        await new Promise<void>((resolve) => {
          waiting.notify = resolve;
          setTimeout(resolve, 100);
        });
      }
      return events[count - 1];
    },
    close: () => controller.abort(),
  };
}

/** A token for `userId` (token version 0) that expires `seconds` from now. */
function shortLivedToken(userId: string, seconds: number): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ role: 'USER', ver: 0 })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(userId)
    .setIssuer('pulse')
    .setIssuedAt(now)
    .setExpirationTime(now + seconds)
    .sign(new TextEncoder().encode(TEST_JWT_SECRET));
}

describe('the client address behind proxies (TRUST_PROXY)', () => {
  it('is the entry the outermost trusted proxy appended, counted from the right', () => {
    // The client wrote "6.6.6.6, 7.7.7.7"; the one proxy in front appended 203.0.113.9.
    expect(clientIp(1, '6.6.6.6, 7.7.7.7, 203.0.113.9', '10.0.0.2')).toBe('203.0.113.9');
    // Two proxies (a CDN, then HAProxy): the CDN's entry is the client's address.
    expect(clientIp(2, '6.6.6.6, 203.0.113.9, 198.51.100.1', '10.0.0.2')).toBe('203.0.113.9');
    // Several header lines are one list.
    expect(clientIp(1, ['6.6.6.6', '203.0.113.9'], '10.0.0.2')).toBe('203.0.113.9');
    // Fewer entries than proxies: the left-most; none, or not trusted: the socket's address.
    expect(clientIp(3, '203.0.113.9, 198.51.100.1', '10.0.0.2')).toBe('203.0.113.9');
    expect(clientIp(1, undefined, '10.0.0.2')).toBe('10.0.0.2');
    expect(clientIp(1, ' , ', '10.0.0.2')).toBe('10.0.0.2');
    expect(clientIp(0, '6.6.6.6', '10.0.0.2')).toBe('10.0.0.2');
  });
});

/** HAProxy with only `option forwardfor` (it appends to what the client sent): the common setup. */
function startAppendingProxy(bind: string, target: string) {
  const file = join(tmpdir(), `pulse-append-${process.pid}-${bind.split(':')[1]}.cfg`);
  writeFileSync(
    file,
    [
      'defaults',
      '  mode http',
      '  timeout connect 2s',
      '  timeout client 30s',
      '  timeout server 30s',
      '  timeout tunnel 1h',
      '  option forwardfor',
      'frontend in',
      `  bind ${bind}`,
      '  default_backend pulse',
      'backend pulse',
      `  server one ${target}`,
      '',
    ].join('\n'),
  );
  const child = spawn('haproxy', ['-db', '-f', file], { stdio: 'ignore' });
  return {
    async ready() {
      await waitUntil(
        () =>
          fetch(`http://${bind}/healthz`).then(
            (r) => r.ok,
            () => false,
          ),
        'the appending HAProxy to answer',
      );
    },
    stop: () => child.kill('SIGKILL'),
  };
}

describe('the per-address limits through real HAProxy, with a client forging X-Forwarded-For', () => {
  const cleanup = disposers();
  afterAll(async () => {
    await cleanup.run();
    await stopAllInstances();
  });
  let server: TestServer;

  const forged = (i: number) => ({ 'x-forwarded-for': `10.9.${i}.${i}` });

  /** Opens sockets through `wsUrl`, each claiming another address; how many were admitted. */
  async function admittedSockets(wsUrl: string, count: number): Promise<number> {
    const sockets = Array.from({ length: count }, (_, i) => rawSocket(wsUrl, forged(i)));
    const outcomes = await Promise.all(
      sockets.map((s) => Promise.race([s.opened.then(() => 'open'), s.closed.then((c) => `closed ${c.code}`)]).catch(() => 'failed')),
    );
    for (const s of sockets) cleanup.defer(() => s.socket.close());
    for (const outcome of outcomes) expect(['open', 'closed 429']).toContain(outcome);
    return outcomes.filter((o) => o === 'open').length;
  }

  /** Anonymous operations through `url`, each claiming another address; how many were RATE_LIMITED. */
  async function limitedOperations(url: string, count: number): Promise<number> {
    let limited = 0;
    for (let i = 0; i < count; i++) {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...forged(i) },
        body: JSON.stringify({ query: 'mutation { login(username: "nobody", password: "guess") { token } }' }),
      });
      if (errorCode(await response.json()) === 'RATE_LIMITED') limited++;
    }
    return limited;
  }

  it('starts one instance that trusts one proxy, with small caps', async () => {
    server = await startTestServer({ config: { trustProxy: 1, maxConnectionsPerIp: 3, rateLimitPerMinute: 5 } });
    cleanup.defer(() => server.stop());
  });

  it('the shipped recipe (deploy/haproxy.cfg): 3 of 8 sockets and 5 of 10 login guesses pass, whatever the client claims', async () => {
    const address = new URL(server.url).host;
    const [bind, stats] = [await freePort(), await freePort()];
    const haproxy = await startHaproxy({
      PULSE_BIND: `127.0.0.1:${bind}`,
      PULSE_1: address,
      PULSE_2: address,
      HAPROXY_STATS: `127.0.0.1:${stats}`,
    });
    cleanup.defer(() => haproxy.child.kill('SIGKILL'));
    await haproxy.waitFor('UP', ['pulse1', 'pulse2']);
    expect(await admittedSockets(`ws://127.0.0.1:${bind}/graphql`, 8)).toBe(3);
    expect(await limitedOperations(`http://127.0.0.1:${bind}/graphql`, 10)).toBe(5);
  });

  it('an appending proxy (option forwardfor only): the entry it appended is the address, so forging changes nothing', async () => {
    // A fresh instance: the recipe's test used up the address's budget.
    const behind = await startTestServer({ config: { trustProxy: 1, maxConnectionsPerIp: 3, rateLimitPerMinute: 5 } });
    cleanup.defer(() => behind.stop());
    const bind = `127.0.0.1:${await freePort()}`;
    const proxy = startAppendingProxy(bind, new URL(behind.url).host);
    cleanup.defer(() => proxy.stop());
    await proxy.ready();
    expect(await admittedSockets(`ws://${bind}/graphql`, 8)).toBe(3);
    expect(await limitedOperations(`http://${bind}/graphql`, 10)).toBe(5);
  });
});

describe.each(DATABASE_KINDS)('open SSE streams and the credential that opened them, on %s', (kind) => {
  const cleanup = disposers();
  afterAll(() => cleanup.run());

  it('revokeTokens ends an open SSE notifications stream with UNAUTHENTICATED; another user’s stream goes on', async () => {
    const server = cleanup.add(await startTestServer({ database: kind }));
    const [carol, dave] = [await registerUser(server.url, 'carol'), await registerUser(server.url, 'dave')];
    const before = live(server);
    const carolStream = openSse(server.url, 'subscription { notifications { kind } }', { token: carol.token });
    const daveStream = openSse(server.url, 'subscription { notifications { kind } }', { token: dave.token });
    cleanup.defer(() => daveStream.close());
    await waitUntil(() => live(server) === before + 2, 'both SSE subscriptions');

    await gqlOk(server.url, 'mutation { revokeTokens }', {}, carol.token);
    await carolStream.ended;
    expect(carolStream.events.at(-1).errors[0]).toMatchObject({
      message: 'The token was revoked; sign in again.',
      extensions: { code: 'UNAUTHENTICATED' },
    });
    await waitUntil(() => live(server) === before + 1, "the revoked stream's subscription to end");
    // Dave's stream still delivers (Carol, signed in again, likes his post).
    const post = await gqlOk(server.url, 'mutation { createPost(content: "still here") { id } }', {}, dave.token);
    const fresh = await gqlOk(server.url, 'mutation($u: String!) { login(username: $u, password: "correct horse battery") { token } }', {
      u: carol.username,
    });
    await gqlOk(server.url, 'mutation($id: ID!) { likePost(postId: $id) { id } }', { id: post.createPost.id }, fresh.login.token);
    expect((await daveStream.waitFor(1)).data.notifications.kind).toBe('POST_LIKED');
  });

  it('an SSE stream (and a WebSocket) ends when its token expires, not only later requests', async () => {
    const server = cleanup.add(await startTestServer({ database: kind }));
    const erin = await registerUser(server.url, 'erin');
    const token = await shortLivedToken(erin.id, 2);
    const before = live(server);
    const stream = openSse(server.url, 'subscription { notifications { kind } }', { token });
    const ws = cleanup.add(connectWs(server.wsUrl, token));
    ws.subscribe('subscription { notifications { kind } }');
    await waitUntil(() => live(server) === before + 2, 'both subscriptions');
    await stream.ended;
    expect(stream.events.at(-1).errors[0]).toMatchObject({
      message: 'The token expired; sign in again.',
      extensions: { code: 'UNAUTHENTICATED' },
    });
    expect(await ws.closed).toBe(4403);
    await waitUntil(() => live(server) === before, 'the expired subscriptions to end');
  });

  it('SSE streams count against MAX_CONNECTIONS_PER_IP with the WebSockets of the address', async () => {
    const server = cleanup.add(await startTestServer({ database: kind, config: { maxConnectionsPerIp: 3 } }));
    const query = 'subscription { matchFeed(region: EU) { kind } }';
    const before = live(server);
    const streams = [openSse(server.url, query), openSse(server.url, query)];
    for (const s of streams) cleanup.defer(() => s.close());
    await waitUntil(() => live(server) === before + 2, 'two SSE subscriptions');
    const socket = await initSocket(server.wsUrl);
    cleanup.defer(() => socket.socket.close());

    // Two streams and a socket: the address is at its cap, for either transport.
    const third = openSse(server.url, query);
    await third.ended;
    expect(third.events[0].errors[0]).toMatchObject({ extensions: { code: 'RATE_LIMITED', retryAfterMs: 1000 } });
    expect((await rawSocket(server.wsUrl).closed).code).toBe(429);
    expect(live(server)).toBe(before + 2);

    // A stream that ends gives its slot back.
    streams[0].close();
    await waitUntil(() => live(server) === before + 1, 'the closed stream to end');
    const again = openSse(server.url, query);
    cleanup.defer(() => again.close());
    await waitUntil(() => live(server) === before + 2, 'a stream in the freed slot');
  });
});

describe.runIf(TEST_DATABASE_URL && TEST_REDIS_URL)('revocation across instances ends SSE streams', () => {
  it('revokeTokens on instance A ends the user’s SSE stream on instance B', async () => {
    const cluster = await startCluster(2);
    try {
      const [a, b] = cluster.servers;
      const frank = await registerUser(a.url, 'frank');
      const before = live(b);
      const stream = openSse(b.url, 'subscription { notifications { kind } }', { token: frank.token });
      await waitUntil(() => live(b) === before + 1, 'the SSE subscription on B');
      await gqlOk(a.url, 'mutation { revokeTokens }', {}, frank.token);
      await stream.ended;
      expect(stream.events.at(-1).errors[0].extensions.code).toBe('UNAUTHENTICATED');
      expect(errorCode(await gql(b.url, '{ viewer { id } }', {}, frank.token))).toBe('UNAUTHENTICATED');
    } finally {
      await cluster.stop();
    }
  });
});

describe('malformed GET parameters', () => {
  const cleanup = disposers();
  afterAll(() => cleanup.run());

  it('variables or extensions that are not JSON (GET, SSE GET, form POST) are 400 BAD_REQUEST, not 500', async () => {
    const server = cleanup.add(await startTestServer());
    const query = encodeURIComponent('{ __typename }');
    const cases: [string, Record<string, string>, string?][] = [
      [`?query=${query}&variables=not-json`, { accept: 'application/json' }],
      [`?query=${query}&extensions=%7Bnope`, { accept: 'application/json' }],
      [`?query=${encodeURIComponent('subscription { matchFeed(region: EU) { kind } }')}&variables=%7B`, { accept: 'text/event-stream' }],
      ['', { 'content-type': 'application/x-www-form-urlencoded' }, `query=${query}&variables=nope`],
    ];
    for (const [search, headers, body] of cases) {
      const response = await rawHttp(`${server.url}${search}`, { method: body ? 'POST' : 'GET', headers, body });
      expect(response.status, `${search} ${body ?? ''}`).toBe(400);
      expect(response.text, search).toContain('"code":"BAD_REQUEST"');
      expect(response.text, search).not.toContain('INTERNAL_SERVER_ERROR');
    }
    // JSON that is not an object is Yoga's own 400 (unchanged), and good parameters still work.
    expect((await rawHttp(`${server.url}?query=${query}&variables=3`, { method: 'GET' })).status).toBe(400);
    const ok = await rawHttp(`${server.url}?query=${query}&variables=%7B%7D`, { method: 'GET', headers: { accept: 'application/json' } });
    expect(ok.json).toEqual({ data: { __typename: 'Query' } });
  });
});

describe('a hash-only trusted document over graphql-ws', () => {
  const cleanup = disposers();
  afterAll(() => cleanup.run());
  const documents = persistedDocuments as Record<string, string>;
  const [postActivityHash] = Object.entries(documents).find(([, text]) => text.startsWith('subscription PostActivity('))!;
  const unknownHash = `sha256:${'0'.repeat(64)}`;
  const byHash = (sha256Hash: string, variables: Record<string, unknown> = {}) => ({
    variables,
    extensions: { persistedQuery: { version: 1, sha256Hash } },
  });

  it('runs the stored document; an unknown hash is PERSISTED_QUERY_NOT_FOUND for that id and the socket stays up', async () => {
    const server = cleanup.add(await startTestServer({ config: { persistedDocuments: 'allow' } }));
    const author = await registerUser(server.url, 'author');
    const post = await gqlOk(server.url, 'mutation { createPost(content: "hash only") { id } }', {}, author.token);
    const raw = await initSocket(server.wsUrl);
    cleanup.defer(() => raw.socket.close());
    raw.send({ id: 'feed', type: 'subscribe', payload: { query: 'subscription { matchFeed(region: EU) { kind } }' } });
    raw.send({ id: 'activity', type: 'subscribe', payload: byHash(postActivityHash, { postId: post.createPost.id }) });
    raw.send({ id: 'unknown', type: 'subscribe', payload: byHash(unknownHash) });
    const refused = await raw.waitFor((m) => m.id === 'unknown');
    expect(refused.type).toBe('error');
    expect(refused.payload[0].extensions.code).toBe('PERSISTED_QUERY_NOT_FOUND');
    await waitUntil(() => live(server) === 2, 'both subscriptions');

    await gqlOk(server.url, 'mutation($id: ID!) { likePost(postId: $id) { id } }', { id: post.createPost.id }, author.token);
    const activity = await raw.waitFor((m) => m.id === 'activity' && m.type === 'next');
    expect(activity.payload.data.postActivity).toMatchObject({ __typename: 'PostActivity', kind: 'LIKED', likeCount: 1 });
    await gqlOk(server.url, 'mutation { postMatch(input: { game: "g", region: EU, slots: 1 }) { id } }', {}, author.token);
    expect((await raw.waitFor((m) => m.id === 'feed' && m.type === 'next')).payload.data.matchFeed.kind).toBe('POSTED');
    expect(raw.isClosed).toBe(false);
  });

  it('under PERSISTED_DOCUMENTS=off it is PERSISTED_QUERY_NOT_SUPPORTED for that id, not a 4400 close', async () => {
    const server = cleanup.add(await startTestServer({ config: { persistedDocuments: 'off' } }));
    const raw = await initSocket(server.wsUrl);
    cleanup.defer(() => raw.socket.close());
    raw.send({ id: 'h', type: 'subscribe', payload: byHash(postActivityHash, { postId: 'x' }) });
    const answer = await raw.waitFor((m) => m.id === 'h');
    expect(answer.type).toBe('error');
    expect(answer.payload[0].extensions.code).toBe('PERSISTED_QUERY_NOT_SUPPORTED');
    expect(raw.isClosed).toBe(false);
  });
});
