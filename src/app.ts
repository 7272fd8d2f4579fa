/**
 * One Pulse instance: opens storage (migrating it), the bus and the stream layer, builds the
 * services, and serves them. `main.ts` runs one; tests start several in one process.
 */
import { pino, type Logger } from 'pino';
import { resolveJwtSecret, Tokens } from './auth/tokens.js';
import type { Config } from './config.js';
import type { Services } from './context.js';
import { openDatabase } from './db/index.js';
import { applyMigrations } from './db/migrate.js';
import { registerDomainListeners } from './domains.js';
import { createServer, type HttpServer } from './server.js';
import { createBus } from './streams/bus.js';
import { Streams } from './streams/index.js';
import { startSweeper } from './streams/sweeper.js';
import { Connections } from './transport/connections.js';

export interface Pulse {
  services: Services;
  server: HttpServer;
  /** Stops serving, then closes the bus and the database. */
  stop(): Promise<void>;
}

export async function createPulse(
  config: Config,
  options: { logger?: Logger; staticHandler?: NonNullable<Parameters<typeof createServer>[1]>['staticHandler'] } = {},
): Promise<Pulse> {
  const logger = options.logger ?? pino({ level: config.logLevel, base: { instance: config.instanceId } });
  const database = await openDatabase(config.database, { connectMs: config.dbConnectTimeoutMs, statementMs: config.dbStatementTimeoutMs });
  try {
    const applied = await applyMigrations(database.factory, { log: (msg) => logger.debug(msg) });
    if (applied.length > 0) logger.info({ applied }, 'applied database migrations');
  } catch (error) {
    await database.close();
    throw error;
  }
  const bus = createBus(config.redisUrl, config.redisPrefix, (err) => logger.error({ err }, 'Redis is unreachable (retrying)'));
  const { secret, generated } = await resolveJwtSecret(config);
  if (generated) logger.warn('JWT_SECRET is not set: using a generated development secret (set JWT_SECRET in production).');

  const services: Services = {
    config,
    database,
    prisma: database.prisma,
    streams: new Streams(database.prisma, bus, {
      retention: config.streamRetention,
      onPublishError: (err) => logger.error({ err }, 'publishing a committed stream event failed'),
      holdPublish: config.testHoldPublish,
    }),
    tokens: new Tokens(secret, config.jwtTtlSeconds),
    logger,
    connections: new Connections((err) => logger.error({ err }, 'connection listener failed')),
    startedAt: new Date(),
  };
  const stopDomains = registerDomainListeners(services);
  const server = createServer(services, { staticHandler: options.staticHandler });
  let lastSweepReport = 0;
  const sweeper = startSweeper(database.prisma, services.streams.liveTopics, config.publishSweepMs, (err) => {
    if (Date.now() - lastSweepReport < 30_000) return;
    lastSweepReport = Date.now();
    logger.warn({ err }, 'publish sweep failed (database unreachable?); retrying');
  });

  let stopping: Promise<void> | null = null;
  return {
    services,
    server,
    stop() {
      stopping ??= (async () => {
        await server.close();
        await sweeper.stop();
        await stopDomains();
        await bus.close();
        await database.close();
      })();
      return stopping;
    },
  };
}
