/**
 * A Redis Cluster primary killed -9 under writes: the shard's replica is promoted, each instance
 * re-subscribes its sharded channels on the new owner by itself, the events committed meanwhile still
 * reach the subscriber (the log and the publish sweeper fill what the dead shard dropped), nothing is
 * lost or duplicated, and mutations keep working. The cluster is this file's own (it gets broken).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { registerUser, type TestUser } from '../support/client.js';
import { clusterSeeds } from '../support/redis.js';
import { startCluster, waitForSubscriptions, type TestCluster } from '../support/server.js';
import { connectWs } from '../support/ws.js';
import { createGroup, EVENTS, send } from '../chat/operations.js';

/** Bus ports 31100-31105 stay below 32768; tests' shared cluster is on 21000. */
const BASE_PORT = 21100;
const script = fileURLToPath(new URL('../../scripts/redis-cluster.sh', import.meta.url));
const cli = (port: number | string, ...args: string[]) =>
  execFileSync('redis-cli', ['-p', String(port), ...args])
    .toString()
    .trim();

describe('a Redis Cluster primary killed -9 while events are posted', () => {
  let cluster: TestCluster;
  let alice: TestUser;
  let bob: TestUser;
  beforeAll(async () => {
    const seeds = execFileSync('bash', [script, 'start', String(BASE_PORT)])
      .toString()
      .trim()
      .split('\n')
      .pop()!;
    cluster = await startCluster(3, { redisUrl: null, redisClusterNodes: clusterSeeds(seeds) });
    alice = await registerUser(cluster.servers[0].url, 'alice');
    bob = await registerUser(cluster.servers[0].url, 'bob');
  });
  afterAll(async () => {
    await cluster?.stop();
    execFileSync('bash', [script, 'stop', String(BASE_PORT)]);
  });

  it('a subscriber on a third instance receives exactly 1..300, in order, through two writing instances', async () => {
    const [a, b, c] = cluster.servers;
    const group = await createGroup(a.url, alice, [bob]);
    const ws = connectWs(c.wsUrl, bob.token);
    onTestFinished(() => ws.dispose());
    const sub = ws.subscribe(EVENTS, { id: group });
    await waitForSubscriptions(c, 1);

    // The primary that owns this conversation's channel: its shard carries every publish of the test.
    const channel = `${c.pulse.services.config.redisPrefix}conversation:${group}`;
    const slot = Number(cli(BASE_PORT, 'cluster', 'keyslot', channel));
    const owner = cli(BASE_PORT, 'cluster', 'nodes')
      .split('\n')
      .map((line) => line.split(' '))
      .find((fields) => fields[2].includes('master') && fields.slice(8).some((range) => inRange(slot, range)))!;
    const ownerPort = owner[1].split(':')[1].split('@')[0];
    const pid = Number(readFileSync(join(tmpdir(), `pulse-redis-cluster-${BASE_PORT}`, ownerPort, 'redis.pid'), 'utf8'));

    for (let i = 1; i <= 300; i++) {
      if (i === 100) process.kill(pid, 'SIGKILL');
      // Every mutation must succeed: `send` fails the test on any error.
      await send([a, b][i % 2].url, alice, group, String(i));
    }
    const events = await sub.take(300, 60_000);
    expect(events.map((e) => e.conversationEvents.message.text)).toEqual(Array.from({ length: 300 }, (_, i) => String(i + 1)));

    // The replica took the slot over, and the subscriber's channel is subscribed on it now.
    const survivor = [0, 1, 2, 3, 4, 5].map((i) => BASE_PORT + i).find((port) => String(port) !== ownerPort)!;
    const newOwner = cli(survivor, 'cluster', 'nodes')
      .split('\n')
      .map((line) => line.split(' '))
      .find(
        (fields) => fields[2].includes('master') && !fields[2].includes('fail') && fields.slice(8).some((range) => inRange(slot, range)),
      )!;
    expect(newOwner[1]).not.toContain(`:${ownerPort}@`);
    const newPort = newOwner[1].split(':')[1].split('@')[0];
    const numsub = cli(newPort, 'pubsub', 'shardnumsub', channel).split('\n');
    expect(Number(numsub[1])).toBe(1);
    // And it is live there: one more message arrives through the new owner, and nothing else came.
    await send(a.url, alice, group, 'after the failover');
    expect((await sub.next(20_000)).conversationEvents.message.text).toBe('after the failover');
    expect(sub.received).toHaveLength(301);
  });
});

function inRange(slot: number, range: string): boolean {
  const [from, to] = range.split('-').map(Number);
  return slot >= from && slot <= (to ?? from);
}
