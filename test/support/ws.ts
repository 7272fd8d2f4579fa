/**
 * Real WebSocket clients for tests: graphql-ws `createClient` over `ws` (every event queued; tests
 * wait with a timeout, never on sleeps), and raw graphql-transport-ws sockets for what it never sends.
 */
import type { GraphQLFormattedError } from 'graphql';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { deferred, withTimeout } from './wait.js';

/** A live subscription whose events are queued until a test takes them. */
export class TestSubscription<T = any> {
  readonly received: T[] = [];
  private readonly queue: T[] = [];
  private waiters: { resolve(v: T): void; reject(e: unknown): void }[] = [];
  private readonly finished = deferred<{ errors?: unknown }>();
  private dispose: () => void = () => {};
  done = false;
  error: unknown = null;

  constructor(client: Client, query: string, variables?: Record<string, unknown>) {
    this.dispose = client.subscribe<T>(
      { query, variables },
      {
        next: (message) => {
          if (message.errors) {
            this.error = message.errors;
            this.fail(message.errors);
            return;
          }
          const value = message.data as T;
          this.received.push(value);
          const waiter = this.waiters.shift();
          if (waiter) waiter.resolve(value);
          else this.queue.push(value);
        },
        error: (error) => {
          this.error = error;
          this.fail(error);
        },
        complete: () => {
          this.done = true;
          this.finished.resolve({});
          for (const waiter of this.waiters.splice(0)) waiter.reject(new Error('subscription completed'));
        },
      },
    );
  }

  private fail(error: unknown) {
    this.done = true;
    this.finished.resolve({ errors: error });
    for (const waiter of this.waiters.splice(0)) waiter.reject(error);
  }

  /** The next event (queued or future), or a rejection after `ms`. */
  next(ms = 10_000): Promise<T> {
    const queued = this.queue.shift();
    if (queued !== undefined) return Promise.resolve(queued);
    if (this.done) return Promise.reject(this.error ?? new Error('subscription completed'));
    const waiter = deferred<T>();
    this.waiters.push(waiter);
    return withTimeout(waiter.promise, ms, 'the next subscription event').catch((error) => {
      this.waiters = this.waiters.filter((w) => w !== waiter);
      throw error;
    });
  }

  /** The next `count` events, in order. */
  async take(count: number, ms = 20_000): Promise<T[]> {
    const events: T[] = [];
    const deadline = Date.now() + ms;
    while (events.length < count) events.push(await this.next(Math.max(1, deadline - Date.now())));
    return events;
  }

  /** Events queued but not yet taken. */
  get pending(): readonly T[] {
    return this.queue;
  }

  /** Resolves when the server completes or errors the subscription. */
  ended(ms = 10_000): Promise<{ errors?: unknown }> {
    return withTimeout(this.finished.promise, ms, 'the subscription to end');
  }

  unsubscribe(): void {
    this.dispose();
  }
}

/**
 * The first GraphQL error of an ended subscription's `errors` (what graphql-ws reported: an `error`
 * message's list), with its extensions; fails the test when the subscription did not end with one.
 */
export function firstError(errors: unknown): GraphQLFormattedError & { extensions: Record<string, unknown> } {
  if (!Array.isArray(errors) || errors.length === 0) throw new Error(`expected GraphQL errors, got ${String(errors)}`);
  const first = errors[0] as GraphQLFormattedError;
  return { ...first, extensions: first.extensions ?? {} };
}

export interface WsClient {
  client: Client;
  subscribe<T = any>(query: string, variables?: Record<string, unknown>): TestSubscription<T>;
  /** Resolves with the close code once the socket closes. */
  closed: Promise<number>;
  /** Resolves once connection_ack arrived (rejects if the socket closes first). */
  connected: Promise<void>;
  /** Closes the socket abruptly (as a dropped network would) and waits for the close. */
  drop(): Promise<void>;
  dispose(): Promise<void>;
}

/** A graphql-ws client over `ws`, connected eagerly, no retries (tests reconnect explicitly). */
export function connectWs(wsUrl: string, token?: string | null, extra: { connectionParams?: Record<string, unknown> } = {}): WsClient {
  const closed = deferred<number>();
  const connected = deferred<void>();
  let socket: WebSocket | null = null;
  const client = createClient({
    url: wsUrl,
    webSocketImpl: WebSocket,
    lazy: false,
    onNonLazyError: () => {}, // the close is observed through `closed`
    retryAttempts: 0,
    connectionParams: extra.connectionParams ?? (token ? { authorization: `Bearer ${token}` } : {}),
    on: {
      opened: (s) => (socket = s as WebSocket),
      connected: () => connected.resolve(),
      closed: (event) => {
        const code = (event as { code?: number })?.code ?? 0;
        connected.reject(new Error(`socket closed with ${code} before connection_ack`));
        closed.resolve(code);
      },
    },
  });
  const connectedWithin = withTimeout(connected.promise, 10_000, 'connection_ack');
  connectedWithin.catch(() => {}); // a test that expects a refusal never awaits it
  return {
    client,
    subscribe: (query, variables) => new TestSubscription(client, query, variables),
    closed: closed.promise,
    connected: connectedWithin,
    async drop() {
      socket?.terminate();
      await withTimeout(closed.promise, 10_000, 'the socket to close');
    },
    async dispose() {
      await client.dispose();
    },
  };
}

/** A raw graphql-transport-ws socket: every message queued, the close (or refused upgrade) observed. */
export function rawSocket(wsUrl: string, headers: Record<string, string> = {}) {
  const socket = new WebSocket(wsUrl, 'graphql-transport-ws', { headers });
  const messages: any[] = [];
  const closed = deferred<{ code: number; reason: string }>();
  const opened = deferred<void>();
  let notify: (() => void) | null = null;
  socket.on('open', () => opened.resolve());
  socket.on('message', (data) => {
    messages.push(JSON.parse(String(data)));
    notify?.();
  });
  socket.on('close', (code, reason) => {
    closed.resolve({ code, reason: String(reason) });
    notify?.();
  });
  socket.on('error', () => {});
  socket.on('unexpected-response', (_req, res) => closed.resolve({ code: res.statusCode ?? 0, reason: 'http' }));
  const openedWithin = withTimeout(opened.promise, 5_000, 'the socket to open');
  const closedWithin = withTimeout(closed.promise, 10_000, 'the socket to close');
  openedWithin.catch(() => {});
  closedWithin.catch(() => {});
  let isClosed = false;
  closed.promise.then(() => (isClosed = true));
  return {
    socket,
    messages,
    opened: openedWithin,
    closed: closedWithin,
    get isClosed() {
      return isClosed;
    },
    send(message: unknown) {
      socket.send(typeof message === 'string' ? message : JSON.stringify(message));
    },
    /** Resolves with the first queued message matching `predicate` (waiting for it), or rejects on close/timeout. */
    async waitFor(predicate: (message: any) => boolean, ms = 10_000): Promise<any> {
      const deadline = Date.now() + ms;
      for (;;) {
        const found = messages.find(predicate);
        if (found) return found;
        if (isClosed) throw new Error(`socket closed while waiting; got ${JSON.stringify(messages).slice(0, 500)}`);
        if (Date.now() > deadline) throw new Error(`timed out waiting; got ${JSON.stringify(messages).slice(0, 500)}`);
        await new Promise<void>((resolve) => {
          notify = resolve;
          setTimeout(resolve, 50).unref();
        });
      }
    },
  };
}
