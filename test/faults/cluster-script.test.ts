/**
 * The cluster recipe of issue 13: `scripts/cluster.sh` starts PostgreSQL-backed instances, Redis and
 * HAProxy with deploy/haproxy.cfg. Clients through HAProxy and on each instance see one another's
 * writes; SIGTERM stops everything the script started. (Killed-instance resume through HAProxy:
 * rolling-restart.test.ts.)
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { gqlOk, registerUser } from '../support/client.js';
import { connectWs } from '../support/ws.js';
import { disposers } from '../support/setup.js';
import { withTimeout } from '../support/wait.js';
import { TEST_DATABASE_URL, TEST_REDIS_CLUSTER_NODES, TEST_REDIS_URL } from '../support/database.js';
import { freePort } from '../support/process.js';
import { MATCH_FEED, POST_MATCH, type FeedEvent } from '../matches/queries.js';

const PGBOUNCER_PORT = process.env.TEST_PGBOUNCER_URL ? new URL(process.env.TEST_PGBOUNCER_URL).port : null;
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

describe.runIf(TEST_DATABASE_URL && TEST_REDIS_URL)('scripts/cluster.sh', () => {
  const cleanup = disposers();
  const name = `pulse_cluster_${process.pid}_${Date.now().toString(36)}`;
  afterAll(async () => {
    await cleanup.run();
    const admin = new pg.Client({ connectionString: TEST_DATABASE_URL! });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await admin.end();
  });

  const shapes = [
    { instances: 2, args: [] as string[], redis: { REDIS_URL: TEST_REDIS_URL! } as Record<string, string> },
    // The Redis Cluster and the PgBouncer of this run (already up: the script reuses them and leaves them running).
    ...(TEST_REDIS_CLUSTER_NODES && PGBOUNCER_PORT
      ? [
          {
            instances: 3,
            args: ['--redis', 'cluster', '--pgbouncer'],
            redis: { REDIS_CLUSTER_PORT: TEST_REDIS_CLUSTER_NODES.split(',')[0].split(':')[1], PGBOUNCER_PORT },
          },
        ]
      : []),
  ];
  it.each(shapes)(
    'serves $instances instances ($args) through HAProxy and stops cleanly',
    async ({ instances, args, redis }) => {
      const [cluster, stats, ...ports] = await Promise.all(Array.from({ length: instances + 2 }, () => freePort()));
      const databaseUrl = new URL(TEST_DATABASE_URL!);
      databaseUrl.pathname = `/${name}`;
      const script = spawn('bash', ['scripts/cluster.sh', '--instances', String(instances), ...args], {
        cwd: ROOT,
        detached: true, // its own process group, so cleanup reaches every child
        env: {
          PATH: process.env.PATH,
          DATABASE_URL: databaseUrl.toString(),
          ...redis,
          REDIS_PREFIX: `${name}:`,
          CLUSTER_PORT: String(cluster),
          STATS_PORT: String(stats),
          PULSE_PORTS: ports.join(' '),
          LOG_LEVEL: 'warn',
          SEED_DEMO_DATA: 'false',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const exited = new Promise<number | null>((resolve) => script.once('exit', (code) => resolve(code)));
      cleanup.defer(() => {
        if (script.exitCode === null) process.kill(-script.pid!, 'SIGKILL');
      });
      let output = '';
      const up = new Promise<void>((resolve, reject) => {
        const onData = (chunk: Buffer) => {
          output += chunk.toString();
          if (output.includes('Pulse cluster up')) resolve();
        };
        script.stdout!.on('data', onData);
        script.stderr!.on('data', onData);
        void exited.then((code) => reject(new Error(`cluster.sh exited with ${code}:\n${output}`)));
      });
      await withTimeout(up, 120_000, `the cluster to start:\n${output}`);
      const url = `http://127.0.0.1:${cluster}/graphql`;
      // HAProxy needs two good checks (rise 2) before it routes.
      for (let i = 0; i < 100 && (await fetch(`http://127.0.0.1:${cluster}/readyz`).catch(() => null))?.status !== 200; i++) {
        await new Promise((resolve) => setTimeout(resolve, 100));
      }

      const user = await registerUser(url, 'cluster');
      // Subscribed from the board's snapshot cursor, so nothing posted after the query can be missed,
      // whenever each subscription becomes live on its instance.
      const after = (await gqlOk(url, `query { matches(region: SA, first: 1) { streamCursor } }`)).matches.streamCursor;
      const feeds = [cluster, ...ports]
        .map((port) => `ws://127.0.0.1:${port}/graphql`)
        .map((wsUrl) => cleanup.add(connectWs(wsUrl)).subscribe<FeedEvent>(MATCH_FEED, { region: 'SA', after }));
      const posted = (
        await gqlOk(
          `http://127.0.0.1:${ports.at(-1)}/graphql`,
          POST_MATCH,
          { input: { game: 'cluster', region: 'SA', slots: 1 } },
          user.token,
        )
      ).postMatch;
      const viaProxy = (await gqlOk(url, POST_MATCH, { input: { game: 'proxied', region: 'SA', slots: 1 } }, user.token)).postMatch;
      for (const feed of feeds) {
        const ids = (await feed.take(2, 30_000)).map((e) => e.matchFeed.match!.id);
        expect(ids).toEqual([posted.id, viaProxy.id]);
      }

      process.kill(-script.pid!, 'SIGTERM');
      await withTimeout(exited, 60_000, 'cluster.sh to stop');
      for (const port of [cluster, ...ports]) {
        await expect(fetch(`http://127.0.0.1:${port}/healthz`)).rejects.toThrow();
      }
    },
    240_000,
  );
});
