/**
 * Presence across instances (PostgreSQL + Redis): a user online on two instances goes OFFLINE once,
 * when the last connection closes; simultaneous last drops announce exactly one OFFLINE; and the users
 * of an instance killed without cleanup go OFFLINE once their entries expire.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { Topics, type StreamEvent } from '../../src/streams/index.js';
import { registerUser } from '../support/client.js';
import { connectWs } from '../support/ws.js';
import { databaseEnv, redisEnv, TEST_DATABASE_URL, TEST_REDIS_URL } from '../support/database.js';
import { TEST_JWT_SECRET, type TestCluster } from '../support/server.js';
import { useTestCluster } from '../support/setup.js';
import { deferred, waitUntil, withTimeout } from '../support/wait.js';
import { HEARTBEAT_MS, nextStatuses, PRESENCE, PRESENCE_TTL_MS, settle, type Watcher } from './support.js';

describe.runIf(TEST_DATABASE_URL && TEST_REDIS_URL)('presence across instances (PostgreSQL + Redis)', () => {
  const { cluster, users, cleanup } = useTestCluster(2, {
    users: ['watcher'],
    config: { heartbeatMs: HEARTBEAT_MS, presenceTtlMs: PRESENCE_TTL_MS },
  });
  const { watcher } = users;

  /** A watcher of `ids` on each instance. */
  async function watchOnBoth(ids: string[]) {
    const subs: Watcher[] = [];
    for (const server of cluster.servers) {
      const ws = cleanup.add(connectWs(server.wsUrl, watcher.token));
      subs.push(ws.subscribe(PRESENCE, { ids }));
      await ws.connected;
    }
    return subs;
  }

  /** Every raw presence signal of these users as published on the bus (before any watcher's filtering). */
  async function tap(userIds: string[]) {
    const events: StreamEvent<'presence'>[] = [];
    for (const userId of userIds) {
      const off = await cluster.servers[0].pulse.services.streams.bus.subscribe(Topics.presence(userId).name, (e) =>
        events.push(e as StreamEvent<'presence'>),
      );
      cleanup.defer(off);
    }
    const count = (userId: string, kind: string) =>
      events.filter((e) => e.topic === Topics.presence(userId).name && e.kind === kind).length;
    return { events, count };
  }

  const openCounts = () => cluster.servers.map((s) => s.pulse.services.connections.count);
  const settleAll = (open: number[]) => Promise.all(cluster.servers.map((s, i) => settle(s, open[i])));

  it('two connections on two instances: ONLINE until the last closes, then exactly one OFFLINE, seen on either instance', async () => {
    const [user, marker] = await Promise.all([
      registerUser(cluster.servers[0].url, 'roamer'),
      registerUser(cluster.servers[0].url, 'marker'),
    ]);
    const subs = await watchOnBoth([user.id, marker.id]);
    // The two users' presence may live on different Redis Cluster shards: no order between them.
    for (const sub of subs) {
      expect((await nextStatuses(sub, 2)).sort()).toEqual(
        [
          [user.id, 'OFFLINE'],
          [marker.id, 'OFFLINE'],
        ].sort(),
      );
    }
    const signals = await tap([user.id, marker.id]);
    const open = openCounts();

    const on0 = connectWs(cluster.servers[0].wsUrl, user.token);
    await on0.connected;
    const on1 = connectWs(cluster.servers[1].wsUrl, user.token);
    await on1.connected;
    for (const sub of subs) expect(await nextStatuses(sub)).toEqual([[user.id, 'ONLINE']]);

    await on0.dispose();
    await settleAll([open[0], open[1] + 1]);
    // Still online through instance 1: the next change anyone sees is the marker's.
    const markerWs = connectWs(cluster.servers[0].wsUrl, marker.token);
    await markerWs.connected;
    for (const sub of subs) expect(await nextStatuses(sub)).toEqual([[marker.id, 'ONLINE']]);
    expect(signals.count(user.id, 'OFFLINE')).toBe(0);

    await on1.dispose();
    for (const sub of subs) expect(await nextStatuses(sub)).toEqual([[user.id, 'OFFLINE']]);
    await settleAll([open[0] + 1, open[1]]);
    await markerWs.dispose();
    for (const sub of subs) expect(await nextStatuses(sub)).toEqual([[marker.id, 'OFFLINE']]);
    await waitUntil(() => signals.count(marker.id, 'OFFLINE') === 1, 'the marker OFFLINE on the bus');
    expect(signals.count(user.id, 'ONLINE')).toBe(1);
    expect(signals.count(user.id, 'OFFLINE')).toBe(1);
  });

  it('the last two connections dropping on two instances at once announce exactly one OFFLINE', async () => {
    const [user, marker] = await Promise.all([
      registerUser(cluster.servers[0].url, 'twin'),
      registerUser(cluster.servers[0].url, 'marker'),
    ]);
    const [sub] = await watchOnBoth([user.id]);
    expect(await nextStatuses(sub)).toEqual([[user.id, 'OFFLINE']]);
    const signals = await tap([user.id, marker.id]);
    const open = openCounts();
    for (let round = 1; round <= 5; round++) {
      const sockets = cluster.servers.map((s) => connectWs(s.wsUrl, user.token));
      await Promise.all(sockets.map((s) => s.connected));
      expect(await nextStatuses(sub)).toEqual([[user.id, 'ONLINE']]);
      await Promise.all(sockets.map((s) => s.drop()));
      expect(await nextStatuses(sub)).toEqual([[user.id, 'OFFLINE']]);
      await settleAll(open);
      expect(signals.count(user.id, 'OFFLINE')).toBeLessThanOrEqual(round);
    }
    // Everything announced so far has been published; the marker's signal comes after it on the bus.
    const markerWs = cleanup.add(connectWs(cluster.servers[1].wsUrl, marker.token));
    await markerWs.connected;
    await waitUntil(() => signals.count(marker.id, 'ONLINE') === 1, 'the marker ONLINE on the bus');
    expect(signals.count(user.id, 'ONLINE')).toBe(5);
    expect(signals.count(user.id, 'OFFLINE')).toBe(5);
  });

  it(`an instance killed without cleanup: its users go OFFLINE once their entries expire (TTL ${PRESENCE_TTL_MS} ms + one sweep)`, async () => {
    const user = await registerUser(cluster.servers[0].url, 'doomed');
    const [sub] = await watchOnBoth([user.id]);
    expect(await nextStatuses(sub)).toEqual([[user.id, 'OFFLINE']]);

    const child = await startChildInstance(cluster);
    cleanup.defer(() => child.process.kill('SIGKILL'));
    const ws = cleanup.add(connectWs(child.wsUrl, user.token));
    await ws.connected;
    expect(await nextStatuses(sub)).toEqual([[user.id, 'ONLINE']]);

    child.process.kill('SIGKILL');
    await once(child.process, 'exit');
    // Nobody closed anything in Redis: a surviving instance's sweep finds the expired entry.
    expect(await withTimeout(nextStatuses(sub), 10_000, 'OFFLINE after the instance died')).toEqual([[user.id, 'OFFLINE']]);
    expect(sub.received).toHaveLength(3);
  });
});

