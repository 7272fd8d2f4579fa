/**
 * An instance at capacity sheds with a retryable signal (close 1013 before any work), and the
 * heartbeat keeps healthy clients whose pongs are merely late (a busy box) while it still ends
 * silent ones. Embedded database: neither depends on storage.
 */
import { once } from 'node:events';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { disposers } from '../support/setup.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { connectWs } from '../support/ws.js';
import { deferred, waitUntil, withTimeout } from '../support/wait.js';

describe('MAX_CONNECTIONS', () => {
  const cleanup = disposers();
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ config: { maxConnections: 2 } });
  });
  afterEach(() => cleanup.run());
  afterAll(() => server?.stop());

  it('closes a connection over the cap with 1013 (Try Again Later) and admits one again once a slot frees', async () => {
    const [a, b] = [cleanup.add(connectWs(server.wsUrl)), cleanup.add(connectWs(server.wsUrl))];
    await Promise.all([a.connected, b.connected]);
    const over = cleanup.add(connectWs(server.wsUrl));
    expect(await withTimeout(over.closed, 10_000, 'the close')).toBe(1013);
    const scrape = await server.pulse.services.metrics.scrape();
    expect(scrape.body).toMatch(/pulse_websocket_shed_total\{[^}]*\} 1\b/);

    await a.dispose();
    await waitUntil(() => server.pulse.services.connections.count === 1, 'the first socket to be gone');
    const next = cleanup.add(connectWs(server.wsUrl));
    await next.connected;
  });
});

/** A graphql-ws connection whose pongs are sent late: each ping is answered only when the next one arrives. */
async function lateConnection(wsUrl: string, answer: 'late' | 'never') {
  const socket = new WebSocket(wsUrl, 'graphql-transport-ws', { autoPong: false });
  let pings = 0;
  socket.on('ping', () => {
    pings++;
    if (answer === 'late' && pings > 1) socket.pong(); // the previous ping's answer, one interval late
  });
  const closed = new Promise<number>((resolve) => socket.once('close', (code) => resolve(code)));
  await once(socket, 'open');
  const acked = deferred<void>();
  socket.on('message', (data) => {
    if (JSON.parse(String(data)).type === 'connection_ack') acked.resolve();
  });
  socket.send(JSON.stringify({ type: 'connection_init', payload: {} }));
  await withTimeout(acked.promise, 10_000, 'connection_ack');
  let isClosed = false;
  void closed.then(() => (isClosed = true));
  return { closed, pings: () => pings, isClosed: () => isClosed, dispose: () => socket.terminate() };
}

describe('the heartbeat', () => {
  const cleanup = disposers();
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ config: { heartbeatMs: 150 } });
  });
  afterEach(() => cleanup.run());
  afterAll(() => server?.stop());

  it('keeps a client whose pongs arrive a whole interval late, and terminates one that never answers', async () => {
    const late = cleanup.add(await lateConnection(server.wsUrl, 'late'));
    const deaf = cleanup.add(await lateConnection(server.wsUrl, 'never'));
    // The deaf one is terminated after two silent intervals (three pings at most).
    expect(await withTimeout(deaf.closed, 20_000, 'the deaf socket to be terminated')).toBe(1006);
    expect(deaf.pings()).toBeLessThanOrEqual(3);
    // Meanwhile, and for several more beats, the late one stays: every pong was late, none missing.
    const seen = late.pings();
    await waitUntil(() => late.pings() >= seen + 4 || late.isClosed(), 'four more heartbeats', 20_000);
    expect(late.isClosed()).toBe(false);
  });
});
