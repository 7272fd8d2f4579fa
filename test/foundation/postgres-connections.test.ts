/**
 * How an instance reaches PostgreSQL: straight, with its schema in search_path; or (the pgbouncer
 * project) through PgBouncer in transaction mode, with no session settings, and migrations straight
 * to PostgreSQL (DATABASE_DIRECT_URL).
 */
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/index.js';
import { registerUser } from '../support/client.js';
import { createTestDatabase, queryDatabase, TEST_DATABASE_URL, TEST_PGBOUNCER_URL, type TestDatabase } from '../support/database.js';
import { startTestServer } from '../support/server.js';
import { disposers } from '../support/setup.js';

/** One statement on PgBouncer's admin console (simple protocol only). */
async function pgbouncerShow(what: string): Promise<Record<string, string>[]> {
  const admin = new URL(TEST_PGBOUNCER_URL!);
  admin.pathname = '/pgbouncer';
  const client = new pg.Client({ connectionString: admin.toString() });
  await client.connect();
  try {
    return (await client.query(`SHOW ${what}`)).rows;
  } finally {
    await client.end();
  }
}

if (TEST_PGBOUNCER_URL) {
  describe('through PgBouncer (transaction mode)', () => {
    const cleanup = disposers();
    let database: TestDatabase;
    afterAll(async () => {
      await cleanup.run();
      await database?.drop();
    });

    it("carries every instance's statements in its pool, and migrations go straight to PostgreSQL", async () => {
      database = await createTestDatabase('postgres');
      const server = cleanup.add(await startTestServer({ database }));
      const user = await registerUser(server.url, 'pooled');

      const pool = (await pgbouncerShow('POOLS')).find((row) => row.database === database.name);
      expect(pool?.pool_mode).toBe('transaction');
      const stats = (await pgbouncerShow('STATS')).find((row) => row.database === database.name);
      expect(Number(stats?.total_xact_count)).toBeGreaterThan(0);
      // Written through PgBouncer, read straight from PostgreSQL; the migrations were recorded there too.
      expect(await queryDatabase(database, `SELECT "username" FROM "User"`)).toEqual([{ username: user.username }]);
      expect((await queryDatabase<{ n: number }>(database, `SELECT count(*)::int AS n FROM "_prisma_migrations"`))[0].n).toBeGreaterThan(0);
    });

    it('refuses the session settings a direct connection sends (so Pulse sends none with ?pgbouncer=true)', async () => {
      database ??= await createTestDatabase('postgres');
      if (database.target.kind !== 'postgres') throw new Error('a PostgreSQL test database was expected');
      const direct = await openDatabase({ ...database.target, pgbouncer: false }, { statementMs: 5_000 });
      const pooled = await openDatabase(database.target, { statementMs: 5_000 });
      try {
        await expect(direct.prisma.$queryRaw`SELECT 1`).rejects.toThrow(/unsupported startup parameter/);
        expect(await pooled.ping()).toBe(true);
      } finally {
        await Promise.all([direct.close(), pooled.close()]);
      }
    });
  });
} else {
  describe.runIf(TEST_DATABASE_URL)('straight to PostgreSQL', () => {
    const cleanup = disposers();
    let database: TestDatabase;
    afterAll(async () => {
      await cleanup.run();
      await database?.drop();
    });

    it("keeps the instance's tables in its own schema (search_path set at connection start)", async () => {
      database = await createTestDatabase('postgres');
      const server = cleanup.add(await startTestServer({ database }));
      const user = await registerUser(server.url, 'direct');
      // search_path here is the test schema alone: "User" resolves nowhere else.
      expect(await queryDatabase(database, `SELECT "username" FROM "User"`)).toEqual([{ username: user.username }]);
    });
  });
}
