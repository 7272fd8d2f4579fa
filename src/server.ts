/**
 * Transport: one node:http server. Yoga serves HTTP (and SSE) at /graphql, graphql-ws serves the
 * WebSocket upgrade on the same path and runs every operation through `yoga.getEnveloped`, so both
 * share one plugin pipeline and one context. Also /healthz, /readyz and /metrics.
 */
import { randomUUID } from 'node:crypto';
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { GraphQLError, type ExecutionArgs } from 'graphql';
import { createYoga, type YogaInitialContext } from 'graphql-yoga';
import { CloseCode, type SubscribePayload } from 'graphql-ws';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer, type WebSocket } from 'ws';
import { onRevocation } from './auth/revocation.js';
import { ANONYMOUS, authenticate, type Session } from './auth/session.js';
import type { Context, Services, Viewer } from './context.js';
import { PulseError } from './errors.js';
import { schema } from './schema/index.js';
import { attachOperation, Fanout } from './transport/fanout.js';
import { startHeartbeat } from './transport/heartbeat.js';
import { GRAPHIQL_DEFAULT_QUERY, renderLocalGraphiQL, serveGraphiQLAsset } from './transport/graphiql.js';
import { refuseServerOnlyFrames } from './transport/frames.js';
import { ConnectionsPerIp, codeDocumentErrors, queryLimits, refuseRequest, requestIdFrom } from './transport/limits.js';
import { metricsAllowed } from './transport/metrics-access.js';
import {
  consumeRateLimit,
  countOperations,
  maskUnexpectedErrors,
  rateLimit,
  rateLimitKey,
  returnUnsentStreams,
  subscriptionsNeedEventStream,
  trackInFlight,
} from './transport/plugins.js';
import { loadPersistedDocuments, persistedOperations, resolvePersisted } from './transport/persisted.js';
import { SocketsByUser } from './transport/sockets.js';
import { validateInputs } from './transport/validation.js';

/** What graphql-ws keeps per connection (its `ctx.extra`). */
type ConnectionExtra = {
  socket: WebSocket;
  request: IncomingMessage;
  connectionId: string;
  viewer: Viewer | null;
  /** When the connection's token expires (ms since epoch); later operations on it are refused. */
  expiresAt: number | null;
  /** The token version it connected with; a revocation of a later version closes it. */
  version: number | null;
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
  /** Deploys: /readyz answers 503 from now on (the load balancer stops sending clients); everything else keeps serving. */
  drain(): void;
  /** Graceful: stop accepting, close sockets with 1012 (service restart: resume elsewhere now), wait for in-flight mutations. */
  close(): Promise<void>;
}

