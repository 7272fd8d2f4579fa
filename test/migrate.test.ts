import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { PGlite } from '@electric-sql/pglite';
import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { PrismaPGlite } from 'pglite-prisma-adapter';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { applyMigrations, createMigrationSql } from '../src/db/migrate.js';
import { DEFAULT_MIGRATIONS_DIR, DEFAULT_SCHEMA_PATH } from '../src/db/migration-files.js';

const schemaText = await readFile(DEFAULT_SCHEMA_PATH, 'utf8');
const models = [...schemaText.matchAll(/^model\s+(\w+)/gm)].map((m) => m[1]!);
const migrationNames = (await readdir(DEFAULT_MIGRATIONS_DIR, { withFileTypes: true }))
  .filter((e) => e.isDirectory())
  .map((e) => e.name)
  .sort();

describe('migrations folder', () => {
  it('has migrations and a PostgreSQL lock file', async () => {
    expect(migrationNames.length).toBeGreaterThan(0);
    expect(await readFile(path.join(DEFAULT_MIGRATIONS_DIR, 'migration_lock.toml'), 'utf8')).toMatch(/provider = "postgresql"/);
  });

  it('matches prisma/schema.prisma (else: npm run db:migration -- <name>)', async () => {
    expect(await createMigrationSql()).toBeNull();
  }, 60_000);

  it('creates every model from scratch', async () => {
    const empty = await mkdtemp(path.join(tmpdir(), 'pulse-migrations-'));
    try {
      const sql = await createMigrationSql({ migrationsDir: empty });
      expect(sql).not.toBeNull();
      for (const model of models) expect(sql).toContain(`CREATE TABLE "${model}"`);
      expect(sql).not.toMatch(/CREATE SCHEMA/);
    } finally {
      await rm(empty, { recursive: true, force: true });
    }
  }, 60_000);
});

describe('applyMigrations on in-memory PGlite', () => {
  let pglite: PGlite;

  beforeAll(async () => {
    pglite = await PGlite.create();
  }, 60_000);

  afterAll(async () => {
    await pglite?.close();
  });

  it('applies every migration, then nothing, and leaves the PGlite open', async () => {
    expect(await applyMigrations(new PrismaPGlite(pglite))).toEqual(migrationNames);

    const { rows: tables } = await pglite.query<{ table_name: string }>(
      `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'`,
    );
    const names = tables.map((t) => t.table_name);
    for (const model of models) expect(names).toContain(model);
    expect(names).toContain('_prisma_migrations');

    const { rows: applied } = await pglite.query<{ migration_name: string }>(
      `SELECT migration_name FROM _prisma_migrations WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL ORDER BY migration_name`,
    );
    expect(applied.map((r) => r.migration_name)).toEqual(migrationNames);

    expect(await applyMigrations(new PrismaPGlite(pglite))).toEqual([]);
    const { rows } = await pglite.query<{ n: number }>(`SELECT count(*)::int AS n FROM _prisma_migrations`);
    expect(rows[0]!.n).toBe(migrationNames.length);
  }, 60_000);
});

const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL;

describe.runIf(!!TEST_DATABASE_URL)('applyMigrations on PostgreSQL, in a schema of its own', () => {
  const url = TEST_DATABASE_URL!;
  const admin = new pg.Client({ connectionString: url });
  const created: string[] = [];

  const newSchema = async () => {
    const schema = `test_migrate_${randomBytes(6).toString('hex')}`;
    await admin.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
    created.push(schema);
    return schema;
  };
  const factoryFor = (schema: string) => new PrismaPg({ connectionString: url, options: `-c search_path="${schema}"` }, { schema });
  const tablesIn = async (schema: string) =>
    (
      await admin.query<{ table_name: string }>(`SELECT table_name FROM information_schema.tables WHERE table_schema = $1`, [schema])
    ).rows.map((r) => r.table_name);

  beforeAll(async () => {
    await admin.connect();
  });

  afterAll(async () => {
    for (const schema of created) await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await admin.end();
  });

  it('applies every migration into the schema, then nothing', async () => {
    const schema = await newSchema();
    expect(await applyMigrations(factoryFor(schema))).toEqual(migrationNames);

    const tables = await tablesIn(schema);
    for (const model of models) expect(tables).toContain(model);
    expect(tables).toContain('_prisma_migrations');
    const { rows } = await admin.query<{ migration_name: string }>(
      `SELECT migration_name FROM "${schema}"._prisma_migrations WHERE finished_at IS NOT NULL ORDER BY migration_name`,
    );
    expect(rows.map((r) => r.migration_name)).toEqual(migrationNames);

    expect(await applyMigrations(factoryFor(schema))).toEqual([]);
  }, 60_000);

  it('migrates two schemas of one database independently', async () => {
    const [a, b] = [await newSchema(), await newSchema()];
    expect(await applyMigrations(factoryFor(a))).toEqual(migrationNames);
    expect(await tablesIn(b)).toEqual([]);
    const [resA, resB] = await Promise.all([applyMigrations(factoryFor(a)), applyMigrations(factoryFor(b))]);
    expect(resA).toEqual([]);
    expect(resB).toEqual(migrationNames);
    for (const schema of [a, b]) expect(await tablesIn(schema)).toContain('_prisma_migrations');
  }, 60_000);

  it('closes the connections it opened (they would hold the migration advisory lock)', async () => {
    const schema = await newSchema();
    const application_name = `pulse_${schema}`;
    const factory = new PrismaPg({ connectionString: url, options: `-c search_path="${schema}"`, application_name }, { schema });
    expect(await applyMigrations(factory)).toEqual(migrationNames);
    // A closed connection's backend leaves pg_stat_activity a moment later; an idle pool would
    // keep it (and the lock) for its 10 s idle timeout.
    const deadline = Date.now() + 3_000;
    let open = -1;
    while (open !== 0 && Date.now() < deadline) {
      if (open > 0) await new Promise((resolve) => setTimeout(resolve, 50));
      const { rows } = await admin.query<{ n: number }>(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1`, [
        application_name,
      ]);
      open = rows[0]!.n;
    }
    expect(open).toBe(0);
  }, 60_000);
});
