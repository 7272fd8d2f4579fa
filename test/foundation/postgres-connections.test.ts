/**
 * How an instance reaches PostgreSQL: straight, with its schema in search_path; or (the pgbouncer
 * project) through PgBouncer in transaction mode, with no session settings, and migrations straight
 * to PostgreSQL (DATABASE_DIRECT_URL).
 */
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/index.js';
import { isDatabaseUnavailable } from '../../src/db/unavailable.js';
import { registerUser } from '../support/client.js';
import { createTestDatabase, queryDatabase, TEST_DATABASE_URL, TEST_PGBOUNCER_URL, type TestDatabase } from '../support/database.js';
import { startTestServer } from '../support/server.js';
import { disposers } from '../support/setup.js';
import { waitUntil } from '../support/wait.js';

/** One command on PgBouncer's admin console (simple protocol only). */
async function pgbouncerAdmin(command: string): Promise<Record<string, string>[]> {
  const admin = new URL(TEST_PGBOUNCER_URL!);
  admin.pathname = '/pgbouncer';
  const client = new pg.Client({ connectionString: admin.toString() });
  await client.connect();
  try {
    return (await client.query(command)).rows;
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

      const pool = (await pgbouncerAdmin('SHOW POOLS')).find((row) => row.database === database.name);
      expect(pool?.pool_mode).toBe('transaction');
      const stats = (await pgbouncerAdmin('SHOW STATS')).find((row) => row.database === database.name);
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

    it("reports PgBouncer's own errors (its SQLSTATE 08P01) as the database being unavailable", async () => {
      const own = await createTestDatabase('postgres');
      const pooled = await openDatabase(own.target, { statementMs: 10_000 });
      try {
        const sleeping = pooled.prisma.$queryRaw`SELECT pg_sleep(5)`.catch((error: unknown) => error);
        const running = async () =>
          (await pgbouncerAdmin('SHOW POOLS')).some((row) => row.database === own.name && Number(row.sv_active) > 0);
        await waitUntil(running, 'the statement to run');
        // Drops every client and server connection of that database: the sleeping statement gets "database removed".
        await pgbouncerAdmin(`KILL ${own.name}`);
        await pgbouncerAdmin(`RESUME ${own.name}`);
        const error = await sleeping;
        expect(error).toBeInstanceOf(Error);
        expect(isDatabaseUnavailable(error)).toBe(true);
      } finally {
        await pooled.close().catch(() => undefined);
        await own.drop();
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
