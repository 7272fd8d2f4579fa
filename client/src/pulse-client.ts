/**
 * `createPulseClient`: an Apollo Client 4 for Pulse. Queries and mutations go over HTTP with the
 * token on every request; subscriptions go over one graphql-ws socket that reconnects forever
 * (exponential backoff with jitter; at once after a 1012 "service restart", which a draining server
 * sends; with FULL jitter after a 1013 "try again later", which an overloaded server sends, so a
 * crowd refused together does not come back together), reads the token again on every connect.
 * A subscription answered UNAVAILABLE (a dependency is down or saturated) is sent again after its
 * `retryAfterMs`, with the same full jitter, instead of failing. It RESUMES every
 * active subscription after the last event it delivered, so nothing is lost or repeated across a
 * server restart or a move to another instance. Queries and mutations may use `@defer`: the deferred
 * parts arrive over the same HTTP response (multipart) and are merged into the result as they come.
 */
import { ApolloClient, ApolloLink, CombinedGraphQLErrors, HttpLink, InMemoryCache } from '@apollo/client';
import { Defer20220824Handler } from '@apollo/client/incremental';
import { SetContextLink } from '@apollo/client/link/context';
import { PersistedQueryLink } from '@apollo/client/link/persisted-queries';
import { OperationTypeNode, print, type DocumentNode } from 'graphql';
import { createClient, type Client, type SubscribePayload } from 'graphql-ws';
import { Observable } from 'rxjs';
import { overloadDelayMs, retryDelayMs, SERVICE_RESTART, TRY_AGAIN_LATER } from './backoff.js';

/** What the subscription socket is doing; `reconnecting` covers the wait between attempts. */
export type ConnectionState = 'idle' | 'connecting' | 'connected' | 'reconnecting' | 'closed';

export interface PulseClientOptions {
  /** HTTP endpoint, e.g. `http://localhost:4000/graphql` or `/graphql` in a page served by Pulse. */
  url: string;
  /** WebSocket endpoint (or a function giving one per connection attempt); derived from `url` (http -> ws) when omitted. */
  wsUrl?: string | (() => string);
  /** Called for every HTTP request and on every (re)connect of the socket, so a refreshed token is used. */
  getToken: () => string | null | undefined | Promise<string | null | undefined>;
  /**
   * A subscription may have missed events: refetch what it shows. Called when it reports `kind: GAP`
   * (events were trimmed before it could resume; the GAP event is still delivered), and when the
   * socket came back before a subscription started without `after` had delivered any event (no
   * position to resume from). Subscribe with `after` = the query's snapshot cursor (`seatsCursor`,
   * `streamCursor`, …) and the second case never happens.
   */
  onGap?: (operationName: string, variables: Record<string, unknown>) => void;
  onConnectionChange?: (state: ConnectionState) => void;
  /** A WebSocket implementation for Node (`ws`); browsers use their own. */
  webSocketImpl?: unknown;
  /** false: connect at once and stay connected, even with no subscription (the page shows the state). */
  lazy?: boolean;
}

/** An Apollo Client plus the socket it subscribes over. */
export type PulseClient = ApolloClient & {
  readonly ws: Client;
  /** Stops Apollo and closes the socket for good. */
  dispose(): Promise<void>;
};

export function createPulseClient(options: PulseClientOptions): PulseClient {
  const lazy = options.lazy ?? true;
  let disposed = false;
  let connected = false;
  let active = 0;
  let lastCloseCode: number | null = null;
  const report = (state: ConnectionState) => options.onConnectionChange?.(state);
  const authorization = async (): Promise<string | null> => {
    const token = await options.getToken();
    return token ? `Bearer ${token}` : null;
  };

  const ws = createClient({
    url: options.wsUrl ?? toWebSocketUrl(options.url),
    webSocketImpl: options.webSocketImpl,
    lazy,
    // A function, so the token is read again for every connection_init (after a refresh, on reconnect).
    connectionParams: async () => {
      const value = await authorization();
      return value ? { authorization: value } : {};
    },
    retryAttempts: Infinity,
    shouldRetry: () => true,
    // A draining server closes with 1012 once the load balancer no longer routes to it: the first
    // attempt after that goes out at once (to another instance); later ones back off as usual.
    retryWait: (retries) =>
      new Promise((resolve) =>
        setTimeout(
          resolve,
          lastCloseCode === TRY_AGAIN_LATER
            ? overloadDelayMs(retries)
            : retries === 0 && lastCloseCode === SERVICE_RESTART
              ? 0
              : retryDelayMs(retries),
        ),
      ),
    on: {
      connecting: (isRetry) => report(isRetry ? 'reconnecting' : 'connecting'),
      connected: () => {
        connected = true;
        report('connected');
      },
      closed: (event) => {
        lastCloseCode = (event as { code?: number } | undefined)?.code ?? null;
        connected = false;
        report(disposed ? 'closed' : !lazy || active > 0 ? 'reconnecting' : 'idle');
      },
    },
  });

  const http = new SetContextLink(async (previous) => {
    const value = await authorization();
    return value ? { headers: { ...previous.headers, authorization: value } } : {};
  }).concat(new HttpLink({ uri: options.url }));

  const subscriptions = new ResumableWsLink(ws, {
    onGap: options.onGap,
    isConnected: () => connected,
    countActive: (delta) => (active += delta),
  });
  const transport = ApolloLink.split((operation) => operation.operationType === OperationTypeNode.SUBSCRIPTION, subscriptions, http);
  // Trusted documents: the generated ones carry their hash, which is sent instead of the text.
  const persisted = new PersistedQueryLink({ generateHash: (document) => trustedHash(document) ?? '' });
  const apollo = new ApolloClient({
    link: ApolloLink.split((operation) => trustedHash(operation.query) !== null, persisted.concat(transport), transport),
    cache: new InMemoryCache(),
    // `@defer` as Pulse's server delivers it (Yoga: the 2022-08-24 incremental format).
    incrementalHandler: new Defer20220824Handler(),
  });

  return Object.assign(apollo, {
    ws,
    async dispose() {
      disposed = true;
      apollo.stop();
      await ws.dispose();
      report('closed');
    },
  });
}

