/** The HTTP routes: /graphql (Yoga: queries, mutations, SSE, GraphiQL), health, readiness, metrics, GraphiQL's assets and the page. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Services } from '../context.js';
import { serveGraphiQLAsset } from './graphiql.js';
import { refuseRequest } from './limits.js';
import { metricsAllowed } from './metrics-access.js';
import type { GraphQLPipeline } from './yoga.js';

export type StaticHandler = (req: IncomingMessage, res: ServerResponse) => boolean;

export function createRequestHandler(
  app: Services,
  { yoga }: GraphQLPipeline,
  options: { staticHandler?: StaticHandler; draining: () => boolean },
): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  const { config, logger, metrics } = app;
  return async (req, res) => {
    try {
      const refusal = refuseRequest(req, config.maxBodyBytes);
      if (refusal) return json(res, refusal.status, { error: refusal.message });
      const path = (req.url ?? '/').split('?')[0];
      if (path === '/healthz') return json(res, 200, { status: 'ok', instanceId: config.instanceId });
      if (path === '/readyz') {
        if (options.draining()) return json(res, 503, { draining: true });
        const [database, bus] = await Promise.all([app.database.ping(), app.streams.bus.ping()]);
        return json(res, database && bus ? 200 : 503, { database, bus });
      }
      if (path === '/metrics') {
        if (!metricsAllowed(req, config.metricsToken)) return json(res, 401, { error: 'Send Authorization: Bearer <METRICS_TOKEN>.' });
        const { contentType, body } = await metrics.scrape();
        res.writeHead(200, { 'content-type': contentType }).end(body);
        return;
      }
      if (path.startsWith('/graphql')) return void (await yoga(req, res, { req }));
      if (config.graphiql && serveGraphiQLAsset(req, res)) return;
      if (options.staticHandler?.(req, res)) return;
      json(res, 404, { error: 'Not found' });
    } catch (error) {
      logger.error({ err: error }, 'HTTP handler failed');
      if (!res.headersSent) json(res, 500, { error: 'Unexpected error.' });
    }
  };
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}
