/**
 * Every document the typed client ships (client/src/operations) passes the query-shape limits,
 * over HTTP and WebSocket: the limits are tuned to what real clients send, not just to attacks.
 */
import { readdir } from 'node:fs/promises';
import { Kind, print, type DocumentNode } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QUERY_LIMITS } from '../../src/transport/limits.js';
import { gql, registerUser, type TestUser } from '../support/client.js';
import { connectWs } from '../support/ws.js';
import { startTestServer, type TestServer } from '../support/server.js';

const OPERATIONS = new URL('../../client/src/operations/', import.meta.url);

async function clientDocuments(): Promise<{ name: string; document: DocumentNode }[]> {
  const found: { name: string; document: DocumentNode }[] = [];
  for (const file of (await readdir(OPERATIONS)).filter((f) => f.endsWith('.ts'))) {
    const module = (await import(new URL(file, OPERATIONS).href)) as Record<string, unknown>;
    for (const [name, value] of Object.entries(module)) {
      const document = value as DocumentNode;
      if (document?.kind === Kind.DOCUMENT && document.definitions.some((d) => d.kind === Kind.OPERATION_DEFINITION))
        found.push({ name: `${file}:${name}`, document });
    }
  }
  return found;
}

describe('query limits', () => {
  let server: TestServer;
  let user: TestUser;
  beforeAll(async () => {
    server = await startTestServer();
    user = await registerUser(server.url, 'limits');
  });
  afterAll(() => server?.stop());

  it('let every client/src/operations document through, over HTTP and WebSocket', async () => {
    const documents = await clientDocuments();
    expect(documents.length).toBeGreaterThan(10);
    const ws = connectWs(server.wsUrl, user.token);
    await ws.connected;
    const refused: string[] = [];
    for (const { name, document } of documents) {
      const query = print(document);
      const operation = document.definitions.find((d) => d.kind === Kind.OPERATION_DEFINITION)!;
      if (operation.kind === Kind.OPERATION_DEFINITION && operation.operation !== 'subscription') {
        const result = await gql(server.url, query, {}, user.token);
        for (const error of result.errors ?? [])
          if (error.extensions?.code === 'QUERY_TOO_COMPLEX') refused.push(`${name} (HTTP): ${error.message}`);
      }
      // Over WebSocket without its variables: limits are checked before variables, so a refusal here is a limit.
      const sub = ws.subscribe(query, {});
      const errors = await sub
        .next(10_000)
        .then(
          () => [],
          (e) => (Array.isArray(e) ? e : []),
        )
        .catch(() => []);
      sub.unsubscribe();
      for (const error of errors as { message: string; extensions?: { code?: string } }[])
        if (error.extensions?.code === 'QUERY_TOO_COMPLEX') refused.push(`${name} (WebSocket): ${error.message}`);
    }
    await ws.dispose();
    console.log(`query limits ${JSON.stringify(QUERY_LIMITS)}: ${documents.length} client documents checked`);
    expect(refused).toEqual([]);
  }, 120_000);
});