/**
 * Sends subscriptions over graphql-ws and keeps each one resumable. graphql-ws re-sends a
 * subscription's payload object on every reconnect (it serializes it afresh per attempt), so moving
 * that object's `after` variable to the cursor of the last delivered event makes the server replay
 * exactly what was missed. Ephemeral events (cursor null) leave the position where it was.
 */
class ResumableWsLink extends ApolloLink {
  constructor(
    private readonly ws: Client,
    private readonly hooks: {
      onGap: PulseClientOptions['onGap'];
      isConnected: () => boolean;
      countActive: (delta: number) => void;
    },
  ) {
    super();
  }

  override request(operation: ApolloLink.Operation): Observable<ApolloLink.Result> {
    return new Observable((observer) => {
      const resumable = declaresVariable(operation.query, 'after');
      const payload: Mutable<SubscribePayload> = {
        query: print(operation.query),
        operationName: operation.operationName,
        variables: { ...operation.variables },
        extensions: operation.extensions,
      };
      const gap = () => this.hooks.onGap?.(operation.operationName ?? '', { ...operation.variables });
      // The first connection this subscription is sent on is its start; any later one is a resubscribe.
      let connections = this.hooks.isConnected() ? 1 : 0;
      const stopWatching = this.ws.on('connected', () => {
        connections++;
        if (connections > 1 && resumable && payload.variables?.after == null) gap();
      });
      this.hooks.countActive(1);
      let unsubscribe = () => {};
      let retries = 0;
      let retry: ReturnType<typeof setTimeout> | undefined;
      const send = () => {
        unsubscribe = this.ws.subscribe<Record<string, unknown>>(payload, {
          next,
          error: (error) => {
            // Overloaded or without its database: send it again (from where it was) after a spread-out wait.
            const retryAfterMs = unavailableRetryAfter(error);
            if (retryAfterMs === null) return observer.error(toError(error));
            retry = setTimeout(send, overloadDelayMs(retries++, retryAfterMs));
          },
          complete: () => observer.complete(),
        });
      };
      const next = (result: { data?: Record<string, unknown> | null }) => {
        retries = 0;
        const event = firstField(result.data);
        if (resumable && typeof event?.cursor === 'string' && event.cursor) {
          payload.variables = { ...payload.variables, after: event.cursor };
        }
        if (event?.kind === 'GAP') gap();
        observer.next(result as ApolloLink.Result);
      };
      send();
      return () => {
        this.hooks.countActive(-1);
        stopWatching();
        clearTimeout(retry);
        unsubscribe();
      };
    });
  }
}

/** `retryAfterMs` of an UNAVAILABLE answer to a subscription (graphql-ws delivers its errors as an array), else null. */
function unavailableRetryAfter(error: unknown): number | null {
  if (!Array.isArray(error)) return null;
  const unavailable = error.find((e) => (e as { extensions?: { code?: unknown } })?.extensions?.code === 'UNAVAILABLE') as
    | { extensions: { retryAfterMs?: unknown } }
    | undefined;
  if (!unavailable) return null;
  const after = Number(unavailable.extensions.retryAfterMs);
  return Number.isFinite(after) && after >= 0 ? after : 1_000;
}

/** The hash graphql-codegen put on a generated document (`persistedDocuments: true`), if any. */
function trustedHash(document: DocumentNode): string | null {
  const hash = (document as { __meta__?: { hash?: unknown } }).__meta__?.hash;
  return typeof hash === 'string' ? hash : null;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

function declaresVariable(document: DocumentNode, name: string): boolean {
  return document.definitions.some(
    (d) => d.kind === 'OperationDefinition' && d.variableDefinitions?.some((v) => v.variable.name.value === name),
  );
}

/** The subscription's root field (the stream envelope). */
function firstField(data: unknown): Record<string, unknown> | null {
  if (!data || typeof data !== 'object') return null;
  const value = Object.values(data)[0];
  return value && typeof value === 'object' ? (value as Record<string, unknown>) : null;
}

function toError(error: unknown): Error {
  if (error instanceof Error) return error;
  if (Array.isArray(error)) return new CombinedGraphQLErrors({ errors: error });
  if (error && typeof error === 'object' && 'code' in error) {
    const { code, reason } = error as { code: number; reason?: string };
    return new Error(`Socket closed with ${code}${reason ? ` ${reason}` : ''}`);
  }
  return new Error(String(error));
}

function toWebSocketUrl(url: string): string {
  const base = (globalThis as { location?: { href: string } }).location?.href;
  const absolute = new URL(url, base);
  absolute.protocol = absolute.protocol === 'https:' ? 'wss:' : 'ws:';
  return absolute.toString();
}
