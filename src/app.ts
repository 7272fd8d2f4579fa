/**
 * The composition root: builds every per-instance service in dependency order, passes each its
 * dependencies explicitly, and closes them in reverse. Nothing else creates per-instance state.
 * `main.ts` runs one instance; tests start several in one process.
 */
import { pino, type Logger } from 'pino';
import { onRevocation } from './auth/revocation.js';
import { resolveJwtSecret, Tokens } from './auth/tokens.js';
import { TokenVersions } from './auth/versions.js';
import { TypingIndicators } from './chat/typing.js';
import type { Config } from './config.js';
import type { Services } from './context.js';
import type { Tracing } from './operations/tracing.js';
import { migrationFactory, openDatabase } from './db/index.js';
import { applyMigrations } from './db/migrate.js';
import { SharedReads } from './db/shared-reads.js';
import { leaveQueueOnDisconnect } from './matchmaking/service.js';
import { OperationsMonitor } from './operations/monitor.js';
import { Presence } from './presence/service.js';
import { connectRedis } from './redis/clients.js';
import { createServer, type HttpServer } from './server.js';
import { createBus } from './streams/bus.js';
import { Streams } from './streams/index.js';
import { bookingBatches } from './bookings/group-commit.js';
import { likeBatches } from './social/service.js';
import { SubscriptionStats } from './streams/stats.js';
import { startSweeper } from './streams/sweeper.js';
import { Connections } from './presence/connections.js';
import { createMetrics } from './transport/metrics.js';
import { createRateLimiters } from './transport/rate-limiter.js';

export interface Pulse {
  services: Services;
  server: HttpServer;
  /** Stops serving, then closes every service in the reverse order of creation. */
  stop(): Promise<void>;
}

type StaticHandler = NonNullable<Parameters<typeof createServer>[1]>['staticHandler'];

