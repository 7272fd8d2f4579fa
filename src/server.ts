/**
 * Transport: one node:http server. Yoga serves HTTP (and SSE) at /graphql, graphql-ws serves the
 * WebSocket upgrade on the same path and runs every operation through `yoga.getEnveloped`, so both
 * share one plugin pipeline and one context. Also /healthz, /readyz and /metrics.
 */
import { randomUUID } from 'node:crypto';
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { EnvelopArmorPlugin } from '@escape.tech/graphql-armor';
import { GraphQLError, type ExecutionArgs } from 'graphql';
import { createYoga, type YogaInitialContext } from 'graphql-yoga';
import { CloseCode, type SubscribePayload } from 'graphql-ws';
import { useServer } from 'graphql-ws/use/ws';
import { RateLimiterMemory, RateLimiterRedis } from 'rate-limiter-flexible';
import { WebSocketServer, type WebSocket } from 'ws';
import { bearerToken } from './auth/tokens.js';
import type { Context, Services, Viewer } from './context.js';
import { PulseError } from './errors.js';
import { schema } from './schema/index.js';
import { attachOperation, Fanout } from './transport/fanout.js';
import { startHeartbeat } from './transport/heartbeat.js';
import { renderLocalGraphiQL, serveGraphiQLAsset } from './transport/graphiql.js';
import { createMetrics } from './transport/metrics.js';
import { countOperations, maskUnexpectedErrors, rateLimit, rejectNulCharacters, trackInFlight } from './transport/plugins.js';

/** What graphql-ws keeps per connection (its `ctx.extra`). */
type ConnectionExtra = {
  socket: WebSocket;
  request: IncomingMessage;
  connectionId: string;
  viewer: Viewer | null;
  /** When the connection's token expires (ms since epoch); later operations on it are refused. */
  expiresAt: number | null;
  /** Set by onClose: the socket is gone (possibly while onConnect was still verifying the token). */
  closed?: boolean;
};

type ServerContext = Partial<YogaInitialContext> & {
  req?: IncomingMessage;
  extra?: ConnectionExtra;
};

export interface HttpServer {
  /** Listens on `port` (0: any free port); resolves with the URLs. */
  listen(port: number, host?: string): Promise<{ port: number; url: string; wsUrl: string }>;
  /** Graceful: stop accepting, close sockets with 1001, wait for in-flight mutations. */
  close(): Promise<void>;
}

