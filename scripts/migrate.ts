// `npm run db:migrate`: applies prisma/migrations to the database named by DATABASE_URL
// (unset: embedded PGlite in PGLITE_DIR or .data/pglite; `memory:`: in-memory PGlite;
// postgres:// or postgresql://: PostgreSQL, `?schema=` selects a schema; DATABASE_DIRECT_URL, when
// set, is used instead: PostgreSQL itself rather than a pooler). Records them in
// `_prisma_migrations`, like `prisma migrate deploy`.
import { loadConfig, type DatabaseTarget } from '../src/config.js';
import { createAdapterFactory, migrationTarget } from '../src/db/index.js';
import { applyMigrations } from '../src/db/migrate.js';

function describe(target: DatabaseTarget): string {
  if (target.kind === 'pglite') return target.dir ? `embedded PGlite at ${target.dir}` : 'in-memory PGlite';
  const url = new URL(target.url);
  if (url.password) url.password = '***';
  return `PostgreSQL ${url.toString()}${target.schema ? ` (schema ${target.schema})` : ''}`;
}

async function main(): Promise<void> {
  const target = migrationTarget(loadConfig(process.env).database);
  console.log(`migrating ${describe(target)}`);
  const started = Date.now();
  const { factory, dispose } = await createAdapterFactory(target);
  try {
    const applied = await applyMigrations(factory, {
      log: process.env.DEBUG_MIGRATE ? (msg) => console.log(`  ${msg}`) : undefined,
    });
    const took = `${Date.now() - started} ms`;
    if (applied.length === 0) console.log(`no pending migrations (${took})`);
    else console.log(`applied ${applied.length} migration(s) in ${took}:\n${applied.map((n) => `  ${n}`).join('\n')}`);
  } finally {
    await dispose();
  }
}

// The engine and PGlite leave timers behind: exit explicitly.
main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error('migration failed:', error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
