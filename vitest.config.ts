import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { defineConfig, type TestProjectInlineConfiguration } from 'vitest/config';

const require = createRequire(import.meta.url);

/**
 * The suites that reach PostgreSQL (they name TEST_DATABASE_URL, DATABASE_KINDS or a cluster), run
 * again with every instance connecting through PgBouncer in transaction mode (TEST_PGBOUNCER_URL,
 * scripts/pgbouncer.sh); their PGlite variants are not repeated. Left out: migrate.test.ts
 * (migrations always go straight to PostgreSQL) and cluster-script.test.ts (scripts/cluster.sh
 * starts its own processes against the database it is given).
 */
function pgbouncerProject(): TestProjectInlineConfiguration[] {
  if (!process.env.TEST_PGBOUNCER_URL) return [];
  const reachesPostgres = /\b(TEST_DATABASE_URL|DATABASE_KINDS|startCluster|useTestCluster)\b/;
  const include = readdirSync('test', { recursive: true, encoding: 'utf8' })
    .map((file) => `test/${file}`)
    .filter((file) => file.endsWith('.test.ts') && !/\/(migrate|cluster-script)\.test\.ts$/.test(file))
    .filter((file) => reachesPostgres.test(readFileSync(file, 'utf8')));
  return [
    { extends: true, test: { name: 'pgbouncer', include, env: { TEST_THROUGH_PGBOUNCER: 'true', TEST_DATABASE_KINDS: 'postgres' } } },
  ];
}

export default defineConfig({
  resolve: {
    // graphql 16 ships CJS (main) and ESM (module) builds. Node loads the CJS one for Yoga, Pothos and
    // graphql-ws; make Vite resolve our own imports to the same copy, or `instanceof GraphQLError`
    // fails across the two and expected errors get masked.
    alias: [{ find: /^graphql$/, replacement: require.resolve('graphql') }],
  },
  test: {
    // Each file starts its own servers and databases; PGlite is CPU-heavy to start, so keep
    // parallelism at the machine's size.
    fileParallelism: true,
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 120_000,
    teardownTimeout: 30_000,
    // Each project lists its files (an inherited `include` would add to a project's own).
    projects: [{ extends: true, test: { name: 'default', include: ['test/**/*.test.ts'] } }, ...pgbouncerProject()],
    reporters: process.env.CI ? ['default', ['json', { outputFile: 'test/artifacts/vitest.json' }]] : ['default'],
  },
});