export function createServer(app: Services, options: { staticHandler?: (req: IncomingMessage, res: ServerResponse) => boolean } = {}): HttpServer {
  const { config, logger } = app;
  const inFlight = { mutations: 0 };
  let draining = false;
  const { metrics, rateLimiter: limiter } = app;
  const persisted = loadPersistedDocuments(config.persistedDocuments);

  // One session per HTTP request: its rate-limit check (as the request arrives) and its context share it.
  const sessions = new WeakMap<Request, Promise<Session>>();
  const sessionOf = (request: Request) => {
    let session = sessions.get(request);
    if (!session) sessions.set(request, (session = authenticate(app, request.headers.get('authorization') ?? undefined)));
    return session;
  };
  const rateCounted = new WeakSet<object>();
  const perIp = new ConnectionsPerIp(config.maxConnectionsPerIp);
  const sockets = new SocketsByUser();
  const stopRevocations = onRevocation(app, (userId, version) => sockets.revoke(userId, version)).catch((err: unknown) => {
    logger.error({ err }, 'listening for token revocations failed');
    return () => {};
  });

  /** The caller's address: the first X-Forwarded-For entry when TRUST_PROXY says a proxy sets it. */
  function clientIp(forwardedFor: string | string[] | null | undefined, socketAddress: string | undefined): string | undefined {
    const header = Array.isArray(forwardedFor) ? forwardedFor[0] : forwardedFor;
    return (config.trustProxy && header?.split(',')[0]?.trim()) || socketAddress;
  }

  const yoga = createYoga<ServerContext, Context>({
    schema,
    graphqlEndpoint: '/graphql',
    graphiql: config.graphiql ? { subscriptionsProtocol: 'WS', title: 'Pulse', defaultQuery: GRAPHIQL_DEFAULT_QUERY } : false,
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
    context: async (initial): Promise<Context> => {
      const extra = initial.extra;
      const viewer = extra ? extra.viewer : initial.request ? (await sessionOf(initial.request)).viewer : null;
      return {
        app,
        viewer,
        requestId: requestIdFrom(initial.request?.headers.get('x-request-id'), randomUUID),
        connectionId: extra?.connectionId ?? null,
        ip: extra
          ? clientIp(extra.request.headers['x-forwarded-for'], extra.request.socket.remoteAddress)
          : clientIp(initial.request?.headers.get('x-forwarded-for'), initial.req?.socket.remoteAddress),
      };
    },
    plugins: [
      persistedOperations(persisted),
      queryLimits(config),
      codeDocumentErrors(),
      {
        // HTTP requests count against the rate limit as they arrive, before their body is read:
        // malformed ones too. A credential that is refused counts against the address.
        async onRequest({ request, serverContext, fetchAPI, endResponse }) {
          const session = await sessionOf(request).catch(() => ANONYMOUS);
          const ip = clientIp(request.headers.get('x-forwarded-for'), (serverContext as ServerContext).req?.socket.remoteAddress);
          const limited = await consumeRateLimit(limiter, rateLimitKey(session.viewer, ip));
          rateCounted.add(request);
          if (limited) {
            endResponse(new fetchAPI.Response(JSON.stringify({ errors: [limited.toJSON()] }), { status: 200, headers: { 'content-type': 'application/json' } }));
          }
        },
      },
      subscriptionsNeedEventStream(),
      returnUnsentStreams(),
      maskUnexpectedErrors(logger),
      validateInputs(),
      rateLimit(limiter, rateCounted),
      trackInFlight(inFlight),
      countOperations(metrics.operations),
    ],
  });

  const http = createHttpServer(async (req, res) => {
    try {
      const refusal = refuseRequest(req, config.maxBodyBytes);
      if (refusal) return json(res, refusal.status, { error: refusal.message });
      const path = (req.url ?? '/').split('?')[0];
      if (path === '/healthz') return json(res, 200, { status: 'ok', instanceId: config.instanceId });
      if (path === '/readyz') {
        if (draining) return json(res, 503, { draining: true });
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
  });

  // Stream subscriptions over WebSocket share one execution and one payload per event per group.
  const fanout = new Fanout(schema, logger);

  const wss = new WebSocketServer({
    server: http,
    path: '/graphql',
    maxPayload: config.maxPayloadBytes,
    verifyClient: ({ origin, req }, done) => {
      const allowed = !config.allowedOrigins || !origin || config.allowedOrigins.includes(origin);
      if (!allowed) return done(false, 403, 'Origin not allowed');
      const ip = clientIp(req.headers['x-forwarded-for'], req.socket.remoteAddress) ?? 'unknown';
      if (!perIp.admits(ip)) return done(false, 429, 'Too many connections from this address (MAX_CONNECTIONS_PER_IP)');
      done(true);
    },
  });
  // Upgrades admitted together may overshoot the cap: the socket past it closes at once (1013 Try Again Later).
  wss.on('connection', (socket, req) => {
    const ip = clientIp(req.headers['x-forwarded-for'], req.socket.remoteAddress) ?? 'unknown';
    if (!perIp.add(ip)) return socket.close(1013, 'Too many connections from this address');
    socket.once('close', () => perIp.remove(ip));
    refuseServerOnlyFrames(socket);
  });

  const ws = useServer<Record<string, unknown> | undefined, ConnectionExtra>(
    {
      schema,
      onConnect: async (ctx) => {
        const header = ctx.connectionParams?.authorization ?? ctx.connectionParams?.Authorization;
        try {
          Object.assign(ctx.extra, await authenticate(app, header));
        } catch (error) {
          // The database could not judge the token: 1013 Try Again Later (clients retry), not a refusal.
          if (error instanceof PulseError && error.extensions.code === 'UNAVAILABLE') ctx.extra.socket.close(1013, 'Database unavailable; retry');
          return false; // graphql-ws closes with 4403 Forbidden
        }
        // The socket may have closed while the token was checked: onClose has run, register nothing.
        if (ctx.extra.closed) return false;
        if (ctx.extra.viewer && !sockets.add(ctx.extra.viewer.id, ctx.extra.version ?? 0, ctx.extra.socket)) return false; // revoked meanwhile: 4403
        ctx.extra.connectionId = randomUUID();
        await app.connections.opened(ctx.extra.connectionId, ctx.extra.viewer?.id ?? null);
        return true;
      },
      onClose: async (ctx) => {
        ctx.extra.closed = true;
        if (ctx.extra.viewer) sockets.remove(ctx.extra.viewer.id, ctx.extra.socket);
        if (ctx.extra.connectionId) await app.connections.closed(ctx.extra.connectionId);
      },
      onSubscribe: async (ctx, id, sent: SubscribePayload) => {
        // Trusted documents: the same rule as HTTP (src/transport/persisted.ts).
        const payload = resolvePersisted(persisted, sent);
        if (Array.isArray(payload)) return payload;
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
    drain() {
      draining = true;
    },
    async close() {
      draining = true;
      if (heartbeat) clearInterval(heartbeat);
      (await stopRevocations)();
      stopSocketHeartbeat();
      const closed = new Promise<void>((resolve) => http.close(() => resolve()));
      app.connections.shutdown();
      // 1012 Service Restart: clients resume at once, on another instance, from their cursors.
      for (const socket of wss.clients) socket.close(1012, 'Service restart');
      // graphql-ws returns the subscriptions' iterators (and closes any socket left with 1001).
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

