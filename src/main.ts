/** `npm start`: migrate, seed demo data when the database is empty, serve, print the URLs. */
import { createPulse } from './app.js';
import { type Config, ConfigError, loadConfig } from './config.js';
import { DEMO_PASSWORD, DEMO_USERS, seedDemoData } from './seed.js';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { webHandler } from './transport/web.js';

/**
 * Start-up leaves garbage an idle server would keep for hours: the migration engine's WebAssembly
 * memory, the schema build, the first compilations. Nothing allocates enough afterwards to make V8
 * collect it, so idle RSS would stay well above what the server needs. One full collection once the
 * server listens returns it.
 */
function collectStartupGarbage(): void {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
}

async function main(): Promise<void> {
  let config: Config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(1);
    }
    throw error;
  }
  const pulse = await createPulse(config, { staticHandler: webHandler() });
  const { logger } = pulse.services;
  if (config.seedDemoData && (await seedDemoData(pulse.services.prisma))) {
    logger.info(`seeded demo users ${DEMO_USERS.map((u) => u.username).join(', ')} (password "${DEMO_PASSWORD}"; "admin" is ADMIN)`);
  }
  const { url, wsUrl, port } = await pulse.server.listen(config.port);
  await pulse.services.database.ping(); // loads the query compiler now, so its start-up garbage goes too
  collectStartupGarbage();
  const mode = `${config.database.kind === 'pglite' ? `embedded PGlite (${config.database.dir ?? 'in memory'})` : 'PostgreSQL'} + ${config.redisClusterNodes ? 'Redis Cluster bus (sharded pub/sub)' : config.redisUrl ? 'Redis bus' : 'in-process bus'}`;
  console.log(
    [
      `Pulse is up (${mode})`,
      `  web page:       http://localhost:${port}/`,
      `  GraphQL:        ${url}${config.graphiql ? '  (GraphiQL in a browser)' : ''}`,
      `  subscriptions:  ${wsUrl}`,
      `  health:         http://localhost:${port}/healthz  /readyz  /metrics`,
      config.seedDemoData ? `  demo sign-in:   ${DEMO_USERS.map((u) => u.username).join(', ')} / ${DEMO_PASSWORD}` : '',
    ]
      .filter(Boolean)
      .join('\n'),
  );

  let shuttingDown = false;
  const shutdown = async (signal: string) => {
    // A second signal (Ctrl-C twice) stops at once.
    if (shuttingDown) process.exit(1);
    shuttingDown = true;
    // Drain: readiness turns 503 at once so the load balancer stops sending new clients; keep serving
    // for DRAIN_MS, then close sockets with 1012 (clients resume elsewhere), finish mutations, exit.
    pulse.server.drain();
    logger.info({ signal, drainMs: config.drainMs }, 'draining (a second signal stops at once)');
    const force = setTimeout(() => process.exit(1), config.drainMs + 15_000);
    force.unref();
    await new Promise((resolve) => setTimeout(resolve, config.drainMs));
    logger.info('shutting down');
    pulse.stop().then(
      () => process.exit(0),
      (err) => {
        logger.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

main().catch((error) => {
  console.error('Pulse failed to start:', error);
  process.exit(1);
});
