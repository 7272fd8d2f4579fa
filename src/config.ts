/**
 * Configuration: every environment variable Pulse reads, read once and validated here.
 * Nothing else in Pulse reads `process.env`; the parsed `Config` is passed down. The OpenTelemetry
 * variables (`OTEL_*`) are validated in config-tracing.ts.
 */
import { readTracingConfig, type TracingConfig } from './config-tracing.js';

export type DatabaseTarget =
  | { kind: 'pglite'; dir: string | null } // null: throwaway in-memory database
  | {
      kind: 'postgres';
      url: string;
      schema?: string;
      /**
       * `?pgbouncer=true`: `url` is a transaction-mode pooler (PgBouncer). No session settings are sent
       * at connection start (the pooler refuses them, and could not keep them per client): the server's
       * role or database defaults must carry them (README, "PgBouncer").
       */
      pgbouncer?: boolean;
      /** `DATABASE_DIRECT_URL`: PostgreSQL itself, for migrations only (they hold a session lock). */
      directUrl?: string;
    };

export interface Config {
  port: number;
  host: string;
  nodeEnv: 'development' | 'production' | 'test';
  database: DatabaseTarget;
  redisUrl: string | null;
  /** Seed nodes of a Redis Cluster (sharded pub/sub); mutually exclusive with `redisUrl`. */
  redisClusterNodes: { host: string; port: number }[] | null;
  /** Prefix of every Redis key and channel, so deployments (or test runs) can share one Redis. */
  redisPrefix: string;
  /** null: generate one and keep it beside the embedded database (development only). */
  jwtSecret: string | null;
  jwtTtlSeconds: number;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** `pretty`: human-readable lines (pino-pretty); `json`: one JSON object a line, for log collectors. */
  logFormat: 'pretty' | 'json';
  /**
   * Trusted documents (client/src/gql/persisted-documents.json): `off` ignores hashes, `allow` runs
   * known hashes and any document, `only` runs known hashes and nothing else.
   */
  persistedDocuments: 'off' | 'allow' | 'only';
  /**
   * How many proxies in front of Pulse append to X-Forwarded-For (0: none, use the socket's address).
   * The client's address is the entry the outermost of them wrote, counted from the right (address.ts).
   */
  trustProxy: number;
  /** null: any origin; otherwise the WebSocket upgrade and CORS accept only these. */
  allowedOrigins: string[] | null;
  heartbeatMs: number;
  /** How many events each stream topic keeps in its log; older ones are trimmed (a resume from before them gets GAP). */
  streamRetention: number;
  graphiql: boolean;
  maxPayloadBytes: number;
  maxSubscriptionsPerConnection: number;
  /** Largest HTTP request body; bigger is refused with 413 before it is read. */
  maxBodyBytes: number;
  /** Concurrent WebSocket connections from one client address. */
  maxConnectionsPerIp: number;
  /** null: /metrics is public; otherwise it needs `Authorization: Bearer <token>`. */
  metricsToken: string | null;
  /** Operations per minute per user (or per IP for anonymous callers). */
  rateLimitPerMinute: number;
  /** How long a presence entry outlives an instance that died without cleaning up. */
  presenceTtlMs: number;
  /** Milliseconds a typing indicator lasts unless renewed. */
  typingTtlMs: number;
  seedDemoData: boolean;
  instanceId: string;
  /** How often the publish sweeper compares the heads of live topics with what was delivered (ms). */
  publishSweepMs: number;
  /** After SIGTERM: how long /readyz answers 503 while the instance still serves, before sockets close with 1012. */
  drainMs: number;
  /** PostgreSQL: how long to wait for a connection before answering UNAVAILABLE (ms). */
  dbConnectTimeoutMs: number;
  /** PostgreSQL: how long one statement may run before it fails (ms). */
  dbStatementTimeoutMs: number;
  /** PostgreSQL: connections in this instance's pool. */
  dbPoolSize: number;
  /** PostgreSQL: how long a statement waits for a free pooled connection before answering UNAVAILABLE (ms). */
  dbPoolWaitMs: number;
  /**
   * WebSocket connections this instance holds at most; one more is closed at once with 1013 (Try
   * Again Later), so the client retries (with jitter) on another instance or later. 0: no cap.
   */
  maxConnections: number;
  /** OpenTelemetry trace export (the standard `OTEL_*` variables); null: off, and the SDK is never loaded. */
  tracing: TracingConfig | null;
  /** Tests only (NODE_ENV=test): commit events but never publish them, as if the writer died right after commit. */
  testHoldPublish: boolean;
}