/** `npm start` in a child process, on the cluster's database schema and Redis prefix, so it can be killed outright. */
async function startChildInstance(cluster: TestCluster): Promise<{ process: ChildProcess; wsUrl: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: fileURLToPath(new URL('../..', import.meta.url)),
    env: {
      ...process.env,
      NODE_ENV: 'test',
      PORT: '0',
      HOST: '127.0.0.1',
      ...databaseEnv(cluster.database),
      ...redisEnv(),
      REDIS_PREFIX: `pulse-test:${cluster.database.name}:`,
      JWT_SECRET: TEST_JWT_SECRET,
      HEARTBEAT_MS: String(HEARTBEAT_MS),
      PRESENCE_TTL_MS: String(PRESENCE_TTL_MS),
      SEED_DEMO_DATA: 'false',
      INSTANCE_ID: 'child-to-kill',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const port = deferred<string>();
  let output = '';
  const collect = (chunk: Buffer) => {
    output += chunk;
    const match = /subscriptions:\s+ws:\/\/[^:]+:(\d+)\/graphql/.exec(output);
    if (match) port.resolve(match[1]);
  };
  child.stdout!.on('data', collect);
  child.stderr!.on('data', collect);
  child.once('exit', (code) => port.reject(new Error(`the child instance exited (${code}) before listening:\n${output}`)));
  return { process: child, wsUrl: `ws://127.0.0.1:${await withTimeout(port.promise, 60_000, 'the child instance to listen')}/graphql` };
}
