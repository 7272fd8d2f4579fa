/**
 * Pulse instances as child processes (`src/main.ts` through tsx), for fault tests that kill -9 or
 * SIGTERM an instance. Every child is killed when the test file ends (`stopAllInstances`) and when
 * the test process exits, so no fault test leaves a process behind.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { databaseEnv, type TestDatabase } from './database.js';
import { TEST_JWT_SECRET } from './server.js';
import { withTimeout } from './wait.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const children = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of children) child.kill('SIGKILL');
});

export interface InstanceProcess {
  child: ChildProcess;
  port: number;
  url: string;
  wsUrl: string;
  /** Output so far (stdout and stderr), for failure messages. */
  output(): string;
  /** Resolves with the exit code (or the signal name) once the process has ended. */
  exited: Promise<number | string>;
  kill(signal?: NodeJS.Signals): Promise<number | string>;
}

export interface InstanceOptions {
  /** A PostgreSQL test database (its schema, or its own database through PgBouncer). */
  database: TestDatabase;
  redisUrl: string;
  redisPrefix: string;
  port?: number;
  env?: Record<string, string>;
}

/** Starts `src/main.ts` in a child process and resolves once it listens. */
export async function startInstance(options: InstanceOptions): Promise<InstanceProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH,
      NODE_ENV: 'test',
      LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'warn',
      HOST: '127.0.0.1',
      PORT: String(options.port ?? 0),
      ...databaseEnv(options.database),
      REDIS_URL: options.redisUrl,
      REDIS_PREFIX: options.redisPrefix,
      JWT_SECRET: TEST_JWT_SECRET,
      SEED_DEMO_DATA: 'false',
      RATE_LIMIT_PER_MINUTE: '1000000',
      // Every test client connects from 127.0.0.1 (through HAProxy too): the per-address cap would refuse them.
      MAX_CONNECTIONS_PER_IP: '1000000',
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  let output = '';
  const exited = new Promise<number | string>((resolve) =>
    child.once('exit', (code, signal) => {
      children.delete(child);
      resolve(code ?? signal ?? 'unknown');
    }),
  );
  const listening = new Promise<number>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /GraphQL:\s+http:\/\/[^:]+:(\d+)\/graphql/.exec(output);
      if (match) resolve(Number(match[1]));
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    void exited.then((code) => reject(new Error(`instance exited with ${code} before listening:\n${output}`)));
  });
  let port: number;
  try {
    port = await withTimeout(listening, 60_000, 'a Pulse instance to listen');
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  return {
    child,
    port,
    url: `http://127.0.0.1:${port}/graphql`,
    wsUrl: `ws://127.0.0.1:${port}/graphql`,
    output: () => output,
    exited,
    kill(signal = 'SIGKILL') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return withTimeout(exited, 30_000, `the instance to exit after ${signal}`);
    },
  };
}

/** Starts HAProxy (Debian's `haproxy`) with `deploy/haproxy.cfg` and the given addresses, in the foreground. */
export async function startHaproxy(env: { PULSE_BIND: string; PULSE_1: string; PULSE_2: string; HAPROXY_STATS: string }): Promise<{
  child: ChildProcess;
  /** Server name -> HAProxy's status of it (UP, DOWN, ...). */
  status(): Promise<Record<string, string>>;
  /** Waits until every named server is UP (or DOWN) in HAProxy's view. */
  waitFor(state: 'UP' | 'DOWN', names: string[], ms?: number): Promise<void>;
}> {
  const child = spawn('haproxy', ['-db', '-f', 'deploy/haproxy.cfg'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  child.once('exit', () => children.delete(child));
  let output = '';
  child.stdout!.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (output += c.toString()));
  const status = async () => {
    const csv = await (await fetch(`http://${env.HAPROXY_STATS}/;csv`)).text();
    const [header, ...rows] = csv.trim().split('\n');
    const columns = header.replace(/^# /, '').split(',');
    const result: Record<string, string> = {};
    for (const row of rows) {
      const cells = row.split(',');
      if (cells[columns.indexOf('pxname')] === 'pulse') result[cells[columns.indexOf('svname')]] = cells[columns.indexOf('status')];
    }
    return result;
  };
  const waitFor = async (state: 'UP' | 'DOWN', names: string[], ms = 30_000) => {
    const deadline = Date.now() + ms;
    for (;;) {
      const now = await status().catch(() => ({}) as Record<string, string>);
      if (names.every((n) => now[n] === state)) return;
      if (Date.now() > deadline) throw new Error(`HAProxy: expected ${names.join(', ')} ${state}, have ${JSON.stringify(now)}\n${output}`);
      if (child.exitCode !== null) throw new Error(`HAProxy exited: ${output}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };
  return { child, status, waitFor };
}

/** A free TCP port on 127.0.0.1 (for processes that need a fixed port across restarts). */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Kills every instance still running (afterAll of fault tests). */
export async function stopAllInstances(): Promise<void> {
  await Promise.all(
    [...children].map((child) => {
      child.kill('SIGKILL');
      return new Promise((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve(null) : child.once('exit', resolve)));
    }),
  );
}
