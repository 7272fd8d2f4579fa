/**
 * Test databases: an in-memory PGlite by default; a fresh PostgreSQL schema (dropped afterwards)
 * in `TEST_DATABASE_URL` for the PostgreSQL runs. Two instances of one multi-instance test share one.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { DatabaseTarget } from '../../src/config.js';

export type DatabaseKind = 'pglite' | 'postgres';

export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL || null;
export const TEST_REDIS_URL = process.env.TEST_REDIS_URL || null;
/** Seed nodes of a Redis Cluster (scripts/redis-cluster.sh), for the suites run with `TEST_BUS=redis-cluster`. */
export const TEST_REDIS_CLUSTER_NODES = process.env.TEST_REDIS_CLUSTER_NODES || null;
/**
 * Which Redis the multi-instance suites use: one node (`redis`, TEST_REDIS_URL) or a Redis Cluster
 * (`redis-cluster`, TEST_REDIS_CLUSTER_NODES: sharded pub/sub). vitest.config.ts runs those suites
 * once more with `TEST_BUS=redis-cluster` when the cluster is configured.
 */
export const TEST_BUS: 'redis' | 'redis-cluster' = process.env.TEST_BUS === 'redis-cluster' ? 'redis-cluster' : 'redis';
if (TEST_BUS === 'redis-cluster' && !TEST_REDIS_CLUSTER_NODES) throw new Error('TEST_BUS=redis-cluster needs TEST_REDIS_CLUSTER_NODES');

/** The environment that points a child-process instance at this run's Redis (a node or the cluster). */
export function redisEnv(): { REDIS_URL: string } | { REDIS_CLUSTER_NODES: string } {
  return TEST_BUS === 'redis-cluster' ? { REDIS_CLUSTER_NODES: TEST_REDIS_CLUSTER_NODES! } : { REDIS_URL: TEST_REDIS_URL! };
}

/**
 * The database kinds this run covers: PGlite always, PostgreSQL when TEST_DATABASE_URL is set; none in
 * the Redis Cluster run, which repeats only the multi-instance suites.
 */
export const DATABASE_KINDS: DatabaseKind[] = TEST_BUS === 'redis-cluster' ? [] : TEST_DATABASE_URL ? ['pglite', 'postgres'] : ['pglite'];

export interface TestDatabase {
  target: DatabaseTarget;
  /** A name unique to this database, also used to namespace Redis channels. */
  name: string;
  drop(): Promise<void>;
}

export async function createTestDatabase(kind: DatabaseKind): Promise<TestDatabase> {
  const name = `t_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
  if (kind === 'pglite') return { target: { kind: 'pglite', dir: null }, name, drop: async () => {} };
  if (!TEST_DATABASE_URL) throw new Error('TEST_DATABASE_URL is not set');
  const admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await admin.connect();
  await admin.query(`CREATE SCHEMA "${name}"`);
  await admin.end();
  return {
    target: { kind: 'postgres', url: TEST_DATABASE_URL, schema: name },
    name,
    async drop() {
      const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
      await client.connect();
      await client.query(`DROP SCHEMA IF EXISTS "${name}" CASCADE`);
      await client.end();
    },
  };
}
