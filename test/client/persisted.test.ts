/**
 * Trusted documents (PERSISTED_DOCUMENTS): with `only`, the typed client works by hash over HTTP and
 * WebSocket, and a document sent as text is refused over HTTP, SSE and WebSocket with
 * PERSISTED_QUERY_ONLY; an unknown hash is PERSISTED_QUERY_NOT_FOUND. With `allow` text runs too;
 * with `off` hashes are not looked up and the typed client falls back to text.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import {
  createPulseClient,
  LoginDocument,
  MatchFeedDocument,
  PostMatchDocument,
  ViewerDocument,
  type PulseClient,
} from '../../client/src/index.js';
import persistedDocuments from '../../client/src/gql/persisted-documents.json' with { type: 'json' };
import { register } from '../../src/users/service.js';
import { errorCode, gql, type GqlResult } from '../support/client.js';
import { connectWs } from '../support/ws.js';
import { disposers } from '../support/setup.js';
import { deferred, withTimeout } from '../support/wait.js';
import { startTestServer, waitForSubscriptions, type TestServer } from '../support/server.js';

const AD_HOC = 'query { viewer { id } }';
const PASSWORD = 'correct horse battery';
const [knownHash, knownText] = Object.entries(persistedDocuments as Record<string, string>).find(([, text]) =>
  text.startsWith('query Viewer'),
)!;

async function post(url: string, body: Record<string, unknown>, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
}

/** A persisted-query request by hash alone (no document text). */
async function byHash(url: string, sha256Hash: string): Promise<GqlResult> {
  return (await (await post(url, { extensions: { persistedQuery: { version: 1, sha256Hash } } })).json()) as GqlResult;
}

function typedClient(server: TestServer, token: () => string | null): PulseClient {
  return createPulseClient({ url: server.url, getToken: token, webSocketImpl: WebSocket });
}

async function signIn(client: PulseClient, username: string): Promise<string> {
  const { data } = await client.mutate({ mutation: LoginDocument, variables: { username, password: PASSWORD } });
  return data!.login.token;
}

describe('PERSISTED_DOCUMENTS=only', () => {
  const cleanup = disposers();
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ config: { persistedDocuments: 'only' } });
    await register(server.pulse.services.prisma, { username: 'trusted', password: PASSWORD });
  });
  afterAll(async () => {
    await cleanup.run();
    await server?.stop();
  });

  it('runs the typed client by hash: a mutation, a query and a subscription', async () => {
    let token: string | null = null;
    const client = typedClient(server, () => token);
    cleanup.defer(() => client.dispose());
    token = await signIn(client, 'trusted');
    const viewer = await client.query({ query: ViewerDocument, fetchPolicy: 'network-only' });
    expect(viewer.data?.viewer?.username).toBe('trusted');

    const event = deferred<string>();
    const sub = client.subscribe({ query: MatchFeedDocument, variables: { region: 'EU' } }).subscribe({
      next: ({ data, error }) => (error ? event.reject(error) : data && event.resolve(data.matchFeed.kind)),
      error: event.reject,
    });
    cleanup.defer(() => sub.unsubscribe());
    await waitForSubscriptions(server, 1);
    await client.mutate({ mutation: PostMatchDocument, variables: { input: { game: 'Trusted', region: 'EU', slots: 2 } } });
    expect(await withTimeout(event.promise, 10_000, 'matchFeed event')).toBe('POSTED');
  });

  it('runs a known hash sent by hand, without the text', async () => {
    const result = await byHash(server.url, knownHash);
    expect(result.errors).toBeUndefined();
    expect(result.data).toEqual({ __typename: 'Query', viewer: null }); // stored documents select __typename (Apollo's cache needs it)
  });

  it('refuses a document sent as text over HTTP with PERSISTED_QUERY_ONLY', async () => {
    expect(errorCode(await gql(server.url, AD_HOC))).toBe('PERSISTED_QUERY_ONLY');
    // The text of a trusted document is still text: only the hash counts.
    expect(errorCode(await gql(server.url, knownText))).toBe('PERSISTED_QUERY_ONLY');
  });

  it('refuses an unknown hash with PERSISTED_QUERY_NOT_FOUND, even with text beside it', async () => {
    const unknown = { version: 1, sha256Hash: `sha256:${'0'.repeat(64)}` };
    const hashOnly = (await (await post(server.url, { extensions: { persistedQuery: unknown } })).json()) as GqlResult;
    expect(errorCode(hashOnly)).toBe('PERSISTED_QUERY_NOT_FOUND');
    const withText = (await (await post(server.url, { query: AD_HOC, extensions: { persistedQuery: unknown } })).json()) as GqlResult;
    expect(errorCode(withText)).toBe('PERSISTED_QUERY_NOT_FOUND');
  });

  it('refuses a subscription sent as text over SSE with PERSISTED_QUERY_ONLY', async () => {
    const response = await post(server.url, { query: 'subscription { matchFeed(region: EU) { kind } }' }, { accept: 'text/event-stream' });
    const body = await response.text();
    expect(body).toContain('PERSISTED_QUERY_ONLY');
    expect(body).not.toContain('"kind"');
  });

  it('refuses a subscription sent as text over WebSocket with PERSISTED_QUERY_ONLY', async () => {
    const ws = cleanup.add(connectWs(server.wsUrl));
    const sub = ws.subscribe('subscription { matchFeed(region: EU) { kind } }');
    const { errors } = (await sub.ended()) as { errors?: { extensions?: { code?: string } }[] };
    expect(errors?.[0]?.extensions?.code).toBe('PERSISTED_QUERY_ONLY');
    expect(sub.received).toEqual([]);
  });
});

describe('PERSISTED_DOCUMENTS=allow and off', () => {
  const cleanup = disposers();
  let allow: TestServer;
  let off: TestServer;
  beforeAll(async () => {
    allow = await startTestServer({ config: { persistedDocuments: 'allow' } });
    off = await startTestServer({ config: { persistedDocuments: 'off' } });
    await register(off.pulse.services.prisma, { username: 'untrusted', password: PASSWORD });
  });
  afterAll(async () => {
    await cleanup.run();
    await Promise.all([allow?.stop(), off?.stop()]);
  });

  it('allow: runs text and known hashes; an unknown hash alone is PERSISTED_QUERY_NOT_FOUND', async () => {
    expect((await gql(allow.url, AD_HOC)).data).toEqual({ viewer: null });
    const known = await byHash(allow.url, knownHash);
    expect(known.data).toEqual({ __typename: 'Query', viewer: null });
    const unknown = await byHash(allow.url, 'f'.repeat(64));
    expect(errorCode(unknown)).toBe('PERSISTED_QUERY_NOT_FOUND');
  });

  it('off: a hash alone is PERSISTED_QUERY_NOT_SUPPORTED and the typed client falls back to text', async () => {
    const hashOnly = await byHash(off.url, knownHash);
    expect(errorCode(hashOnly)).toBe('PERSISTED_QUERY_NOT_SUPPORTED');
    let token: string | null = null;
    const client = typedClient(off, () => token);
    cleanup.defer(() => client.dispose());
    token = await signIn(client, 'untrusted');
    const viewer = await client.query({ query: ViewerDocument, fetchPolicy: 'network-only' });
    expect(viewer.data?.viewer?.username).toBe('untrusted');
  });
});
