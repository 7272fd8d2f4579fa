/**
 * The soak's cluster: its own PostgreSQL database (reached through a TCP proxy, so it can be cut), its
 * own redis-server (so it can be restarted without touching anyone else's), and K compiled Pulse
 * instances (`dist/main.js`) on fixed ports, each one killable, drainable and restartable.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { startTcpProxy, type TcpProxy } from '../test/support/tcp-proxy.js';

const ROOT = new URL('..', import.meta.url).pathname;
const JWT_SECRET = 'soak-secret-soak-secret-soak-secret-0123456789';

export interface SoakCluster {
  urls: string[];
  /** Indexes of the instances that are up now. */
  up(): number[];
  killHard(i: number): Promise<void>;
  drain(i: number): Promise<void>;
  start(i: number): Promise<void>;
  restartRedis(): Promise<void>;
  cutDatabase(ms: number): Promise<void>;
  /** A direct connection to the soak database (for the checker and the samples). */
  db: pg.Client;
  stop(): Promise<void>;
}

async function waitReady(url: string, ms = 60_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    const ok = await fetch(`${url}/readyz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} did not become ready`);
}

export async function startSoakCluster(options: { instances: number; basePort: number; databaseUrl: string }): Promise<SoakCluster> {
  const build = spawnSync('npm', ['run', '-s', 'build:server'], { cwd: ROOT, stdio: 'inherit' });
  if (build.status !== 0) throw new Error('npm run build:server failed');

  const admin = new pg.Client({ connectionString: options.databaseUrl });
  await admin.connect();
  const name = `soak_${Date.now()}`;
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const target = new URL(options.databaseUrl);
  target.pathname = `/${name}`;
  const proxy: TcpProxy = await startTcpProxy(target.hostname, Number(target.port || 5432));
  const viaProxy = new URL(target);
  viaProxy.hostname = '127.0.0.1';
  viaProxy.port = String(proxy.port);
  const db = new pg.Client({ connectionString: target.toString() });
  await db.connect();

  const redisPort = options.basePort + 90;
  const redisDir = mkdtempSync(join(tmpdir(), 'soak-redis-'));
  let redis: ChildProcess | null = null;
  const startRedis = async () => {
    redis = spawn(
      'redis-server',
      ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', redisDir],
      {
        stdio: 'ignore',
      },
    );
    for (let i = 0; i < 100; i++) {
      if (
        spawnSync('redis-cli', ['-p', String(redisPort), 'ping'])
          .stdout?.toString()
          .includes('PONG')
      )
        return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error('redis-server did not start');
  };
  await startRedis();

  const ports = Array.from({ length: options.instances }, (_, i) => options.basePort + i);
  const urls = ports.map((p) => `http://127.0.0.1:${p}`);
  const procs: (ChildProcess | null)[] = ports.map(() => null);
  const start = async (i: number) => {
    const child = spawn(process.execPath, ['dist/main.js'], {
      cwd: ROOT,
      stdio: ['ignore', 'ignore', 'inherit'],
      env: {
        ...process.env,
        NODE_ENV: 'production',
        PORT: String(ports[i]),
        DATABASE_URL: viaProxy.toString(),
        REDIS_URL: `redis://127.0.0.1:${redisPort}`,
        JWT_SECRET,
        LOG_LEVEL: 'error',
        SEED_DEMO_DATA: 'false',
        RATE_LIMIT_PER_MINUTE: '1000000',
        MAX_CONNECTIONS_PER_IP: '100000',
        DRAIN_MS: '1500',
        INSTANCE_ID: `soak-${i}`,
      },
    });
    procs[i] = child;
    child.once('exit', () => {
      if (procs[i] === child) procs[i] = null;
    });
    await waitReady(urls[i]);
  };
  // The first one migrates the fresh database; the others find it done.
  await start(0);
  await Promise.all(ports.slice(1).map((_, k) => start(k + 1)));

  const exited = async (i: number, signal: NodeJS.Signals) => {
    const child = procs[i];
    if (!child) return;
    const gone = once(child, 'exit');
    child.kill(signal);
    await gone;
  };
  return {
    urls,
    db,
    up: () => procs.flatMap((p, i) => (p ? [i] : [])),
    killHard: (i) => exited(i, 'SIGKILL'),
    drain: (i) => exited(i, 'SIGTERM'),
    start,
    async restartRedis() {
      const current = redis;
      if (current) {
        const gone = once(current, 'exit');
        current.kill('SIGKILL');
        await gone;
      }
      await new Promise((r) => setTimeout(r, 1000));
      await startRedis();
    },
    async cutDatabase(ms) {
      proxy.cut();
      await new Promise((r) => setTimeout(r, ms));
      proxy.restore();
    },
    async stop() {
      await Promise.all(procs.map((_, i) => exited(i, 'SIGKILL')));
      redis?.kill('SIGKILL');
      await proxy.close();
      await db.end();
      const cleanup = new pg.Client({ connectionString: options.databaseUrl });
      await cleanup.connect();
      await cleanup.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch(() => {});
      await cleanup.end();
    },
  };
}
