/** Configuration is validated once; a bad value stops start-up with a message naming the variable. */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';

const SECRET = 'x'.repeat(32);

function errorFor(env: Record<string, string>): ConfigError {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error(`expected ${JSON.stringify(env)} to be rejected`);
}

describe('configuration', () => {
  it('has working defaults: embedded PGlite, in-process bus, port 4000', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      port: 4000,
      database: { kind: 'pglite', dir: '.data/pglite' },
      redisUrl: null,
      heartbeatMs: 30_000,
      jwtTtlSeconds: 7 * 86400,
    });
    expect(loadConfig({ DATABASE_URL: 'memory:' }).database).toEqual({ kind: 'pglite', dir: null });
    expect(loadConfig({ REDIS_CLUSTER_NODES: ' 10.0.0.1:7000, redis-2:7001,[::1]:7002' }).redisClusterNodes).toEqual([
      { host: '10.0.0.1', port: 7000 },
      { host: 'redis-2', port: 7001 },
      { host: '::1', port: 7002 },
    ]);
    expect(loadConfig({ DATABASE_URL: 'postgres://u@h:5432/db?schema=pulse' }).database).toMatchObject({
      kind: 'postgres',
      schema: 'pulse',
    });
    // Through PgBouncer: migrations go to PostgreSQL itself.
    expect(
      loadConfig({ DATABASE_URL: 'postgres://u@pgbouncer:6432/db?pgbouncer=true', DATABASE_DIRECT_URL: 'postgres://u@pg:5432/db' })
        .database,
    ).toEqual({
      kind: 'postgres',
      url: 'postgres://u@pgbouncer:6432/db?pgbouncer=true',
      pgbouncer: true,
      directUrl: 'postgres://u@pg:5432/db',
    });
    expect(loadConfig({ JWT_TTL: '12h' }).jwtTtlSeconds).toBe(43_200);
    expect(loadConfig({})).toMatchObject({
      publishSweepMs: 500,
      drainMs: 5_000,
      dbConnectTimeoutMs: 3_000,
      dbStatementTimeoutMs: 15_000,
      dbPoolSize: 10,
      dbPoolWaitMs: 30_000,
      maxConnections: 20_000,
      testHoldPublish: false,
    });
    expect(loadConfig({ NODE_ENV: 'test', PULSE_TEST_HOLD_PUBLISH: 'true' }).testHoldPublish).toBe(true);
    expect(loadConfig({ ALLOWED_ORIGINS: 'https://a.example, https://b.example:8443' }).allowedOrigins).toEqual([
      'https://a.example',
      'https://b.example:8443',
    ]);
  });

  it.each([
    [{ PORT: 'eighty' }, 'PORT'],
    [{ PORT: '70000' }, 'PORT'],
    [{ DATABASE_URL: 'mysql://localhost/db' }, 'DATABASE_URL'],
    [{ DATABASE_URL: 'postgres://u@pgbouncer:6432/db?pgbouncer=true' }, 'DATABASE_DIRECT_URL'],
    [
      { DATABASE_URL: 'postgres://u@b:6432/db?pgbouncer=true&schema=s', DATABASE_DIRECT_URL: 'postgres://u@pg/db?schema=s' },
      'DATABASE_URL',
    ],
    [{ DATABASE_URL: 'postgres://u@b:6432/db?pgbouncer=true', DATABASE_DIRECT_URL: 'mysql://u@pg/db' }, 'DATABASE_DIRECT_URL'],
    [
      { DATABASE_URL: 'postgres://u@b:6432/db?pgbouncer=true', DATABASE_DIRECT_URL: 'postgres://u@b:6432/db?pgbouncer=true' },
      'DATABASE_DIRECT_URL',
    ],
    [{ DATABASE_URL: 'postgres://u@pg/db?schema=a', DATABASE_DIRECT_URL: 'postgres://u@pg/db?schema=b' }, 'DATABASE_DIRECT_URL'],
    [{ DATABASE_DIRECT_URL: 'postgres://u@pg/db' }, 'DATABASE_DIRECT_URL'],
    [{ REDIS_URL: 'localhost:6379' }, 'REDIS_URL'],
    [{ REDIS_CLUSTER_NODES: 'redis-1' }, 'REDIS_CLUSTER_NODES'],
    [{ REDIS_CLUSTER_NODES: 'redis-1:6379,redis-2:99999' }, 'REDIS_CLUSTER_NODES'],
    [{ REDIS_CLUSTER_NODES: 'redis-1:6379', REDIS_URL: 'redis://redis:6379' }, 'REDIS_CLUSTER_NODES'],
    [{ REDIS_PREFIX: 'pulse:{tag}:' }, 'REDIS_PREFIX'],
    [{ JWT_SECRET: 'short' }, 'JWT_SECRET'],
    [{ NODE_ENV: 'production' }, 'JWT_SECRET'],
    [{ NODE_ENV: 'staging' }, 'NODE_ENV'],
    [{ JWT_TTL: 'forever' }, 'JWT_TTL'],
    [{ HEARTBEAT_MS: '0' }, 'HEARTBEAT_MS'],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL'],
    [{ ALLOWED_ORIGINS: 'example.com' }, 'ALLOWED_ORIGINS'],
    [{ GRAPHIQL: 'maybe' }, 'GRAPHIQL'],
    [{ LOG_FORMAT: 'xml' }, 'LOG_FORMAT'],
    [{ PERSISTED_DOCUMENTS: 'strict' }, 'PERSISTED_DOCUMENTS'],
    [{ PUBLISH_SWEEP_MS: '0' }, 'PUBLISH_SWEEP_MS'],
    [{ DRAIN_MS: 'soon' }, 'DRAIN_MS'],
    [{ DB_CONNECT_TIMEOUT_MS: '5' }, 'DB_CONNECT_TIMEOUT_MS'],
    [{ DB_STATEMENT_TIMEOUT_MS: 'x' }, 'DB_STATEMENT_TIMEOUT_MS'],
    [{ DB_POOL_SIZE: '0' }, 'DB_POOL_SIZE'],
    [{ DB_POOL_WAIT_MS: 'long' }, 'DB_POOL_WAIT_MS'],
    [{ MAX_CONNECTIONS: 'many' }, 'MAX_CONNECTIONS'],
    [{ TRUST_PROXY: 'maybe' }, 'TRUST_PROXY'],
    [{ TRUST_PROXY: '11' }, 'TRUST_PROXY'],
    [{ PULSE_TEST_HOLD_PUBLISH: 'true' }, 'PULSE_TEST_HOLD_PUBLISH'],
  ])('rejects %j naming %s', (env, variable) => {
    const error = errorFor(env);
    expect(error.variable).toBe(variable);
    expect(error.message).toContain(variable);
  });

  it('reads TRUST_PROXY as the number of proxies that append to X-Forwarded-For (true = 1)', () => {
    expect(loadConfig({}).trustProxy).toBe(0);
    expect(loadConfig({ TRUST_PROXY: 'false' }).trustProxy).toBe(0);
    expect(loadConfig({ TRUST_PROXY: 'true' }).trustProxy).toBe(1);
    expect(loadConfig({ TRUST_PROXY: '2' }).trustProxy).toBe(2);
  });

  it('reads LOG_FORMAT and PERSISTED_DOCUMENTS (allow by default)', () => {
    expect(loadConfig({}).persistedDocuments).toBe('allow');
    expect(loadConfig({ PERSISTED_DOCUMENTS: 'only', LOG_FORMAT: 'json' })).toMatchObject({
      persistedDocuments: 'only',
      logFormat: 'json',
    });
    expect(loadConfig({ LOG_FORMAT: 'pretty' }).logFormat).toBe('pretty');
  });

  it('production with a secret is accepted, without GraphiQL or demo data', () => {
    expect(loadConfig({ NODE_ENV: 'production', JWT_SECRET: SECRET })).toMatchObject({ graphiql: false, seedDemoData: false });
  });

  it('npm start refuses to start on a bad value and names it', () => {
    const result = spawnSync('npx', ['tsx', 'src/main.ts'], { env: { ...process.env, PORT: 'eighty' }, encoding: 'utf8' });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('PORT must be a whole number');
  });
});
