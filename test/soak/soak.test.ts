/**
 * CI's soak: `npm run soak -- --minutes 3` (soak/run.ts) against this run's PostgreSQL, with its own
 * Redis and three compiled instances, every fault once; it fails when any invariant broke (lost,
 * duplicated or reordered deliveries, seat or like counts off, an answered write not stored, an
 * INTERNAL_SERVER_ERROR). The summary line is checked here too, so a soak that ran nothing fails.
 */
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { TEST_DATABASE_URL, TEST_REDIS_URL } from '../support/database.js';

describe.runIf(TEST_DATABASE_URL && TEST_REDIS_URL)('soak (3 minutes, every fault once)', () => {
  it('keeps every invariant', { timeout: 10 * 60_000 }, async () => {
    const child = spawn('npm', ['run', '-s', 'soak', '--', '--minutes', '3'], {
      env: { ...process.env, SOAK_DATABASE_URL: TEST_DATABASE_URL! },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk;
    });
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    const summary = JSON.parse(output.trim().split('\n').pop() ?? '{}');
    expect(summary, output.slice(-4000)).toMatchObject({ ok: true, lost: 0, duplicated: 0, reordered: 0, internalErrors: 0 });
    expect(Object.values(summary.faults as Record<string, number>).every((n) => n >= 1)).toBe(true);
    expect(summary.deliveries).toBeGreaterThan(1000);
    expect(code).toBe(0);
  });
});
