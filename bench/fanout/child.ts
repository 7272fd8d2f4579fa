/** Fan-out bench, parent side: child processes over IPC (`Child`) and starting one kind's server(s) (`startKind`). */
import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { benchDatabaseUrl, benchRedisUrl } from '../lib/common.js';
import type { Msg } from './protocol.js';

/** The entry the children run: bench/fanout.ts, which picks the role (`serve`, `load`) from its arguments. */
const ENTRY = fileURLToPath(new URL('../fanout.ts', import.meta.url));

/** A forked child running bench/fanout.ts in one role; `wait` resolves on its next message of a type (and match). */
export class Child {
  private readonly waiting: { type: string; match: (m: Msg) => boolean; resolve(m: Msg): void }[] = [];
  readonly proc: ChildProcess;
  constructor(args: string[], execArgv: string[] = []) {
    this.proc = fork(ENTRY, args, {
      execArgv: ['--import', 'tsx', '--expose-gc', ...execArgv],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    this.proc.on('message', (m: Msg) => {
      const i = this.waiting.findIndex((w) => w.type === m.type && w.match(m));
      if (i >= 0) this.waiting.splice(i, 1)[0].resolve(m);
    });
  }
  wait(type: string, ms = 120_000, match: (m: Msg) => boolean = () => true): Promise<Msg> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out waiting for ${type}`)), ms);
      this.waiting.push({
        type,
        match,
        resolve: (m) => {
          clearTimeout(timer);
          resolve(m);
        },
      });
    });
  }
  send(m: Msg): void {
    this.proc.send(m);
  }
  kill(): void {
    // With BENCH_CPU_PROF the server exits on its own (writing its profile) when told to stop.
    if (process.env.BENCH_CPU_PROF && this.proc.connected) this.proc.send({ type: 'exit' });
    else this.proc.kill('SIGKILL');
  }
}

interface Env {
  servers: Child[];
  url: string;
  triggerOn: Child;
}

/** Starts the server process(es) of `kind` (`pg`: instances A and B on a fresh PostgreSQL schema + Redis). */
export async function startKind(kind: string): Promise<Env & { stop(): Promise<void> }> {
  if (kind !== 'pg') {
    // BENCH_CPU_PROF=<dir>: each server writes a V8 CPU profile there (open it in Chrome DevTools).
    const profile = process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : [];
    const server = new Child(['serve', kind, 'a'], profile);
    const { port } = await server.wait('ready');
    const url = kind === 'raw' ? `ws://127.0.0.1:${port}` : `ws://127.0.0.1:${port}/graphql`;
    return { servers: [server], url, triggerOn: server, stop: async () => server.kill() };
  }
  process.env.TEST_DATABASE_URL ??= benchDatabaseUrl();
  const { createTestDatabase } = await import('../../test/support/database.js');
  const database = await createTestDatabase('postgres');
  const target = database.target as { url: string; schema: string };
  const extra = JSON.stringify({ url: target.url, schema: target.schema, redis: benchRedisUrl() });
  const a = new Child(['serve', 'pg', 'a', extra]);
  const { port } = await a.wait('ready');
  const b = new Child(['serve', 'pg', 'b', extra]);
  await b.wait('ready');
  return {
    servers: [a, b],
    url: `ws://127.0.0.1:${port}/graphql`,
    triggerOn: b,
    stop: async () => {
      a.kill();
      b.kill();
      await database.drop();
    },
  };
}
