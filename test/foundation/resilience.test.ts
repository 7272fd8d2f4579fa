/** Failure modes at the edges: Redis unreachable, sockets that vanish mid-handshake, slow readers, expired tokens. */
import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { EventQueue } from '../../src/streams/queue.js';
import { errorCode, gql, gqlOk, registerUser } from '../support/client.js';
import { connectWs } from '../support/ws.js';
import { startTestServer, TEST_JWT_SECRET, waitForSubscriptions } from '../support/server.js';
import { waitUntil, withTimeout } from '../support/wait.js';

describe('resilience', () => {
  it('with Redis unreachable, mutations still answer (committed, in the log) and /readyz says 503', async () => {
    const server = await startTestServer({ config: { redisUrl: 'redis://127.0.0.1:1' } });
    try {
      const user = await registerUser(server.url, 'noredis');
      expect((await gqlOk(server.url, `{ viewer { id } }`, {}, user.token)).viewer.id).toBe(user.id);
      const ready = await fetch(server.url.replace('/graphql', '/readyz'));
      expect(ready.status).toBe(503);
      expect(await ready.json()).toEqual({ database: true, bus: false });
    } finally {
      await server.stop();
    }
  }, 60_000);

  it('a socket that closes while its token is being checked leaves no connection registered', async () => {
    const server = await startTestServer();
    try {
      const user = await registerUser(server.url, 'flaky');
      const connections = server.pulse.services.connections;
      const sockets = Array.from({ length: 30 }, () => {
        const socket = new WebSocket(server.wsUrl, 'graphql-transport-ws');
        socket.on('error', () => {});
        socket.on('open', () => {
          socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${user.token}` } }));
          socket.terminate();
        });
        return new Promise<void>((resolve) => socket.on('close', () => resolve()));
      });
      await Promise.all(sockets);
      await waitUntil(() => connections.count === 0, 'every connection to be unregistered');
      expect(connections.users()).toEqual([]);
      // The server still serves.
      const ws = connectWs(server.wsUrl, user.token);
      await ws.connected;
      expect(connections.count).toBe(1);
      await ws.dispose();
    } finally {
      await server.stop();
    }
  });

  it('a socket whose token expires may not start new operations (4403)', async () => {
    const server = await startTestServer();
    try {
      const user = await registerUser(server.url, 'expiring');
      const expiresAt = Math.floor(Date.now() / 1000) + 2;
      const token = await new SignJWT({ role: 'USER' })
        .setProtectedHeader({ alg: 'HS256' })
        .setSubject(user.id)
        .setIssuedAt()
        .setIssuer('pulse')
        .setExpirationTime(expiresAt)
        .sign(new TextEncoder().encode(TEST_JWT_SECRET));
      const ws = connectWs(server.wsUrl, token);
      ws.subscribe(`subscription { notifications { kind } }`);
      await waitForSubscriptions(server, 1);
      // Wait for the token's own clock: this is the behaviour under test, not a synchronisation.
      await new Promise((resolve) => setTimeout(resolve, expiresAt * 1000 - Date.now() + 50));
      ws.subscribe(`subscription { notifications { kind } }`);
      expect(await withTimeout(ws.closed, 5_000, 'the socket to close')).toBe(4403);
      expect(errorCode(await gql(server.url, `{ viewer { id } }`, {}, token))).toBe('UNAUTHENTICATED');
    } finally {
      await server.stop();
    }
  });

  it('a reader that falls too far behind gets its backlog replaced by what onOverflow gives (a GAP)', async () => {
    const queue = new EventQueue<number>(undefined, undefined, { maxBuffered: 3, onOverflow: () => -1 });
    for (let i = 1; i <= 5; i++) queue.push(i);
    const taken: number[] = [];
    for (let i = 0; i < 3; i++) taken.push((await queue.next()).value as number);
    expect(taken).toEqual([-1, 4, 5]);
    await queue.return();
    expect((await queue.next()).done).toBe(true);
  });
});
