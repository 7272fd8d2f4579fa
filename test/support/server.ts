/**
 * `startTestServer`: a real Pulse instance on port 0 with its own (or a shared) test database.
 * `startCluster`: N instances over one PostgreSQL schema and one Redis, as in scaled mode.
 */
import { createPulse, type Pulse } from '../../src/app.js';
import { loadConfig, type Config } from '../../src/config.js';
import { webHandler } from '../../src/transport/web.js';
import type { TestUser } from './client.js';
import {
  createTestDatabase,
  TEST_BUS,
  TEST_REDIS_CLUSTER_NODES,
  TEST_REDIS_URL,
  type DatabaseKind,
  type TestDatabase,
} from './database.js';
import { waitUntil } from './wait.js';

export interface TestServer {
  url: string;
  wsUrl: string;
  pulse: Pulse;
  stop(): Promise<void>;
}

export const TEST_JWT_SECRET = 'test-secret-test-secret-test-secret-0123456789';

export interface StartOptions {
  /** Which database to create, or an existing one to share (it is not dropped by this server's stop). */
  database?: DatabaseKind | TestDatabase;
  /** Use Redis for the bus: TEST_REDIS_URL, or the Redis Cluster when the run has TEST_BUS=redis-cluster. */
  redis?: boolean;
  config?: Partial<Config>;
  /** More environment variables for `loadConfig` (e.g. OTEL_*), read as `npm start` would. */
  env?: Record<string, string>;
  /** Serve a built web page (a directory like client/dist) at `/`, as `npm start` does. */
  web?: string;
}

export async function startTestServer(options: StartOptions = {}): Promise<TestServer> {
  const owned = typeof options.database !== 'object';
  const database = typeof options.database === 'object' ? options.database : await createTestDatabase(options.database ?? 'pglite');
  if (options.redis && !TEST_REDIS_URL) throw new Error('TEST_REDIS_URL is not set');
  const config = loadConfig(
    {
      NODE_ENV: 'test',
      LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
      JWT_SECRET: TEST_JWT_SECRET,
      ...(options.redis && TEST_BUS === 'redis-cluster' ? { REDIS_CLUSTER_NODES: TEST_REDIS_CLUSTER_NODES! } : {}),
      ...options.env,
    },
    {
      port: 0,
      host: '127.0.0.1',
      database: database.target,
      redisUrl: options.redis && TEST_BUS === 'redis' ? TEST_REDIS_URL : null,
      redisPrefix: `pulse-test:${database.name}:`,
      rateLimitPerMinute: 1_000_000,
      maxConnectionsPerIp: 1_000_000,
      seedDemoData: false,
      ...options.config,
    },
  );
  const pulse = await createPulse(config, options.web ? { staticHandler: webHandler(options.web) } : {});
  // `config: { port }` pins the port, so a restarted server is reachable at the same URL.
  const { url, wsUrl } = await pulse.server.listen(config.port, '127.0.0.1');
  let stopped: Promise<void> | null = null;
  return {
    url,
    wsUrl,
    pulse,
    stop() {
      stopped ??= (async () => {
        await pulse.stop();
        if (owned) await database.drop();
      })();
      return stopped;
    },
  };
}

export interface TestCluster {
  servers: TestServer[];
  database: TestDatabase;
  stop(): Promise<void>;
}

/** `count` instances sharing one PostgreSQL schema and one Redis (needs TEST_DATABASE_URL and TEST_REDIS_URL). */
export async function startCluster(count = 2, config: Partial<Config> = {}): Promise<TestCluster> {
  const database = await createTestDatabase('postgres');
  const servers: TestServer[] = [];
  for (let i = 0; i < count; i++) {
    servers.push(await startTestServer({ database, redis: true, config: { instanceId: `test-${i}`, ...config } }));
  }
  return {
    servers,
    database,
    async stop() {
      await Promise.all(servers.map((s) => s.stop()));
      await database.drop();
    },
  };
}

/** Promotes a user to ADMIN directly in the database and returns a fresh token carrying the role. */
export async function makeAdmin(server: TestServer, username: string): Promise<string> {
  await server.pulse.services.prisma.user.update({ where: { username }, data: { role: 'ADMIN' } });
  const user = await server.pulse.services.prisma.user.findUniqueOrThrow({ where: { username } });
  return server.pulse.services.tokens.sign({ userId: user.id, role: user.role });
}

/**
 * Creates `count` users straight in the database and signs their tokens: the same tokens `register`
 * hands out, without hundreds of deliberately slow password hashes. Ordered by username (`prefix_0`, …).
 */
export async function createUsers(server: TestServer, count: number, prefix: string): Promise<TestUser[]> {
  const { prisma, tokens } = server.pulse.services;
  const usernames = Array.from({ length: count }, (_, i) => `${prefix}_${i}`);
  await prisma.user.createMany({ data: usernames.map((username) => ({ username, displayName: username, passwordHash: 'none' })) });
  const users = await prisma.user.findMany({ where: { username: { in: usernames } }, orderBy: { username: 'asc' } });
  return Promise.all(
    users.map(async (u) => ({ id: u.id, username: u.username, token: await tokens.sign({ userId: u.id, role: 'USER' }) })),
  );
}

/**
 * Waits until `server` has at least `count` live stream subscriptions: a subscribe message sent
 * over a socket has reached the stream layer, listens on the bus and has fixed its starting point,
 * so every later commit reaches it. Polls the live
 * counter on every turn of the event loop; no sleeps.
 */
export async function waitForSubscriptions(server: TestServer, count: number, ms = 10_000): Promise<void> {
  await waitUntil(() => server.pulse.services.subscriptionStats.liveCount() >= count, `${count} live subscriptions`, ms);
}

/** Waits until `server` has closed every subscription of earlier tests, so counts start from zero. */
export async function noSubscriptionsLeft(server: TestServer, ms = 10_000): Promise<void> {
  await waitUntil(() => server.pulse.services.subscriptionStats.activeCount() === 0, 'every subscription closed', ms);
}
