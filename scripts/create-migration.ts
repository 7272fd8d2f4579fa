// `npm run db:migration -- <name>`: writes prisma/migrations/<YYYYMMDDHHMMSS>_<name>/migration.sql
// with the SQL that takes the existing migrations to prisma/schema.prisma (no database needed).
import { access, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';

import { createMigrationSql } from '../src/db/migrate.js';
import { DEFAULT_MIGRATIONS_DIR, MIGRATION_LOCK_TOML } from '../src/db/migration-files.js';

/** Same rules as Prisma's CLI: lower-case, non-alphanumerics to `_`, at most 200 characters. */
function slug(name: string): string {
  return name
    .trim()
    .toLowerCase()
    .replace(/[^a-z0-9_]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .slice(0, 200);
}

/** UTC `YYYYMMDDHHMMSS`, like `prisma migrate dev`. */
function timestamp(date = new Date()): string {
  return date.toISOString().replace(/[-:T]/g, '').slice(0, 14);
}

async function exists(file: string): Promise<boolean> {
  return access(file).then(
    () => true,
    () => false,
  );
}

async function main(): Promise<number> {
  const name = slug(process.argv.slice(2).join(' '));
  if (!name) {
    console.error('usage: npm run db:migration -- <name>');
    return 2;
  }
  const migrationsDir = DEFAULT_MIGRATIONS_DIR;
  const sql = await createMigrationSql({ migrationsDir });
  if (sql === null) {
    console.log('no changes: prisma/schema.prisma matches prisma/migrations');
    return 0;
  }
  const dirName = `${timestamp()}_${name}`;
  const dir = path.join(migrationsDir, dirName);
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, 'migration.sql'), sql);
  const lockfile = path.join(migrationsDir, 'migration_lock.toml');
  if (!(await exists(lockfile))) await writeFile(lockfile, MIGRATION_LOCK_TOML);
  console.log(`wrote ${path.relative(process.cwd(), path.join(dir, 'migration.sql'))}`);
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
