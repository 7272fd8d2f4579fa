import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { defineConfig, type TestProjectInlineConfiguration } from 'vitest/config';

const require = createRequire(import.meta.url);

/**
 * The suites that start several instances: with a Redis Cluster configured (TEST_REDIS_CLUSTER_NODES)
 * they run a second time with the cluster as the bus (sharded pub/sub), beside `test/redis-cluster/`,
 * which only makes sense there. In that run the per-database-kind suites of these files add nothing
 * (test/support/database.ts: DATABASE_KINDS is empty).
 */
const MULTI_INSTANCE = [
  'test/bookings/concurrency.test.ts',
  'test/bookings/group-commit.test.ts',
  'test/chat/cluster.test.ts',
  'test/chat/typing.test.ts',
  'test/foundation/streams.test.ts',
  'test/matches/cluster.test.ts',
  'test/matches/filters.test.ts',
  'test/matchmaking/cluster.test.ts',
  'test/matchmaking/game-state.test.ts',
  'test/operations/operations.test.ts',
  'test/operations/operations-stats.test.ts',
  'test/operations/tracing.test.ts',
  'test/presence/cluster.test.ts',
  'test/security/findings-auth.test.ts',
  'test/social/concurrency.test.ts',
];

/**
 * The suites that reach PostgreSQL (they name TEST_DATABASE_URL, DATABASE_KINDS or a cluster), run
 * again with every instance connecting through PgBouncer in transaction mode (TEST_PGBOUNCER_URL,
 * scripts/pgbouncer.sh); their PGlite variants are not repeated. Left out: migrate.test.ts
 * (migrations always go straight to PostgreSQL) and cluster-script.test.ts (scripts/cluster.sh
 * starts its own processes against the database it is given), and soak.test.ts (its own instances on
 * fixed ports, straight to PostgreSQL: once is enough).
 */
function pgbouncerProject(): TestProjectInlineConfiguration[] {
  if (!process.env.TEST_PGBOUNCER_URL) return [];
  const reachesPostgres = /\b(TEST_DATABASE_URL|DATABASE_KINDS|startCluster|useTestCluster)\b/;
  const include = readdirSync('test', { recursive: true, encoding: 'utf8' })
    .map((file) => `test/${file}`)
    .filter(
      (file) =>
        file.endsWith('.test.ts') && !/\/(migrate|cluster-script|soak)\.test\.ts$/.test(file) && !file.startsWith('test/redis-cluster/'),
    )
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
    reporters: process.env.CI ? ['default', ['json', { outputFile: 'test/artifacts/vitest.json' }]] : ['default'],
    // Each project lists its files (an inherited `include` would add to a project's own).
    projects: [
      { extends: true, test: { name: 'main', include: ['test/**/*.test.ts'], exclude: ['test/redis-cluster/**'] } },
      ...pgbouncerProject(),
      ...(process.env.TEST_REDIS_CLUSTER_NODES
        ? [
            {
              extends: true as const,
              test: {
                name: 'redis-cluster',
                include: [...MULTI_INSTANCE, 'test/redis-cluster/**/*.test.ts'],
                env: { TEST_BUS: 'redis-cluster' },
              },
            },
          ]
        : []),
    ],
  },
});
