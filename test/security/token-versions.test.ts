/**
 * The per-instance token versions (src/auth/versions.ts) in-process: one read per user for
 * concurrent callers, trusted only while revocations are heard, never stored across a revocation
 * or an interruption of the bus.
 */
import { expect, it } from 'vitest';
import { TokenVersions, type UserFacts } from '../../src/auth/versions.js';
import { SharedReads } from '../../src/db/shared-reads.js';
import { deferred } from '../support/wait.js';

function versions() {
  const row: UserFacts = { role: 'USER', tokenVersion: 0 };
  let reads = 0;
  let gate: Promise<void> | null = null;
  const cache = new TokenVersions(new SharedReads(), async () => {
    reads++;
    const snapshot = { ...row };
    await gate;
    return snapshot;
  });
  return {
    cache,
    row,
    reads: () => reads,
    hold() {
      const open = deferred<void>();
      gate = open.promise;
      return () => {
        gate = null;
        open.resolve();
      };
    },
  };
}

it('concurrent callers share one read; later ones read nothing while revocations are heard', async () => {
  const v = versions();
  v.cache.resumed();
  const release = v.hold();
  const all = Array.from({ length: 50 }, () => v.cache.get('u'));
  release();
  expect((await Promise.all(all)).every((u) => u?.tokenVersion === 0)).toBe(true);
  await v.cache.get('u');
  expect(v.reads()).toBe(1);
});

it('a revocation raises the known version at once, and a read in flight across it is not kept', async () => {
  const v = versions();
  v.cache.resumed();
  await v.cache.get('u');
  v.row.tokenVersion = 1;
  v.cache.revoked('u', 1);
  expect((await v.cache.get('u'))?.tokenVersion).toBe(1);
  expect(v.reads()).toBe(1);

  // A read that started before a revocation (of another version) may be stale: used once, never kept.
  const fresh = versions();
  fresh.cache.resumed();
  const release = fresh.hold();
  const pending = fresh.cache.get('w');
  fresh.row.tokenVersion = 3;
  fresh.cache.revoked('w', 3);
  release();
  expect((await pending)?.tokenVersion).toBe(0);
  expect((await fresh.cache.get('w'))?.tokenVersion).toBe(3);
  expect(fresh.reads()).toBe(2);
});

it('keeps nothing before the revocation channel listens, and forgets everything when it drops', async () => {
  const v = versions();
  await v.cache.get('u');
  await v.cache.get('u');
  expect(v.reads()).toBe(2); // not listening yet: every call reads
  v.cache.resumed();
  await v.cache.get('u');
  await v.cache.get('u');
  expect(v.reads()).toBe(3);
  v.cache.interrupted();
  v.row.tokenVersion = 7; // revoked while the bus was down: the signal is lost
  expect((await v.cache.get('u'))?.tokenVersion).toBe(7);
  await v.cache.get('u');
  expect(v.reads()).toBe(5);
});

it('a token signed with another role than the known one reads afresh', async () => {
  const v = versions();
  v.cache.resumed();
  await v.cache.get('u', 'USER');
  v.row.role = 'ADMIN';
  expect((await v.cache.get('u', 'USER'))?.role).toBe('USER');
  expect((await v.cache.get('u', 'ADMIN'))?.role).toBe('ADMIN');
  expect(v.reads()).toBe(2);
});
