/**
 * Presence on one instance: who may watch whom, the current status first and then changes (online
 * while any connection is open), no events for unwatched users, and a connection that stops
 * answering pings going OFFLINE after two silent heartbeats. Across instances: cluster.test.ts.
 */
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { registerUser } from '../support/client.js';
import { connectWs, firstError } from '../support/ws.js';
import { DATABASE_KINDS } from '../support/database.js';
import { useTestServer } from '../support/setup.js';
import { deferred, withTimeout } from '../support/wait.js';
import { HEARTBEAT_MS, nextStatuses, PRESENCE, PRESENCE_TTL_MS, settle } from './support.js';

/** A graphql-ws connection over a socket that never answers pings (as a vanished network peer would not). */
async function deafConnection(wsUrl: string, token: string) {
  const socket = new WebSocket(wsUrl, 'graphql-transport-ws', { autoPong: false });
  let pings = 0;
  socket.on('ping', () => pings++);
  const closed = new Promise<number>((resolve) => socket.once('close', (code) => resolve(code)));
  await once(socket, 'open');
  const acked = deferred<void>();
  socket.on('message', (data) => {
    if (JSON.parse(String(data)).type === 'connection_ack') acked.resolve();
  });
  socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${token}` } }));
  await withTimeout(acked.promise, 10_000, 'connection_ack');
  return { closed, pings: () => pings, dispose: () => socket.terminate() };
}

describe.each(DATABASE_KINDS)('presence on one instance (%s)', (kind) => {
  const { server, users, cleanup } = useTestServer(kind, {
    users: ['watcher'],
    config: { heartbeatMs: HEARTBEAT_MS, presenceTtlMs: PRESENCE_TTL_MS },
  });
  const { watcher } = users;

  async function watch(ids: string[]) {
    const ws = cleanup.add(connectWs(server.wsUrl, watcher.token));
    const sub = ws.subscribe(PRESENCE, { ids });
    await ws.connected;
    return sub;
  }

  it('needs a signed-in viewer and 1-100 known users', async () => {
    const anonymous = cleanup.add(connectWs(server.wsUrl));
    const denied = await anonymous.subscribe(PRESENCE, { ids: [watcher.id] }).ended();
    expect(firstError(denied.errors).extensions.code).toBe('UNAUTHENTICATED');

    const ws = cleanup.add(connectWs(server.wsUrl, watcher.token));
    for (const ids of [[], Array.from({ length: 101 }, (_, i) => `u${i}`)]) {
      const { errors } = await ws.subscribe(PRESENCE, { ids }).ended();
      expect(firstError(errors).extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'userIds' });
    }
    const unknown = await ws.subscribe(PRESENCE, { ids: [watcher.id, 'nobody'] }).ended();
    expect(firstError(unknown.errors).extensions.code).toBe('NOT_FOUND');
  });

  it('emits the current status of each user first, then changes; online while any connection is open', async () => {
    const [bob, carol] = await Promise.all([registerUser(server.url, 'bob'), registerUser(server.url, 'carol')]);
    const bob1 = connectWs(server.wsUrl, bob.token);
    await bob1.connected;
    const sub = await watch([bob.id, carol.id]);
    expect(await nextStatuses(sub, 2)).toEqual([
      [bob.id, 'ONLINE'],
      [carol.id, 'OFFLINE'],
    ]);
    const openBefore = server.pulse.services.connections.count;

    const bob2 = cleanup.add(connectWs(server.wsUrl, bob.token));
    await bob2.connected;
    await bob1.dispose();
    await settle(server, openBefore);
    // Bob still has a connection: the next change is Carol's, not Bob going offline.
    const carolWs = cleanup.add(connectWs(server.wsUrl, carol.token));
    await carolWs.connected;
    expect(await nextStatuses(sub)).toEqual([[carol.id, 'ONLINE']]);

    await bob2.dispose();
    expect(await nextStatuses(sub)).toEqual([[bob.id, 'OFFLINE']]);
    await carolWs.dispose();
    expect(await nextStatuses(sub)).toEqual([[carol.id, 'OFFLINE']]);
    expect(sub.received).toHaveLength(5);
    expect(sub.received[0].presence.at).toEqual(expect.any(String));
  });

  it('does not fire for users nobody watches', async () => {
    const [dave, erin] = await Promise.all([registerUser(server.url, 'dave'), registerUser(server.url, 'erin')]);
    const sub = await watch([dave.id]);
    expect(await nextStatuses(sub)).toEqual([[dave.id, 'OFFLINE']]);
    const openBefore = server.pulse.services.connections.count;
    const erinWs = connectWs(server.wsUrl, erin.token);
    await erinWs.connected;
    await erinWs.dispose();
    await settle(server, openBefore);
    const daveWs = cleanup.add(connectWs(server.wsUrl, dave.token));
    await daveWs.connected;
    expect(await nextStatuses(sub)).toEqual([[dave.id, 'ONLINE']]);
    expect(sub.received).toHaveLength(2);
  });

  it('a connection that stops answering pings is terminated after two silent heartbeats and goes OFFLINE', async () => {
    const [frank, grace] = await Promise.all([registerUser(server.url, 'frank'), registerUser(server.url, 'grace')]);
    const graceWs = cleanup.add(connectWs(server.wsUrl, grace.token));
    await graceWs.connected;
    const sub = await watch([frank.id, grace.id]);
    expect(await nextStatuses(sub, 2)).toEqual([
      [frank.id, 'OFFLINE'],
      [grace.id, 'ONLINE'],
    ]);

    const deaf = cleanup.add(await deafConnection(server.wsUrl, frank.token));
    expect(await nextStatuses(sub)).toEqual([[frank.id, 'ONLINE']]);
    expect(await nextStatuses(sub)).toEqual([[frank.id, 'OFFLINE']]);
    expect(await deaf.closed).toBe(1006); // terminated by the server, no close frame
    // A socket is judged only after two whole silent intervals: at most two pings went out.
    expect(deaf.pings()).toBeGreaterThanOrEqual(1);
    expect(deaf.pings()).toBeLessThanOrEqual(2);
    // Grace answers pings (ws does by default) and stays online through the same heartbeats.
    expect(sub.pending).toHaveLength(0);
    const second = await watch([grace.id]);
    expect(await nextStatuses(second)).toEqual([[grace.id, 'ONLINE']]);
  });
});