export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(`Invalid configuration: ${variable} ${message}`);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

function int(env: Env, name: string, fallback: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw.trim())) throw new ConfigError(name, `must be a whole number, got "${raw}"`);
  const value = Number(raw);
  if (value < min || value > max) throw new ConfigError(name, `must be between ${min} and ${max}, got ${value}`);
  return value;
}

function bool(env: Env, name: string, fallback: boolean): boolean {
  const raw = env[name]?.trim().toLowerCase();
  if (raw === undefined || raw === '') return fallback;
  if (['1', 'true', 'yes', 'on'].includes(raw)) return true;
  if (['0', 'false', 'no', 'off'].includes(raw)) return false;
  throw new ConfigError(name, `must be true or false, got "${env[name]}"`);
}

const DURATION = /^(\d+)\s*(ms|s|m|h|d)?$/;
const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };

/** `JWT_TTL`: seconds, or a number with a unit (`90m`, `12h`, `7d`). */
function durationSeconds(env: Env, name: string, fallback: number): number {
  const raw = env[name]?.trim();
  if (!raw) return fallback;
  const match = DURATION.exec(raw);
  if (!match || match[2] === 'ms') throw new ConfigError(name, `must be a duration such as 3600, 90m, 12h or 7d, got "${raw}"`);
  const seconds = Number(match[1]) * (UNIT_SECONDS[match[2] ?? 's'] ?? 1);
  if (seconds < 60) throw new ConfigError(name, 'must be at least one minute');
  return seconds;
}

