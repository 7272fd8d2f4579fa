// The connections the schema engine opens: tracked, unlocked and disposed after each operation (and PGlite's executeScript fixed).
//
// `engine.free()` does not dispose the adapters the engine connected. For adapter-pg that leaves
// a pool open, on a connection that holds Prisma's migration advisory lock (until the pool's
// idle timeout, ~10 s), and keeps the process alive. So every adapter handed to the engine is
// tracked and disposed afterwards. Disposing a PGlite adapter does not close the PGlite (the
// caller's instance stays usable); disposing an adapter-pg adapter ends the pool it created
// (but not a pg.Pool the caller passed in).
import type { SqlDriverAdapter, SqlMigrationAwareDriverAdapterFactory } from '@prisma/driver-adapter-utils';

/** The key of the session-level advisory lock Prisma's schema engine takes on PostgreSQL. */
const PRISMA_MIGRATE_LOCK_KEY = 72707369;

export interface TrackedFactory {
  factory: SqlMigrationAwareDriverAdapterFactory;
  /** `succeeded`: the operation worked, so the connections are healthy enough to unlock on. */
  disposeAll(succeeded: boolean): Promise<void>;
}

export function trackAdapters(inner: SqlMigrationAwareDriverAdapterFactory): TrackedFactory {
  const opened: SqlDriverAdapter[] = [];
  const track = async (connect: () => Promise<SqlDriverAdapter>) => {
    const adapter = fixPGliteExecuteScript(await connect());
    opened.push(adapter);
    return adapter;
  };
  const factory: SqlMigrationAwareDriverAdapterFactory = {
    provider: inner.provider,
    adapterName: inner.adapterName,
    connect: () => track(() => inner.connect()),
    connectToShadowDb: () => track(() => inner.connectToShadowDb()),
  };
  return {
    factory,
    async disposeAll(succeeded) {
      const adapters = opened.splice(0);
      // The engine takes Prisma's session-level advisory lock and never releases it; it goes away
      // with the connection, which for a PGlite (one session, kept open) or a pg.Pool passed in by
      // the caller may live on. Release it where it can be released; the result does not matter.
      // (Not after a failure: the database may be unreachable, and pg has no connect timeout.)
      if (succeeded) {
        await Promise.allSettled(
          adapters.map((a) => a.queryRaw({ sql: `SELECT pg_advisory_unlock(${PRISMA_MIGRATE_LOCK_KEY})`, args: [], argTypes: [] })),
        );
      }
      const results = await Promise.allSettled(adapters.map((a) => a.dispose()));
      const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed) throw failed.reason;
    },
  };
}

/**
 * pglite-prisma-adapter 0.7.2's `executeScript` (what the engine runs a migration.sql with) does
 * not await `PGlite.exec`: a failing migration would be recorded as applied and its error would
 * surface as an unhandled rejection. Replace it, on adapters we hand to the engine, with one that
 * waits and reports the error the way the adapter's other methods do.
 */
function fixPGliteExecuteScript(adapter: SqlDriverAdapter): SqlDriverAdapter {
  const pgliteAdapter = adapter as SqlDriverAdapter & {
    client?: { exec?: (sql: string) => Promise<unknown> };
    onError?: (error: unknown) => never;
  };
  const client = pgliteAdapter.client;
  if (adapter.adapterName !== 'pglite-prisma-adapter' || typeof client?.exec !== 'function') return adapter;
  pgliteAdapter.executeScript = async (script: string) => {
    try {
      await client.exec!(script);
    } catch (error) {
      if (pgliteAdapter.onError) pgliteAdapter.onError(error);
      throw error;
    }
  };
  return adapter;
}
