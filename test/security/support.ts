/** Helpers shared by the security suites: raw HTTP and raw graphql-transport-ws, for what well-behaved clients never send. */
import WebSocket from 'ws';
import { deferred, withTimeout } from '../support/client.js';
import type { TestServer } from '../support/server.js';

export interface RawResponse {
  status: number;
  text: string;
  json: any;
}

/** One HTTP request with full control of method, headers and body; never throws on a status. */
export async function rawHttp(
  url: string,
  init: { method?: string; headers?: Record<string, string>; body?: string | Uint8Array } = {},
): Promise<RawResponse> {
  const response = await fetch(url, { method: init.method ?? 'POST', headers: init.headers, body: init.body as BodyInit | undefined });
  const text = await response.text();
  let json: any = null;
  try {
    json = JSON.parse(text);
  } catch {
    // not JSON (406 has no body, SSE is text)
  }
  return { status: response.status, text, json };
}

/** POST /graphql with a JSON body. */
export function post(url: string, body: unknown, headers: Record<string, string> = {}): Promise<RawResponse> {
  return rawHttp(url, {
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
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

/** Opens a raw socket and completes connection_init (anonymous unless `authorization` is given). */
export async function initSocket(wsUrl: string, authorization?: unknown) {
  const raw = rawSocket(wsUrl);
  await raw.opened;
  raw.send({ type: 'connection_init', payload: authorization === undefined ? {} : { authorization } });
  await raw.waitFor((m) => m.type === 'connection_ack');
  return raw;
}

/** Waits (no sleeps) until `predicate` holds. */
export async function until(predicate: () => boolean | Promise<boolean>, what: string, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/** Live stream subscriptions on the server (what serverStats.activeSubscriptions reports). */
export const live = (server: TestServer) => server.pulse.services.streams.activeCount();
