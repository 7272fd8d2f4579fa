/**
 * The one place that decides whether an error means "the database is unreachable" (as opposed to a
 * bug or a caller's mistake): such errors are answered `UNAVAILABLE` with `retryAfterMs`, at once,
 * instead of being masked as unexpected. Covers what Prisma, its pg driver adapter and node-postgres
 * raise for a refused, reset, timed-out or terminated connection, and PostgreSQL's own
 * "shutting down / cannot connect now" codes. A saturated database is unavailable too: node-postgres
 * raises a plain `Error('timeout expired')` when opening a connection outlasts its connect bound (a
 * busy box), pg-pool `Error('timeout exceeded when trying to connect')` when no pooled connection
 * frees up in time (measured with Prisma 7 + @prisma/adapter-pg: neither is wrapped or coded), and
 * PostgreSQL answers 53300 when it has no connection slot left; and what PgBouncer sends when it cannot serve.
 */

/** How long a client should wait before retrying an operation that met an unreachable database. */
export const UNAVAILABLE_RETRY_AFTER_MS = 1_000;

/** Prisma: can't reach server (P1001), timeout (P1002, P1008), connection closed (P1017), pool timeout (P2024). */
const PRISMA_CODES = new Set(['P1001', 'P1002', 'P1008', 'P1017', 'P2024']);
/** Driver adapter error kinds (`@prisma/driver-adapter-utils`). */
const ADAPTER_KINDS = new Set([
  'DatabaseNotReachable',
  'ConnectionClosed',
  'SocketTimeout',
  'TooManyConnections',
  'TransactionAlreadyClosed',
]);
/** Node socket errors and SQLSTATEs: admin shutdown, crash shutdown, cannot connect now, connection exceptions. */
const LOW_LEVEL_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENOTFOUND',
  '57P01',
  '57P02',
  '57P03',
  '53300',
  '08000',
  '08001',
  '08003',
  '08006',
  // PgBouncer's own errors (query_wait_timeout, cannot connect to server, max_client_conn, database removed).
  '08P01',
]);
const MESSAGES =
  /Connection terminated|connection timeout|^timeout expired$|too many clients already|remaining connection slots are reserved|timeout exceeded when trying to connect|Query read timeout|Can't reach database|Server has closed the connection|Client has encountered a connection error|Connection closed|the database system is (shutting down|starting up)|ECONNREFUSED|ECONNRESET/i;

/** true when `error` (or its cause chain) says the database could not be reached or dropped the connection. */
export function isDatabaseUnavailable(error: unknown, depth = 0): boolean {
  if (!error || typeof error !== 'object' || depth > 5) return false;
  const e = error as {
    code?: unknown;
    kind?: unknown;
    message?: unknown;
    cause?: unknown;
    meta?: { driverAdapterError?: unknown };
  };
  if (typeof e.code === 'string' && (PRISMA_CODES.has(e.code) || LOW_LEVEL_CODES.has(e.code))) return true;
  if (typeof e.kind === 'string' && ADAPTER_KINDS.has(e.kind)) return true;
  if (typeof e.message === 'string' && MESSAGES.test(e.message)) return true;
  return isDatabaseUnavailable(e.cause, depth + 1) || isDatabaseUnavailable(e.meta?.driverAdapterError, depth + 1);
}
