/**
 * Real clients for tests: GraphQL over HTTP (fetch) and over WebSocket (graphql-ws `createClient`
 * over `ws`). Every incoming event is queued; tests wait on deferreds with a timeout, never on sleeps.
 */
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';

export interface GqlResult<T = any> {
  data?: T;
  errors?: { message: string; extensions?: Record<string, any>; path?: (string | number)[] }[];
}

/** One GraphQL request over HTTP. */
export async function gql<T = any>(
  url: string,
  query: string,
  variables?: Record<string, unknown>,
  token?: string | null,
): Promise<GqlResult<T>> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  return (await response.json()) as GqlResult<T>;
}

/** Like `gql` but throws if there are errors; returns `data`. */
export async function gqlOk<T = any>(url: string, query: string, variables?: Record<string, unknown>, token?: string | null): Promise<T> {
  const result = await gql<T>(url, query, variables, token);
  if (result.errors?.length) throw new Error(`GraphQL errors: ${JSON.stringify(result.errors)}`);
  return result.data as T;
}

/** The `extensions.code` of the first error (or undefined). */
export function errorCode(result: GqlResult): string | undefined {
  return result.errors?.[0]?.extensions?.code;
}

export interface TestUser {
  id: string;
  username: string;
  token: string;
}

let userCounter = 0;

/** Registers a fresh user and returns its id and token. */
export async function registerUser(url: string, prefix = 'user'): Promise<TestUser> {
  const username = `${prefix}_${process.pid}_${++userCounter}_${Math.random().toString(36).slice(2, 6)}`.slice(0, 32);
  const data = await gqlOk(url, 'mutation($input: RegisterInput!) { register(input: $input) { token user { id username } } }', {
    input: { username, password: 'correct horse battery' },
  });
  return { id: data.register.user.id, username, token: data.register.token };
}

export function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Rejects after `ms` with a message naming what was awaited. */
export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise<T>((_, reject) => (timer = setTimeout(() => reject(new Error(`Timed out after ${ms} ms waiting for ${what}`)), ms))),
  ]);
}

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

/** Runs `fn` for every queued disposer after a test, in reverse order. */
export function disposers() {
  const list: (() => unknown)[] = [];
  return {
    add<T extends { dispose?: () => unknown; stop?: () => unknown }>(thing: T): T {
      list.push(() => (thing.dispose ? thing.dispose() : thing.stop?.()));
      return thing;
    },
    defer(fn: () => unknown) {
      list.push(fn);
    },
    async run() {
      for (const fn of list.splice(0).reverse()) {
        try {
          await fn();
        } catch {
          // best effort: a failed cleanup must not hide the test's own failure
        }
      }
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
