/**
 * graphql-ws's protocol server (`makeServer`) on `ws` sockets: what `graphql-ws/use/ws` does, minus
 * its per-socket keep-alive timers (one heartbeat serves every socket: heartbeat.ts), and with the
 * frames a client sends looked at once before the protocol sees them:
 *
 * - a frame of a type only a server sends (`connection_ack`, `next`, `error`) is the client's protocol
 *   error: 4400, as for every other malformed frame (graphql-ws would treat it as its own failure, 4500);
 * - a `subscribe` naming a trusted document by hash alone (`extensions.persistedQuery`, no `query`) is
 *   valid here as over HTTP: it gets an empty text, which the stored document replaces in
 *   `onSubscribe` (persisted.ts). graphql-ws would refuse it (4400, ending every operation on the socket).
 *
 * And the `connection_init` deadline (3 s, else 4408) is judged here, after the socket's pending reads:
 * on an event loop saturated by a connect storm, graphql-ws's own timer fires before the frame that
 * arrived in time is read (timers run before I/O), refusing clients that did nothing wrong.
 */
import type { IncomingMessage } from 'node:http';
import { handleProtocols, makeServer, type ServerOptions } from 'graphql-ws';
import type { Logger } from 'pino';
import type { WebSocket, WebSocketServer } from 'ws';
import { CloseCode, StandardClose } from './close-codes.js';

const SERVER_ONLY = /"type"\s*:\s*"(connection_ack|next|error)"/;
const CONNECTION_INIT = /"type"\s*:\s*"connection_init"/;
/** graphql-ws's default: a client must send `connection_init` this soon after opening. */
const INIT_WAIT_MS = 3_000;
const SERVER_ONLY_TYPES = new Set(['connection_ack', 'next', 'error']);

export interface GraphqlWsServer {
  /** Closes every socket still open with 1001, then the WebSocket server. */
  dispose(): Promise<void>;
}

export function serveGraphqlWs<E extends { socket: WebSocket }>(
  wss: WebSocketServer,
  options: ServerOptions<Record<string, unknown> | undefined, E>,
  extraOf: (socket: WebSocket, request: IncomingMessage) => E,
  logger: Logger,
): GraphqlWsServer {
  const server = makeServer({ ...options, connectionInitWaitTimeout: 0 });
  wss.options.handleProtocols = handleProtocols;
  // The HTTP server's errors are re-emitted here (ws): log them, never crash on them.
  wss.on('error', (err) => logger.error({ err }, 'WebSocket server error'));
  wss.on('connection', (socket, request) => {
    // A frame too big or not valid WebSocket: `ws` has already closed the socket (1009, 1002, ...).
    socket.on('error', (err) => logger.debug({ err }, 'WebSocket error'));
    let initSeen = false;
    // Judged in the check phase after the timer: frames that arrived in time have been read by then.
    const initWait = setTimeout(
      () =>
        setImmediate(() => {
          if (!initSeen) socket.close(CloseCode.ConnectionInitialisationTimeout, 'Connection initialisation timeout');
        }),
      INIT_WAIT_MS,
    );
    socket.once('close', () => clearTimeout(initWait));
    const closed = server.opened(
      {
        protocol: socket.protocol,
        send: (data) =>
          new Promise((resolve, reject) => {
            if (socket.readyState !== socket.OPEN) return resolve();
            socket.send(data, (err) => (err ? reject(err) : resolve()));
          }),
        close: (code, reason) => socket.close(code, reason),
        onMessage: (handle) =>
          socket.on('message', (data, isBinary) => {
            const text = isBinary ? null : screen(String(data), socket);
            if (text === null) return;
            if (!initSeen && CONNECTION_INIT.test(text)) {
              initSeen = true;
              clearTimeout(initWait);
            }
            handle(text).catch((err: unknown) => {
              logger.error({ err }, 'graphql-ws failed to handle a message');
              socket.close(CloseCode.InternalServerError, 'Internal server error');
            });
          }),
      },
      extraOf(socket, request),
    );
    socket.once('close', (code, reason) => void closed(code, String(reason)));
  });
  return {
    async dispose() {
      for (const client of wss.clients) client.close(StandardClose.GoingAway, 'Going away');
      wss.removeAllListeners();
      await new Promise<void>((resolve, reject) => wss.close((err) => (err ? reject(err) : resolve())));
    },
  };
}

/** The frame to hand graphql-ws, or null when it was refused here (the socket is closing with 4400). */
function screen(text: string, socket: WebSocket): string | null {
  // The cheap tests first: almost every frame passes both untouched.
  if (SERVER_ONLY.test(text)) {
    const type = parsed(text)?.type;
    if (typeof type === 'string' && SERVER_ONLY_TYPES.has(type)) {
      socket.close(CloseCode.BadRequest, `Unexpected message of type ${type}`);
      return null;
    }
  }
  if (text.includes('"persistedQuery"')) {
    const message = parsed(text) as { type?: unknown; payload?: { query?: unknown; extensions?: { persistedQuery?: unknown } } } | null;
    const payload = message?.payload;
    if (
      message?.type === 'subscribe' &&
      payload &&
      typeof payload === 'object' &&
      payload.query === undefined &&
      payload.extensions?.persistedQuery
    ) {
      payload.query = '';
      return JSON.stringify(message);
    }
  }
  return text;
}

/** The frame as an object; null when it is not JSON (graphql-ws answers that with 4400 itself). */
function parsed(text: string): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}
