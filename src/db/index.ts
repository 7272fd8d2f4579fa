/**
 * Storage: Prisma Client over a driver adapter. Embedded PGlite by default, PostgreSQL through
 * `@prisma/adapter-pg` for a postgres URL. Both run the same schema, migrations and queries.
 */
import { mkdir } from 'node:fs/promises';
import { PGlite } from '@electric-sql/pglite';
import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import type { SqlMigrationAwareDriverAdapterFactory } from '@prisma/driver-adapter-utils';
import { PrismaPGlite } from 'pglite-prisma-adapter';
import type { DatabaseTarget } from '../config.js';
import { PrismaClient } from '../generated/prisma/client.js';

export { Prisma, PrismaClient } from '../generated/prisma/client.js';

/** The client inside `prisma.$transaction(async (tx) => ...)`. */
export type Tx = Parameters<Parameters<PrismaClient['$transaction']>[0]>[0] & Omit<PrismaClient, '$transaction'>;

/** PostgreSQL only (PGlite is in-process): `DB_CONNECT_TIMEOUT_MS`, `DB_STATEMENT_TIMEOUT_MS`. */
export interface DatabaseTimeouts {
  connectMs?: number;
  statementMs?: number;
  /** `DB_POOL_SIZE`: connections this instance keeps to PostgreSQL. */
  poolSize?: number;
  /** `DB_POOL_WAIT_MS`: how long a statement waits for a free pooled connection before UNAVAILABLE. */
  poolWaitMs?: number;
}

export interface Database {
  prisma: PrismaClient;
  /** The adapter factory, for the migration engine. */
  factory: SqlMigrationAwareDriverAdapterFactory;
  target: DatabaseTarget;
  /** true when the database answers a trivial query. */
  ping(): Promise<boolean>;
  /** Statements sent to the database by this client so far (tests prove work is per event, not per subscriber). */
  queries(): number;
  close(): Promise<void>;
}

/** Builds the driver adapter factory for a target (PGlite instance or PostgreSQL pool). */
export async function createAdapterFactory(
  target: DatabaseTarget,
  timeouts: DatabaseTimeouts = {},
): Promise<{ factory: SqlMigrationAwareDriverAdapterFactory; dispose(): Promise<void> }> {
  if (target.kind === 'pglite') {
    if (target.dir) await mkdir(target.dir, { recursive: true });
    const pglite = target.dir ? new PGlite(target.dir) : new PGlite();
    await pglite.waitReady;
    return { factory: new PrismaPGlite(pglite), dispose: () => pglite.close() };
  }
  const schema = target.schema;
  // Through a transaction pooler nothing may ride on the session: PgBouncer refuses startup
  // parameters (`options`, `statement_timeout`), and one server connection serves many clients in
  // turn. There the role's or database's defaults carry search_path and statement_timeout.
  const session = target.pgbouncer
    ? {}
    : {
        // Unset (npm run db:migrate): no statement bound, so a long migration may finish.
        ...(timeouts.statementMs ? { statement_timeout: timeouts.statementMs } : {}),
        ...(schema ? { options: `-c search_path="${schema}"` } : {}),
      };
  const factory = new PrismaPg(
    {
      connectionString: stripPrismaParams(target.url),
      max: timeouts.poolSize ?? 10,
      // While PostgreSQL is unreachable nothing may hang: opening a connection and each statement are
      // bounded, so operations answer UNAVAILABLE at once and the pool replaces broken connections.
      // The pool's own option bounds the wait for a free connection too, which must stay as long as
      // Prisma's maxWait (contended rows queue transactions): so the short connect bound goes on the client.
      Client: boundedClient(timeouts.connectMs ?? 3_000),
      connectionTimeoutMillis: timeouts.poolWaitMs ?? 30_000,
      // The client-side bound holds through a pooler too.
      ...(timeouts.statementMs ? { query_timeout: timeouts.statementMs } : {}),
      keepAlive: true,
      ...session,
    },
    schema ? { schema } : undefined,
  );
  return { factory, dispose: async () => {} };
}

