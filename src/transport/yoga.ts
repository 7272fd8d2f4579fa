/**
 * The GraphQL pipeline: one Yoga instance whose envelop plugins every operation goes through, over
 * HTTP and SSE (Yoga itself) and over WebSocket (graphql-ws runs each operation through
 * `yoga.getEnveloped`, see websocket.ts), so all transports share one context and one set of rules:
 * trusted documents, query limits, input validation, rate limits, error masking, metrics, and where
 * `@defer`/`@stream` take effect (incremental.ts).
 */
import type { IncomingMessage } from 'node:http';
import { useDeferStream } from '@graphql-yoga/plugin-defer-stream';
import { createYoga, type YogaInitialContext } from 'graphql-yoga';
import type { WebSocket } from 'ws';
import { ANONYMOUS, authenticate, type Session } from '../auth/session.js';
import type { Context, Services, Viewer } from '../context.js';
import { schema } from '../schema/index.js';
import { createLoaders } from '../schema/loaders.js';
import { clientIp } from './address.js';
import { GRAPHIQL_DEFAULT_QUERY, renderLocalGraphiQL } from './graphiql.js';
import { incrementalDelivery } from './incremental.js';
import { codeDocumentErrors, ConnectionsPerIp, newId, queryLimits, requestIdFrom } from './limits.js';
import { loadPersistedDocuments, persistedOperations, type PersistedDocuments } from './persisted.js';
import {
  badParamsAreBadRequests,
  consumeRateLimit,
  countOperations,
  maskRequestError,
  maskUnexpectedErrors,
  rateLimit,
  rateLimitKey,
  returnUnsentStreams,
  subscriptionsNeedEventStream,
  trackInFlight,
} from './plugins.js';
import { sseStreams } from './sse.js';
import { type StreamRegistration, UserStreams } from './user-streams.js';
import { validateInputs } from './validation.js';

/** What graphql-ws keeps per connection (its `ctx.extra`). */
export type ConnectionExtra = {
  socket: WebSocket;
  /** The client's address, read from the upgrade request (which is not kept: a socket holds only what it needs). */
  ip: string;
  connectionId: string;
  viewer: Viewer | null;
  /** When the connection's token expires (ms since epoch); later operations on it are refused. */
  expiresAt: number | null;
  /** The token version it connected with; a revocation of a later version closes it. */
  version: number | null;
  /** Set by onClose: the socket is gone (possibly while onConnect was still verifying the token). */
  closed?: boolean;
  /** A signed-in socket's place among its user's open streams (revocation and expiry close it). */
  registration?: StreamRegistration;
};

/** What a transport hands Yoga: the node request (HTTP) or the connection (WebSocket). */
type ServerContext = Partial<YogaInitialContext> & {
  req?: IncomingMessage;
  extra?: ConnectionExtra;
};

export interface GraphQLPipeline {
  yoga: ReturnType<typeof createYoga<ServerContext, Context>>;
  persisted: PersistedDocuments;
  /** Mutations running now (a graceful stop waits for them). */
  inFlight: { mutations: number };
  /** Every open stream of each user, WebSocket and SSE alike: revocation and expiry end them. */
  userStreams: UserStreams;
  /** Open WebSockets and SSE streams per client address (`MAX_CONNECTIONS_PER_IP`). */
  perIp: ConnectionsPerIp;
  /** The client address of a request (TRUST_PROXY: address.ts). */
  ipOf(forwardedFor: string | string[] | null | undefined, socketAddress: string | undefined): string;
  /** Stops listening for revocations and the expiry timers. */
  close(): void;
}

export function createPipeline(app: Services): GraphQLPipeline {
  const { config, logger, metrics, rateLimiters } = app;
  const inFlight = { mutations: 0 };
  const persisted = loadPersistedDocuments(config.persistedDocuments);
  const ipOf = (forwardedFor: string | string[] | null | undefined, socketAddress: string | undefined) =>
    clientIp(config.trustProxy, forwardedFor, socketAddress) ?? 'unknown';
  const userStreams = new UserStreams();
  const stopRevocations = app.versions.onRevoked((userId, version) => userStreams.revoke(userId, version));
  const perIp = new ConnectionsPerIp(config.maxConnectionsPerIp);

  // One session per HTTP request: its rate-limit check (as the request arrives) and its context share it.
  const sessions = new WeakMap<Request, Promise<Session>>();
  const sessionOf = (request: Request) => {
    let session = sessions.get(request);
    if (!session) sessions.set(request, (session = authenticate(app, request.headers.get('authorization') ?? undefined)));
    return session;
  };
  const rateCounted = new WeakSet<object>();

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
    // Executions are coded by maskUnexpectedErrors (with the request id); the rest of Yoga's pipeline by the same rules.
    maskedErrors: { maskError: maskRequestError(logger) },
    context: async (initial): Promise<Context> => {
      const extra = initial.extra;
      const viewer = extra ? extra.viewer : initial.request ? (await sessionOf(initial.request)).viewer : null;
      return {
        app,
        viewer,
        requestId: requestIdFrom(initial.request?.headers.get('x-request-id'), newId),
        connectionId: extra?.connectionId ?? null,
        ip: extra ? extra.ip : ipOf(initial.request?.headers.get('x-forwarded-for'), initial.req?.socket.remoteAddress),
        loaders: createLoaders(app.prisma, viewer),
      };
    },
    plugins: [
      badParamsAreBadRequests(),
      persistedOperations(persisted),
      useDeferStream(),
      incrementalDelivery(),
      queryLimits(config),
      codeDocumentErrors(),
      {
        // HTTP requests count against the rate limit as they arrive, before their body is read:
        // malformed ones too. A credential that is refused counts against the address.
        async onRequest({ request, serverContext, fetchAPI, endResponse }) {
          const session = await sessionOf(request).catch(() => ANONYMOUS);
          const ip = ipOf(request.headers.get('x-forwarded-for'), (serverContext as ServerContext).req?.socket.remoteAddress);
          const limited = await consumeRateLimit(rateLimiters.shared, rateLimitKey(session.viewer, ip));
          rateCounted.add(request);
          if (limited) {
            endResponse(
              new fetchAPI.Response(JSON.stringify({ errors: [limited.toJSON()] }), {
                status: 200,
                headers: { 'content-type': 'application/json' },
              }),
            );
          }
        },
      },
      subscriptionsNeedEventStream(),
      sseStreams({ userStreams, perIp, sessionOf }),
      returnUnsentStreams(),
      maskUnexpectedErrors(logger),
      // After masking (spans see the documented codes), before the checks that refuse an operation (they get a span too).
      ...(app.tracing?.plugins ?? []),
      validateInputs(),
      rateLimit(rateLimiters, rateCounted),
      trackInFlight(inFlight),
      countOperations(metrics.operations),
    ],
  });
  return {
    yoga,
    persisted,
    inFlight,
    userStreams,
    perIp,
    ipOf,
    close() {
      stopRevocations();
      userStreams.close();
    },
  };
}
