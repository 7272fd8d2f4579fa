/**
 * graphql-ws on the HTTP server's /graphql upgrade: the connection lifecycle (authentication,
 * registration, revocation, per-address caps, one heartbeat for every socket) and each operation run
 * through the GraphQL pipeline's envelop (yoga.ts), with stream subscriptions handed to the fan-out.
 */
import type { IncomingMessage, Server } from 'node:http';
import { type DocumentNode, GraphQLError, type ExecutionArgs } from 'graphql';
import type { SubscribePayload } from 'graphql-ws';
import { WebSocketServer } from 'ws';
import { authenticate } from '../auth/session.js';
import type { Context, Services } from '../context.js';
import { PulseError, rateLimited, unauthenticated } from '../errors.js';
import { schema } from '../schema/index.js';
import { CloseCode, StandardClose } from './close-codes.js';
import { Fanout } from './fanout.js';
import type { Operation } from './fanout-member.js';
import { serveGraphqlWs } from './graphql-ws.js';
import { startHeartbeat } from './heartbeat.js';
import { newId } from './limits.js';
import { resolvePersisted } from './persisted.js';
import type { ConnectionExtra, GraphQLPipeline } from './yoga.js';

export interface WebSocketTransport {
  /** Closes every socket with 1012 (service restart: resume elsewhere now) and returns their subscriptions. */
  close(): Promise<void>;
}