export async function createPulse(config: Config, options: { logger?: Logger; staticHandler?: StaticHandler } = {}): Promise<Pulse> {
  const logger =
    options.logger ??
    pino({
      level: config.logLevel,
      base: { instance: config.instanceId },
      // pino-pretty runs in a worker thread, so formatting never blocks the event loop.
      transport:
        config.logFormat === 'pretty'
          ? { target: 'pino-pretty', options: { translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' } }
          : undefined,
    });
  const closers: (() => Promise<void> | void)[] = [];
  /** Registers how to close what was just built; `stop` runs them last-built first. */
  const owned = <T>(service: T, close: (service: T) => Promise<void> | void): T => {
    closers.push(() => close(service));
    return service;
  };
  const closeAll = async () => {
    for (const close of closers.splice(0).reverse()) await close();
  };

  try {
    // First built, last closed: stopping flushes every span, the last deliveries' too. Imported only
    // when configured, so an instance without tracing loads no OpenTelemetry code.
    const tracing: Tracing | null = config.tracing
      ? owned(
          await (await import('./operations/tracing.js')).startTracing(config.tracing, {
            instanceId: config.instanceId,
            bus: config.redisUrl || config.redisClusterNodes ? 'redis' : 'memory',
            logger,
          }),
          (t) => t.shutdown(),
        )
      : null;
    const timeouts = {
      connectMs: config.dbConnectTimeoutMs,
      statementMs: config.dbStatementTimeoutMs,
      poolSize: config.dbPoolSize,
      poolWaitMs: config.dbPoolWaitMs,
    };
    const database = owned(await openDatabase(config.database, timeouts), (db) => db.close());
    const migrations = await migrationFactory(database, timeouts);
    const applied = await applyMigrations(migrations.factory, { log: (msg) => logger.debug(msg) }).finally(() => migrations.dispose());
    if (applied.length > 0) logger.info({ applied }, 'applied database migrations');

    const redis =
      config.redisUrl || config.redisClusterNodes
        ? owned(
            connectRedis({ url: config.redisUrl, clusterNodes: config.redisClusterNodes }, (err) =>
              logger.error({ err }, 'Redis is unreachable (retrying)'),
            ),
            (r) => r.close(),
          )
        : null;
    const bus = owned(
      createBus(redis, config.redisPrefix, (err) => logger.warn({ err }, 'a Redis channel command failed')),
      (b) => b.close(),
    );
    const subscriptionStats = new SubscriptionStats();
    const streams = new Streams(database.prisma, bus, subscriptionStats, {
      retention: config.streamRetention,
      onPublishError: (err) => logger.error({ err }, 'publishing a committed stream event failed'),
      holdPublish: config.testHoldPublish,
      tracing,
    });
    const connections = new Connections((err) => logger.error({ err }, 'connection listener failed'));
    const presence = owned(new Presence(streams, connections, config, redis?.command ?? null), (p) => p.stop());
    const typing = owned(new TypingIndicators(streams, config.typingTtlMs, (err) => logger.error({ err }, 'typing signal failed')), (t) =>
      t.stop(),
    );
    const monitor = new OperationsMonitor({ streams, subscriptionStats, connections, config, logger });
    const reads = new SharedReads();
    const versions = new TokenVersions(reads, (id) =>
      database.prisma.user.findUnique({ where: { id }, select: { role: true, tokenVersion: true } }),
    );
    const { secret, generated } = await resolveJwtSecret(config);
    if (generated) logger.warn('JWT_SECRET is not set: using a generated development secret (set JWT_SECRET in production).');

    const services: Services = {
      config,
      logger,
      database,
      prisma: database.prisma,
      redis: redis?.command ?? null,
      streams,
      bookingBatches: bookingBatches(streams),
      likeBatches: likeBatches(streams),
      subscriptionStats,
      connections,
      presence,
      typing,
      monitor,
      tokens: new Tokens(secret, config.jwtTtlSeconds),
      reads,
      versions,
      rateLimiters: owned(createRateLimiters(config, redis?.command ?? null), (r) => r.close()),
      metrics: owned(createMetrics(subscriptionStats, bus, connections, config.instanceId, config.nodeEnv !== 'test'), (m) => m.dispose()),
      tracing,
      startedAt: new Date(),
    };

    // The one listener for revocations: raises known token versions (trusted only while revocations
    // are heard: auth/versions.ts), then closes the user's sockets (websocket.ts listens on `versions`).
    const hearing = onRevocation(services, (userId, version) => versions.revoked(userId, version)).then(
      (stop) => {
        if (!redis || redis.channels.live) versions.resumed();
        redis?.channels.onLinkChange((live) => (live ? versions.resumed() : versions.interrupted()));
        return stop;
      },
      (err: unknown) => {
        logger.error({ err }, 'listening for token revocations failed');
        return () => {};
      },
    );
    owned(hearing, async (stop) => (await stop)());

    // Connection listeners, in the order they must see a close: presence first, then the queue
    // (which asks presence whether the player is still connected on another instance).
    presence.start();
    owned(leaveQueueOnDisconnect(services), (stop) => stop());
    owned(monitor.start(), (stop) => stop());
    // A committed event whose publish was lost (writer died, bus down) still reaches live subscribers.
    let lastSweepReport = 0;
    owned(
      startSweeper(database.prisma, streams.liveTopics, config.publishSweepMs, (err) => {
        if (Date.now() - lastSweepReport < 30_000) return;
        lastSweepReport = Date.now();
        logger.warn({ err }, 'publish sweep failed (database unreachable?); retrying');
      }),
      (sweeper) => sweeper.stop(),
    );

    const server = createServer(services, { staticHandler: options.staticHandler });
    let stopping: Promise<void> | null = null;
    return {
      services,
      server,
      stop() {
        stopping ??= (async () => {
          await server.close();
          await closeAll();
        })();
        return stopping;
      },
    };
  } catch (error) {
    await closeAll();
    throw error;
  }
}
