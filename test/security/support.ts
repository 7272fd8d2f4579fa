/** Helpers shared by the security suites: raw HTTP and raw graphql-transport-ws, for what well-behaved clients never send. */
import { rawSocket } from '../support/ws.js';
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

/** Opens a raw socket and completes connection_init (anonymous unless `authorization` is given). */
export async function initSocket(wsUrl: string, authorization?: unknown) {
  const raw = rawSocket(wsUrl);
  await raw.opened;
  raw.send({ type: 'connection_init', payload: authorization === undefined ? {} : { authorization } });
  await raw.waitFor((m) => m.type === 'connection_ack');
  return raw;
}

/** Live stream subscriptions on the server (what serverStats.activeSubscriptions reports). */
export const live = (server: TestServer) => server.pulse.services.subscriptionStats.activeCount();
