// Prisma migrations without the native schema engine: Prisma's own engine compiled to WASM
// (@prisma/schema-engine-wasm), talking to the database through a driver adapter.
// Why the WASM engine: `prisma migrate` would download a native engine, which offline machines cannot (README, "Database migrations").
//
// - applyMigrations: what `prisma migrate deploy` does (same `_prisma_migrations` table).
// - createMigrationSql: what `prisma migrate dev --create-only` would write, computed with `diff`
//   from the migrations folder (replayed on a throwaway in-memory PGlite) to the schema.
// The engine itself: db/schema-engine.ts; its connections: db/migration-adapters.ts; the files: db/migration-files.ts.
import { readFile } from 'node:fs/promises';
import path from 'node:path';

import { PGlite } from '@electric-sql/pglite';
import type { SqlMigrationAwareDriverAdapterFactory } from '@prisma/driver-adapter-utils';
import { PrismaPGlite } from 'pglite-prisma-adapter';

import { trackAdapters } from './migration-adapters.js';
import { DEFAULT_SCHEMA_PATH, MIGRATION_LOCK_TOML, readMigrationsList } from './migration-files.js';
import { withEngine } from './schema-engine.js';

/** A Prisma SQL driver adapter factory: `new PrismaPGlite(pglite)` or `new PrismaPg(config, { schema })`. */
export type MigrationAdapterFactory = SqlMigrationAwareDriverAdapterFactory;

export interface ApplyMigrationsOptions {
  /** Folder holding `<name>/migration.sql` (default: prisma/migrations of this project). */
  migrationsDir?: string;
  /** Receives the engine's log lines (default: discarded). */
  log?: (msg: string) => void;
}

export interface CreateMigrationSqlOptions {
  /** Folder holding `<name>/migration.sql` (default: prisma/migrations of this project). */
  migrationsDir?: string;
  /** The Prisma schema to migrate to (default: prisma/schema.prisma of this project). */
  schemaPath?: string;
}

const NO_FILTERS = { externalTables: [] as string[], externalEnums: [] as string[] };

/**
 * Applies the pending migrations of the migrations folder, in order, and records them in
 * `_prisma_migrations` exactly as `prisma migrate deploy` does. Returns the names of the
 * migrations applied by this call (empty when the database is up to date).
 *
 * `factory` is not closed: a PGlite passed in stays open. Connections the engine opened through
 * it are disposed before this returns (for `new PrismaPg(config)` that ends its pool).
 */
export async function applyMigrations(factory: MigrationAdapterFactory, options: ApplyMigrationsOptions = {}): Promise<string[]> {
  const migrationsList = await readMigrationsList(options.migrationsDir);
  const tracked = trackAdapters(factory);
  const result = await withEngine(tracked, options.log, (engine) => engine.applyMigrations({ migrationsList, filters: NO_FILTERS }));
  return result.appliedMigrationNames;
}

/**
 * The SQL that takes the database produced by the migrations folder to the Prisma schema, or
 * null when they already match: what `prisma migrate dev --create-only` would write. Needs no
 * database: the migrations are replayed on a throwaway in-memory PGlite (the shadow database).
 */
export async function createMigrationSql(options: CreateMigrationSqlOptions = {}): Promise<string | null> {
  const schemaPath = path.resolve(options.schemaPath ?? DEFAULT_SCHEMA_PATH);
  const [schema, migrationsList] = await Promise.all([readFile(schemaPath, 'utf8'), readMigrationsList(options.migrationsDir)]);

  // The engine connects to its "main" database as well as to the shadow database, although
  // `diff` only uses the shadow one; both get the same throwaway in-memory PGlite (one start of
  // ~2-4 s instead of two), closed at the end: disposing a PGlite adapter does not close it.
  let throwaway: Promise<PGlite> | undefined;
  const connectThrowaway = async () => {
    throwaway ??= PGlite.create();
    return new PrismaPGlite(await throwaway).connect();
  };
  const main: SqlMigrationAwareDriverAdapterFactory = {
    provider: 'postgres',
    adapterName: 'pglite-prisma-adapter',
    connect: connectThrowaway,
    connectToShadowDb: connectThrowaway,
  };
  const tracked = trackAdapters(main);

  try {
    const result = await withEngine(tracked, undefined, (engine) =>
      engine.diff({
        // Even with no migrations yet, replay the (empty) folder on a shadow database rather than
        // diffing from `{ tag: 'empty' }`: from "empty" the engine also emits
        // `CREATE SCHEMA IF NOT EXISTS "public"`, which `prisma migrate dev` would not write and
        // which needs CREATE privilege on the database. A folder without a lock file yet is
        // treated as PostgreSQL (the engine needs the lock file to pick the connector).
        from: {
          tag: 'migrations',
          ...migrationsList,
          lockfile: { ...migrationsList.lockfile, content: migrationsList.lockfile.content ?? MIGRATION_LOCK_TOML },
        },
        to: { tag: 'schemaDatamodel', files: [{ path: schemaPath, content: schema }] },
        script: true,
        exitCode: true,
        filters: NO_FILTERS,
      }),
    );
    // With exitCode requested the engine answers 2 when there is a difference, 0 when there is none.
    if (result.exitCode !== 2 || !result.stdout?.trim()) return null;
    return result.stdout.endsWith('\n') ? result.stdout : `${result.stdout}\n`;
  } finally {
    if (throwaway) await throwaway.then((p) => p.close()).catch(() => undefined);
  }
}
