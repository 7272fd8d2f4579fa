/**
 * Test databases: an in-memory PGlite by default; for the PostgreSQL runs (`TEST_DATABASE_URL`) a
 * fresh schema, or, through PgBouncer, a fresh database (dropped afterwards). Two instances of one
 * multi-instance test share one.
 *
 * Through PgBouncer (the `pgbouncer` vitest project: TEST_THROUGH_PGBOUNCER=true, PgBouncer at
 * TEST_PGBOUNCER_URL in transaction mode) a schema per test file cannot work: its search_path went
 * in a startup parameter, which PgBouncer refuses and could not keep per client. A database per test
 * file needs no session state at all (the `public` schema of its own database), reaches PgBouncer
 * through its `*` entry, and is what a deployment behind PgBouncer looks like.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { describe } from 'vitest';
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

/** PgBouncer's address (postgres://user@host:port) when this run reaches PostgreSQL through it. */
export const TEST_PGBOUNCER_URL = process.env.TEST_THROUGH_PGBOUNCER === 'true' ? requiredPgBouncerUrl() : null;

/**
 * The database kinds this run covers: PGlite always, PostgreSQL when TEST_DATABASE_URL is set;
 * `TEST_DATABASE_KINDS=postgres` (the pgbouncer project) leaves out the PGlite variants, and the Redis
 * Cluster run, which repeats only the multi-instance suites, covers none.
 */
export const DATABASE_KINDS: DatabaseKind[] =
  TEST_BUS === 'redis-cluster'
    ? []
    : (TEST_DATABASE_URL ? (['pglite', 'postgres'] as const) : (['pglite'] as const)).filter(
        (kind) => !process.env.TEST_DATABASE_KINDS || process.env.TEST_DATABASE_KINDS.split(',').includes(kind),
      );

/**
 * `describe` for a block that runs on PGlite only, in a file that also has PostgreSQL suites: left
 * out altogether (not skipped: in CI nothing may skip) when this run leaves PGlite out.
 */
export function describeOnPGlite(name: string, body: () => void): void {
  if (DATABASE_KINDS.includes('pglite')) describe(name, body);
}

export interface TestDatabase {
  target: DatabaseTarget;
  /** A name unique to this database, also used to namespace Redis channels. */
  name: string;
  drop(): Promise<void>;
}

function requiredPgBouncerUrl(): string {
  if (!process.env.TEST_PGBOUNCER_URL || !process.env.TEST_DATABASE_URL) {
    throw new Error('TEST_THROUGH_PGBOUNCER needs TEST_PGBOUNCER_URL (scripts/pgbouncer.sh start) and TEST_DATABASE_URL');
  }
  return process.env.TEST_PGBOUNCER_URL;
}

/** Runs statements on one client connected to `url` (a direct PostgreSQL URL; `schema`: its search_path). */
async function withClient<T>(url: string, run: (client: pg.Client) => Promise<T>, schema?: string): Promise<T> {
  const client = new pg.Client({ connectionString: url, ...(schema ? { options: `-c search_path="${schema}"` } : {}) });
  await client.connect();
  try {
    return await run(client);
  } finally {
    await client.end();
  }
}

/** `base` (postgres://user@host:port[/db]) naming database `name`, with the given query parameters. */
function databaseUrl(base: string, name: string, params: Record<string, string> = {}): string {
  const url = new URL(base);
  url.pathname = `/${name}`;
  for (const [key, value] of Object.entries(params)) url.searchParams.set(key, value);
  return url.toString();
}

export async function createTestDatabase(kind: DatabaseKind): Promise<TestDatabase> {
  const name = `t_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
  if (kind === 'pglite') {
    return { target: { kind: 'pglite', dir: null }, name, drop: async () => {} };
  }
  if (!TEST_DATABASE_URL) throw new Error('TEST_DATABASE_URL is not set');
  const admin = TEST_DATABASE_URL;
  if (TEST_PGBOUNCER_URL) {
    await withClient(admin, (c) => c.query(`CREATE DATABASE "${name}"`));
    return {
      target: {
        kind: 'postgres',
        url: databaseUrl(TEST_PGBOUNCER_URL, name, { pgbouncer: 'true' }),
        pgbouncer: true,
        directUrl: databaseUrl(admin, name),
      },
      name,
      // FORCE: PgBouncer keeps idle server connections to it.
      drop: () => withClient(admin, (c) => c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)).then(() => undefined),
    };
  }
  await withClient(admin, (c) => c.query(`CREATE SCHEMA "${name}"`));
  return {
    target: { kind: 'postgres', url: admin, schema: name },
    name,
    drop: () => withClient(admin, (c) => c.query(`DROP SCHEMA IF EXISTS "${name}" CASCADE`)).then(() => undefined),
  };
}

/** DATABASE_URL (and DATABASE_DIRECT_URL) for an instance of this PostgreSQL test database in a child process. */
export function databaseEnv(database: TestDatabase): Record<string, string> {
  const { target } = database;
  if (target.kind !== 'postgres') throw new Error('an in-memory PGlite is only reachable through its instance');
  if (target.directUrl) return { DATABASE_URL: target.url, DATABASE_DIRECT_URL: target.directUrl };
  const url = new URL(target.url);
  if (target.schema) url.searchParams.set('schema', target.schema);
  return { DATABASE_URL: url.toString() };
}

/** Runs one statement straight on PostgreSQL in this test database (its schema or its own database), for assertions on stored rows. */
export async function queryDatabase<T extends pg.QueryResultRow>(database: TestDatabase, sql: string): Promise<T[]> {
  const { target } = database;
  if (target.kind !== 'postgres') throw new Error('an in-memory PGlite is only reachable through its instance');
  return (await withClient(target.directUrl ?? target.url, (c) => c.query<T>(sql), target.schema)).rows;
}
