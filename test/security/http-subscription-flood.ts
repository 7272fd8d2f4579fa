/**
 * Run by findings.test.ts in its own process (`node --expose-gc --import tsx`), so the figures are one
 * server's, as in production, not a test worker's: starts a server, sends plain-HTTP subscription
 * requests from another process (flood.mjs), and prints the live subscriptions and memory (after a
 * full collection) before and after `COUNT` of them, and after `COUNT` more, as JSON.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { startTestServer } from '../support/server.js';

const count = Number(process.argv[2] ?? 11_000);
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with --expose-gc');
const server = await startTestServer({ database: 'pglite' });
const flood = async (n: number) => {
  const { stdout } = await promisify(execFile)(process.execPath, [
    fileURLToPath(new URL('./flood.mjs', import.meta.url)),
    server.url,
    String(n),
  ]);
  return JSON.parse(stdout) as Record<string, number>;
};
const sample = () => {
  gc();
  const { rss, heapUsed } = process.memoryUsage();
  return { live: server.pulse.services.subscriptionStats.activeCount(), rss, heapUsed };
};
const baseline = sample();
await flood(5_000); // warm-up: JIT, caches and socket buffers reach their steady size
const before = sample();
const statuses = await flood(count);
const after = sample();
// A second flood of the same size: a leak grows RSS in both; the allocator's one-off growth does not repeat.
await flood(count);
const again = sample();
console.log(JSON.stringify({ baseline, before, after, again, statuses }));
await server.stop();
process.exit(0);