export function attachWebSocket(http: Server, app: Services, pipeline: GraphQLPipeline): WebSocketTransport {
  const { config, logger } = app;
  const { yoga, persisted, perIp, userStreams } = pipeline;
  const ipOf = (request: IncomingMessage) => pipeline.ipOf(request.headers['x-forwarded-for'], request.socket.remoteAddress);
  // Stream subscriptions share one execution and one payload per event per group.
  const fanout = new Fanout(schema, logger, app.tracing, () => app.subscriptionStats.executed());

  const wss = new WebSocketServer({
    server: http,
    path: '/graphql',
    maxPayload: config.maxPayloadBytes,
    verifyClient: ({ origin, req }, done) => {
      const allowed = !config.allowedOrigins || !origin || config.allowedOrigins.includes(origin);
      if (!allowed) return done(false, 403, 'Origin not allowed');
      if (!perIp.admits(ipOf(req))) return done(false, 429, 'Too many connections from this address (MAX_CONNECTIONS_PER_IP)');
      done(true);
    },
  });
  // Upgrades admitted together may overshoot the cap: the socket past it closes at once (1013 Try Again Later).
  // Over the instance's capacity (MAX_CONNECTIONS) the same: shed with a retryable close before any
  // work (authentication, subscriptions) is done for it; clients back off with full jitter.
  // Counted here, not from wss.clients, so sockets still closing after being shed take no slot.
  let admitted = 0;
  wss.on('connection', (socket, req) => {
    if (config.maxConnections > 0 && admitted >= config.maxConnections) {
      app.metrics.shed.inc();
      return socket.close(StandardClose.TryAgainLater, 'Over capacity (MAX_CONNECTIONS); retry later');
    }
    admitted++;
    socket.once('close', () => admitted--);
    const ip = ipOf(req);
    if (!perIp.add(ip)) return socket.close(StandardClose.TryAgainLater, 'Too many connections from this address');
    socket.once('close', () => perIp.remove(ip));
  });

  const server = serveGraphqlWs<ConnectionExtra>(
    wss,
    {
      schema,
      onConnect: async (ctx) => {
        const header = ctx.connectionParams?.authorization ?? ctx.connectionParams?.Authorization;
        try {
          Object.assign(ctx.extra, await authenticate(app, header));
        } catch (error) {
          // The database could not judge the token: 1013 Try Again Later (clients retry), not a refusal.
          if (error instanceof PulseError && error.extensions.code === 'UNAVAILABLE')
            ctx.extra.socket.close(StandardClose.TryAgainLater, 'Database unavailable; retry');
          return false; // graphql-ws closes with 4403 Forbidden
        }
        // The socket may have closed while the token was checked: onClose has run, register nothing.
        if (ctx.extra.closed) return false;
        if (ctx.extra.viewer) {
          // Revocation and expiry close the socket (4403), ending its subscriptions; revoked meanwhile: 4403 now.
          const { socket } = ctx.extra;
          const registration = userStreams.add(ctx.extra.viewer.id, ctx.extra.version ?? 0, ctx.extra.expiresAt ?? null, (reason) =>
            socket.close(CloseCode.Forbidden, reason === 'revoked' ? 'Token revoked' : 'Token expired'),
          );
          if (!registration) return false;
          ctx.extra.registration = registration;
        }
        ctx.extra.connectionId = newId();
        await app.connections.opened(ctx.extra.connectionId, ctx.extra.viewer?.id ?? null);
        return true;
      },
      onClose: async (ctx) => {
        ctx.extra.closed = true;
        ctx.extra.registration?.remove();
        if (ctx.extra.connectionId) await app.connections.closed(ctx.extra.connectionId);
      },
      onSubscribe: async (ctx, id, sent: SubscribePayload) => {
        // Trusted documents: the same rule as HTTP (persisted.ts).
        const payload = resolvePersisted(persisted, sent);
        if (Array.isArray(payload)) return payload;
        if (ctx.extra.expiresAt && Date.now() >= ctx.extra.expiresAt) {
          ctx.extra.socket.close(CloseCode.Forbidden, 'Token expired');
          return [unauthenticated('The token expired; reconnect with a new one.')];
        }
        // graphql-ws has already reserved this id in ctx.subscriptions: count the others.
        const running = Object.keys(ctx.subscriptions).filter((other) => other !== id).length;
        if (running >= config.maxSubscriptionsPerConnection) {
          return [rateLimited(1000, `At most ${config.maxSubscriptionsPerConnection} operations may run at once on one connection.`)];
        }
        const {
          schema: enveloped,
          execute,
          subscribe,
          contextFactory,
          parse,
          validate,
        } = yoga.getEnveloped({
          // What the operation's context is built from (yoga.ts): the connection, its parameters and the operation.
          extra: ctx.extra,
          connectionParams: ctx.connectionParams,
          socket: ctx.extra.socket,
          params: payload,
        });
        let document: DocumentNode;
        try {
          document = parse(payload.query);
        } catch (error) {
          return [error instanceof GraphQLError ? error : new GraphQLError('Syntax error.')];
        }
        const errors = validate(enveloped, document);
        if (errors.length > 0) return errors;
        const contextValue: Context = await contextFactory();
        const args: ExecutionArgs = {
          schema: enveloped,
          document,
          operationName: payload.operationName,
          variableValues: payload.variables,
          contextValue,
          rootValue: { execute, subscribe },
        };
        const operation: Operation = {
          socket: ctx.extra.socket,
          id,
          query: payload.query,
          operationName: payload.operationName,
          variables: payload.variables,
          viewerId: ctx.extra.viewer?.id ?? null,
          args,
        };
        // The stream field hands its source over here (schema/streams.ts `handOver`): the fan-out sends it.
        contextValue.adoptStream = (source, after) => fanout.adopt(source, operation, after);
        return args;
      },
      execute: (args) => (args.rootValue as { execute: typeof import('graphql').execute }).execute(args),
      subscribe: (args) => (args.rootValue as { subscribe: typeof import('graphql').subscribe }).subscribe(args),
    },
    (socket, request) => ({ socket, ip: ipOf(request) }) as ConnectionExtra,
    logger,
  );
  // One heartbeat: pings every socket (terminating those that missed a pong) and refreshes the
  // per-user state shared between instances (presence).
  const stopHeartbeat = startHeartbeat(wss, config.heartbeatMs, { onTick: () => void app.connections.heartbeat() });

  return {
    async close() {
      stopHeartbeat();
      app.connections.shutdown();
      // 1012 Service Restart: clients resume at once, on another instance, from their cursors.
      for (const socket of wss.clients) socket.close(StandardClose.ServiceRestart, 'Service restart');
      // graphql-ws returns the subscriptions' iterators (and closes any socket left with 1001).
      await server.dispose();
    },
  };
}