export function createServer(app: Services, options: { staticHandler?: (req: IncomingMessage, res: ServerResponse) => boolean } = {}): HttpServer {
  const { config, logger } = app;
  const inFlight = { mutations: 0 };
  const metrics = createMetrics(app.streams, app.connections, config.instanceId, config.nodeEnv !== 'test');
  const limiter = app.streams.bus.redis
    ? new RateLimiterRedis({
        storeClient: app.streams.bus.redis,
        keyPrefix: `${config.redisPrefix}rl`,
        points: config.rateLimitPerMinute,
        duration: 60,
        // While Redis is unreachable, limit per instance rather than failing every operation.
        insuranceLimiter: new RateLimiterMemory({ points: config.rateLimitPerMinute, duration: 60 }),
      })
    : new RateLimiterMemory({ points: config.rateLimitPerMinute, duration: 60 });

  async function authenticate(header: unknown): Promise<{ viewer: Viewer | null; expiresAt: number | null }> {
    const token = bearerToken(header);
    if (!token) return { viewer: null, expiresAt: null };
    const claims = await app.tokens.verify(token);
    if (!claims) throw new PulseError('UNAUTHENTICATED', 'The token is invalid or expired; sign in again.');
    return { viewer: { id: claims.userId, role: claims.role }, expiresAt: claims.expiresAt };
  }

  /** The caller's address: the first X-Forwarded-For entry when TRUST_PROXY says a proxy sets it. */
  function clientIp(forwardedFor: string | string[] | null | undefined, socketAddress: string | undefined): string | undefined {
    const header = Array.isArray(forwardedFor) ? forwardedFor[0] : forwardedFor;
    return (config.trustProxy && header?.split(',')[0]?.trim()) || socketAddress;
  }

  const yoga = createYoga<ServerContext, Context>({
    schema,
    graphqlEndpoint: '/graphql',
    graphiql: config.graphiql ? { subscriptionsProtocol: 'WS', title: 'Pulse' } : false,
    renderGraphiQL: renderLocalGraphiQL,
    landingPage: false,
    logging: {
      debug: (...args) => logger.debug(args.map(String).join(' ')),
      info: (...args) => logger.info(args.map(String).join(' ')),
      warn: (...args) => logger.warn(args.map(String).join(' ')),
      error: (...args) => logger.error(args.map(String).join(' ')),
    },
    cors: config.allowedOrigins ? { origin: config.allowedOrigins, credentials: true } : undefined,
    maskedErrors: { isDev: false },
    context: async (initial) => {
      const extra = initial.extra;
      const viewer = extra ? extra.viewer : (await authenticate(initial.request?.headers.get('authorization'))).viewer;
      return {
        app,
        viewer,
        requestId: initial.request?.headers.get('x-request-id') ?? randomUUID(),
        connectionId: extra?.connectionId ?? null,
        ip: extra
          ? clientIp(extra.request.headers['x-forwarded-for'], extra.request.socket.remoteAddress)
          : clientIp(initial.request?.headers.get('x-forwarded-for'), initial.req?.socket.remoteAddress),
      } as Context;
    },
    plugins: [
      EnvelopArmorPlugin({
        maxDepth: { n: 12 },
        maxAliases: { n: 30 },
        maxDirectives: { n: 20 },
        maxTokens: { n: 3000 },
        costLimit: { maxCost: 10000 },
        blockFieldSuggestion: { enabled: config.nodeEnv === 'production' },
      }),
      maskUnexpectedErrors(logger),
      rejectNulCharacters(),
      rateLimit(limiter),
      trackInFlight(inFlight),
      countOperations(metrics.operations),
    ],
  });

  const http = createHttpServer(async (req, res) => {
    try {
      const path = (req.url ?? '/').split('?')[0];
      if (path === '/healthz') return json(res, 200, { status: 'ok', instanceId: config.instanceId });
      if (path === '/readyz') {
        const [database, bus] = await Promise.all([app.database.ping(), app.streams.bus.ping()]);
        return json(res, database && bus ? 200 : 503, { database, bus });
      }
      if (path === '/metrics') {
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
  });

  // Stream subscriptions over WebSocket share one execution and one payload per event per group.
  const fanout = new Fanout(schema, logger);

  const wss = new WebSocketServer({
    server: http,
    path: '/graphql',
    maxPayload: config.maxPayloadBytes,
    verifyClient: ({ origin }, done) => {
      const allowed = !config.allowedOrigins || !origin || config.allowedOrigins.includes(origin);
      done(allowed, allowed ? undefined : 403, allowed ? undefined : 'Origin not allowed');
    },
  });

  const ws = useServer<Record<string, unknown> | undefined, ConnectionExtra>(
    {
      schema,
      onConnect: async (ctx) => {
        const header = ctx.connectionParams?.authorization ?? ctx.connectionParams?.Authorization;
        try {
          Object.assign(ctx.extra, await authenticate(header));
        } catch {
          return false; // graphql-ws closes with 4403 Forbidden
        }
        // The socket may have closed while the token was checked: onClose has run, register nothing.
        if (ctx.extra.closed) return false;
        ctx.extra.connectionId = randomUUID();
        await app.connections.opened(ctx.extra.connectionId, ctx.extra.viewer?.id ?? null);
        return true;
      },
      onClose: async (ctx) => {
        ctx.extra.closed = true;
        if (ctx.extra.connectionId) await app.connections.closed(ctx.extra.connectionId);
      },
      onSubscribe: async (ctx, id, payload: SubscribePayload) => {
        if (ctx.extra.expiresAt && Date.now() >= ctx.extra.expiresAt) {
          ctx.extra.socket.close(CloseCode.Forbidden, 'Token expired');
          return [new PulseError('UNAUTHENTICATED', 'The token expired; reconnect with a new one.')];
        }
        // graphql-ws has already reserved this id in ctx.subscriptions: count the others.
        const running = Object.keys(ctx.subscriptions).filter((other) => other !== id).length;
        if (running >= config.maxSubscriptionsPerConnection) {
          return [
            new PulseError('RATE_LIMITED', `At most ${config.maxSubscriptionsPerConnection} operations may run at once on one connection.`, {
              retryAfterMs: 1000,
            }),
          ];
        }
        const { schema: enveloped, execute, subscribe, contextFactory, parse, validate } = yoga.getEnveloped({
          ...ctx,
          req: ctx.extra.request,
          socket: ctx.extra.socket,
          params: payload,
        } as unknown as Record<string, unknown>);
        let document;
        try {
          document = parse(payload.query);
        } catch (error) {
          return [error instanceof GraphQLError ? error : new GraphQLError('Syntax error.')];
        }
        const errors = validate(enveloped, document);
        if (errors.length > 0) return errors;
        const args: ExecutionArgs = {
          schema: enveloped,
          document,
          operationName: payload.operationName,
          variableValues: payload.variables,
          contextValue: await contextFactory(),
          rootValue: { execute, subscribe },
        };
        attachOperation(fanout, args, {
          socket: ctx.extra.socket,
          id,
          query: payload.query,
          operationName: payload.operationName,
          variables: payload.variables,
          viewerId: ctx.extra.viewer?.id ?? null,
        });
        return args;
      },
      execute: (args) => (args.rootValue as { execute: typeof import('graphql').execute }).execute(args),
      subscribe: (args) => (args.rootValue as { subscribe: typeof import('graphql').subscribe }).subscribe(args),
    },
    wss,
    0, // no per-socket keep-alive timers: one shared heartbeat below
  );
  const stopSocketHeartbeat = startHeartbeat(wss, config.heartbeatMs);

  // Presence and other shared per-user state are refreshed once per heartbeat.
  let heartbeat: NodeJS.Timeout | null = null;

  return {
    listen(port, host = config.host) {
      return new Promise((resolve, reject) => {
        http.once('error', reject);
        // A deep accept queue: a reconnect storm (every client after a restart) must not be reset by the kernel.
        http.listen({ port, host, backlog: 16_384 }, () => {
          http.off('error', reject);
          heartbeat = setInterval(() => void app.connections.heartbeat(), config.heartbeatMs);
          heartbeat.unref();
          const { port: actual } = http.address() as AddressInfo;
          const shown = host === '0.0.0.0' || host === '::' ? 'localhost' : host;
          resolve({ port: actual, url: `http://${shown}:${actual}/graphql`, wsUrl: `ws://${shown}:${actual}/graphql` });
        });
      });
    },
    async close() {
      if (heartbeat) clearInterval(heartbeat);
      stopSocketHeartbeat();
      const closed = new Promise<void>((resolve) => http.close(() => resolve()));
      // 1001 Going Away to every socket; graphql-ws returns their subscriptions' iterators.
      app.connections.shutdown();
      await ws.dispose();
      const deadline = Date.now() + 10_000;
      while (inFlight.mutations > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      http.closeIdleConnections();
      setTimeout(() => http.closeAllConnections(), 2_000).unref();
      await closed;
    },
  };
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

export { CloseCode };