function database(env: Env): DatabaseTarget {
  const url = env.DATABASE_URL?.trim();
  const directUrl = env.DATABASE_DIRECT_URL?.trim() || undefined;
  if (directUrl && !url?.match(/^postgres(ql)?:\/\//))
    throw new ConfigError('DATABASE_DIRECT_URL', 'is only for a postgres:// DATABASE_URL');
  if (!url) return { kind: 'pglite', dir: env.PGLITE_DIR?.trim() || '.data/pglite' };
  if (url === 'memory:') return { kind: 'pglite', dir: null };
  if (!/^postgres(ql)?:\/\//.test(url)) {
    throw new ConfigError('DATABASE_URL', `must be unset, "memory:" or a postgres:// URL, got "${url}"`);
  }
  const parsed = postgresUrl('DATABASE_URL', url);
  const schema = parsed.searchParams.get('schema') ?? undefined;
  const pgbouncer = parsed.searchParams.get('pgbouncer') === 'true';
  if (pgbouncer && schema) {
    // Prisma would qualify its own queries with the schema, but raw SQL follows search_path, which
    // only the server can set for pooled connections: one source of truth, the role's search_path.
    throw new ConfigError(
      'DATABASE_URL',
      "with pgbouncer=true cannot select a ?schema=: set the role's search_path instead (ALTER ROLE ... SET search_path)",
    );
  }
  if (pgbouncer && !directUrl) {
    throw new ConfigError(
      'DATABASE_DIRECT_URL',
      'is required with pgbouncer=true: migrations hold a session lock, so they must reach PostgreSQL itself',
    );
  }
  if (directUrl) {
    const direct = postgresUrl('DATABASE_DIRECT_URL', directUrl);
    if (!/^postgres(ql)?:$/.test(direct.protocol))
      throw new ConfigError('DATABASE_DIRECT_URL', `must be a postgres:// URL, got "${directUrl}"`);
    if (direct.searchParams.get('pgbouncer') === 'true')
      throw new ConfigError('DATABASE_DIRECT_URL', 'must reach PostgreSQL itself, not a pooler');
    if ((direct.searchParams.get('schema') ?? undefined) !== schema) {
      throw new ConfigError('DATABASE_DIRECT_URL', 'must select the same ?schema= as DATABASE_URL');
    }
  }
  return { kind: 'postgres', url, ...(schema ? { schema } : {}), ...(pgbouncer ? { pgbouncer } : {}), ...(directUrl ? { directUrl } : {}) };
}

function postgresUrl(name: string, url: string): URL {
  try {
    return new URL(url);
  } catch {
    throw new ConfigError(name, 'is not a valid URL');
  }
}

/** `PULSE_TEST_HOLD_PUBLISH`: a fault-test hook, refused outside NODE_ENV=test. */
function testHoldPublish(env: Env, nodeEnv: string): boolean {
  const hold = bool(env, 'PULSE_TEST_HOLD_PUBLISH', false);
  if (hold && nodeEnv !== 'test') throw new ConfigError('PULSE_TEST_HOLD_PUBLISH', 'is a test hook: only with NODE_ENV=test');
  return hold;
}

/** Reads and validates the configuration; throws a `ConfigError` naming the variable. */
export function loadConfig(env: Env = process.env, overrides: Partial<Config> = {}): Config {
  const nodeEnvRaw = env.NODE_ENV?.trim() || 'development';
  if (!['development', 'production', 'test'].includes(nodeEnvRaw)) {
    throw new ConfigError('NODE_ENV', `must be development, production or test, got "${nodeEnvRaw}"`);
  }
  const nodeEnv = nodeEnvRaw as Config['nodeEnv'];
  const jwtSecret = env.JWT_SECRET?.trim() || null;
  if (jwtSecret && jwtSecret.length < 32) throw new ConfigError('JWT_SECRET', 'must be at least 32 characters');
  if (!jwtSecret && nodeEnv === 'production') throw new ConfigError('JWT_SECRET', 'is required when NODE_ENV=production');
  const logLevel = (env.LOG_LEVEL?.trim() || (nodeEnv === 'test' ? 'silent' : 'info')) as Config['logLevel'];
  if (!['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].includes(logLevel)) {
    throw new ConfigError('LOG_LEVEL', `must be one of fatal, error, warn, info, debug, trace, silent, got "${logLevel}"`);
  }
  const origins = env.ALLOWED_ORIGINS?.trim();
  const allowedOrigins =
    !origins || origins === '*'
      ? null
      : origins
          .split(',')
          .map((o) => o.trim())
          .filter(Boolean);
  for (const origin of allowedOrigins ?? []) {
    if (!/^https?:\/\/[^/]+$/.test(origin))
      throw new ConfigError('ALLOWED_ORIGINS', `entries must look like https://host[:port], got "${origin}"`);
  }
  const logFormat = (env.LOG_FORMAT?.trim() || (process.stdout.isTTY ? 'pretty' : 'json')) as Config['logFormat'];
  if (!['pretty', 'json'].includes(logFormat)) throw new ConfigError('LOG_FORMAT', `must be pretty or json, got "${logFormat}"`);
  const persistedDocuments = (env.PERSISTED_DOCUMENTS?.trim() || 'allow') as Config['persistedDocuments'];
  if (!['off', 'allow', 'only'].includes(persistedDocuments)) {
    throw new ConfigError('PERSISTED_DOCUMENTS', `must be off, allow or only, got "${persistedDocuments}"`);
  }
  const redisUrl = env.REDIS_URL?.trim() || null;
  if (redisUrl && !/^rediss?:\/\//.test(redisUrl)) throw new ConfigError('REDIS_URL', `must be a redis:// URL, got "${redisUrl}"`);
  const redisClusterNodes = clusterNodes(env);
  if (redisUrl && redisClusterNodes) throw new ConfigError('REDIS_CLUSTER_NODES', 'set either REDIS_URL or REDIS_CLUSTER_NODES, not both');
  const redisPrefix = env.REDIS_PREFIX?.trim() || 'pulse:';
  // The prefix starts every key; a brace in it would become the keys' Redis Cluster hash tag.
  if (/[{}]/.test(redisPrefix)) throw new ConfigError('REDIS_PREFIX', `must not contain { or }, got "${redisPrefix}"`);
  const heartbeatMs = int(env, 'HEARTBEAT_MS', 30_000, 50, 3_600_000);
  const metricsToken = env.METRICS_TOKEN?.trim() || null;
  if (metricsToken && metricsToken.length < 16) throw new ConfigError('METRICS_TOKEN', 'must be at least 16 characters');

  return {
    port: int(env, 'PORT', 4000, 0, 65535),
    host: env.HOST?.trim() || '0.0.0.0',
    nodeEnv,
    database: database(env),
    redisUrl,
    redisClusterNodes,
    redisPrefix,
    jwtSecret,
    jwtTtlSeconds: durationSeconds(env, 'JWT_TTL', 7 * 86400),
    logLevel,
    logFormat,
    persistedDocuments,
    allowedOrigins,
    trustProxy: trustedHops(env),
    heartbeatMs,
    streamRetention: int(env, 'STREAM_RETENTION', 10_000, 1),
    graphiql: bool(env, 'GRAPHIQL', nodeEnv !== 'production'),
    maxPayloadBytes: int(env, 'MAX_PAYLOAD_BYTES', 64 * 1024, 1024),
    maxSubscriptionsPerConnection: int(env, 'MAX_SUBSCRIPTIONS_PER_CONNECTION', 50, 1),
    maxBodyBytes: int(env, 'MAX_BODY_BYTES', 256 * 1024, 1024),
    maxConnectionsPerIp: int(env, 'MAX_CONNECTIONS_PER_IP', 100, 1),
    metricsToken,
    rateLimitPerMinute: int(env, 'RATE_LIMIT_PER_MINUTE', 600, 1),
    presenceTtlMs: int(env, 'PRESENCE_TTL_MS', Math.max(2 * heartbeatMs, 10_000), 100),
    typingTtlMs: int(env, 'TYPING_TTL_MS', 5_000, 100),
    seedDemoData: bool(env, 'SEED_DEMO_DATA', nodeEnv !== 'production'),
    instanceId: env.INSTANCE_ID?.trim() || `pulse-${process.pid}-${Math.random().toString(36).slice(2, 8)}`,
    publishSweepMs: int(env, 'PUBLISH_SWEEP_MS', 500, 10, 60_000),
    drainMs: int(env, 'DRAIN_MS', 5_000, 0, 600_000),
    dbConnectTimeoutMs: int(env, 'DB_CONNECT_TIMEOUT_MS', 3_000, 100, 600_000),
    dbStatementTimeoutMs: int(env, 'DB_STATEMENT_TIMEOUT_MS', 15_000, 100, 3_600_000),
    dbPoolSize: int(env, 'DB_POOL_SIZE', 10, 1, 1_000),
    dbPoolWaitMs: int(env, 'DB_POOL_WAIT_MS', 30_000, 10, 600_000),
    maxConnections: int(env, 'MAX_CONNECTIONS', 20_000, 0, 10_000_000),
    tracing: readTracingConfig(env, (variable, message) => new ConfigError(variable, message)),
    testHoldPublish: testHoldPublish(env, nodeEnv),
    ...overrides,
  };
}

/** `TRUST_PROXY`: false (0), true (one proxy: 1), or the number of proxies in front of Pulse. */
function trustedHops(env: Env): number {
  const raw = env.TRUST_PROXY?.trim().toLowerCase();
  if (!raw || ['false', 'no', 'off'].includes(raw)) return 0;
  if (['true', 'yes', 'on'].includes(raw)) return 1;
  const hops = Number(raw);
  if (!/^\d+$/.test(raw) || hops > 10)
    throw new ConfigError('TRUST_PROXY', `must be false, true or the number of proxies (1-10), got "${raw}"`);
  return hops;
}

/** `REDIS_CLUSTER_NODES=host:port,host:port`: seed nodes (any reachable one finds the rest). */
function clusterNodes(env: Env): { host: string; port: number }[] | null {
  const list = env.REDIS_CLUSTER_NODES?.trim();
  if (!list) return null;
  return list.split(',').map((entry) => {
    const match = /^\[?([^\]\s]+?)\]?:(\d{1,5})$/.exec(entry.trim());
    const port = Number(match?.[2]);
    if (!match || port < 1 || port > 65535) {
      throw new ConfigError('REDIS_CLUSTER_NODES', `entries must look like host:port, got "${entry.trim()}"`);
    }
    return { host: match[1], port };
  });
}

/** For module-level settings that are fixed before any Config exists (the schema builder's dev checks). */
export const isProductionBuild = process.env.NODE_ENV === 'production';