/**
 * Where migrations run: PostgreSQL itself (`DATABASE_DIRECT_URL`) when set. The schema engine holds
 * a session-level advisory lock across its statements, which a transaction pooler would hand to
 * whichever client gets that server connection next.
 */
export function migrationTarget(target: DatabaseTarget): DatabaseTarget {
  if (target.kind !== 'postgres' || !target.directUrl) return target;
  return { kind: 'postgres', url: target.directUrl, ...(target.schema ? { schema: target.schema } : {}) };
}

/** The adapter factory to migrate `database` with: its own, or one on `DATABASE_DIRECT_URL` (dispose it after). */
export async function migrationFactory(
  database: Database,
  timeouts: DatabaseTimeouts = {},
): Promise<{ factory: SqlMigrationAwareDriverAdapterFactory; dispose(): Promise<void> }> {
  const target = migrationTarget(database.target);
  return target === database.target ? { factory: database.factory, dispose: async () => {} } : createAdapterFactory(target, timeouts);
}

/** A pg Client whose connection attempt gives up after `connectMs` (pg-pool passes its own options to clients). */
function boundedClient(connectMs: number): typeof pg.Client {
  return class BoundedClient extends pg.Client {
    constructor(config?: string | pg.ClientConfig) {
      super({ ...(typeof config === 'string' ? { connectionString: config } : config), connectionTimeoutMillis: connectMs });
    }
  };
}

/** `?schema=` and `?pgbouncer=` are Prisma's URL conventions; node-postgres does not understand them. */
function stripPrismaParams(url: string): string {
  const parsed = new URL(url);
  parsed.searchParams.delete('schema');
  parsed.searchParams.delete('pgbouncer');
  return parsed.toString();
}

/** Opens the database (without migrating it: see `migrate.ts`). */
export async function openDatabase(target: DatabaseTarget, timeouts: DatabaseTimeouts = {}): Promise<Database> {
  const { factory, dispose } = await createAdapterFactory(target, timeouts);
  const counter = { queries: 0 };
  const prisma = new PrismaClient({
    adapter: countingStatements(factory, counter),
    // Contended rows (one event's seats, one topic's sequence) queue transactions behind a row lock:
    // let them wait rather than fail.
    transactionOptions: { maxWait: 30_000, timeout: 30_000 },
  });
  return {
    prisma,
    factory,
    target,
    queries: () => counter.queries,
    async ping() {
      try {
        await prisma.$queryRaw`SELECT 1`;
        return true;
      } catch {
        return false;
      }
    },
    async close() {
      await prisma.$disconnect();
      await dispose();
    },
  };
}

type Counter = { queries: number };

/** The adapter factory, counting every statement its connections and transactions run. */
function countingStatements(factory: SqlMigrationAwareDriverAdapterFactory, counter: Counter): SqlMigrationAwareDriverAdapterFactory {
  const counted = <T extends object>(target: T, wrap: Record<string, (original: (...args: unknown[]) => unknown) => unknown>): T =>
    new Proxy(target, {
      get(object, property) {
        const value = Reflect.get(object, property, object);
        if (typeof value !== 'function') return value;
        const bound = value.bind(object);
        return typeof property === 'string' && wrap[property] ? wrap[property](bound) : bound;
      },
    });
  const statements =
    (original: (...args: unknown[]) => unknown) =>
    (...args: unknown[]) => {
      counter.queries++;
      return original(...args);
    };
  const queryable = <T extends object>(target: T): T =>
    counted(target, {
      queryRaw: statements,
      executeRaw: statements,
      startTransaction:
        (original) =>
        async (...args: unknown[]) =>
          queryable((await original(...args)) as object),
    });
  return counted(factory, {
    connect:
      (original) =>
      async (...args: unknown[]) =>
        queryable((await original(...args)) as object),
  });
}
