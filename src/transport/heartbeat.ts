/**
 * One heartbeat for every WebSocket on the server, instead of graphql-ws's interval, timeout and
 * listener per socket: every `intervalMs` each socket is pinged, and one that has shown no sign of
 * life for `missesAllowed` whole intervals in a row is terminated (graphql-ws then returns its
 * subscriptions); then `onTick` refreshes the instance's shared per-user state (presence) on the same beat.
 *
 * A busy box must not drop healthy clients:
 * - any frame from the client (a pong, a message, a ping of its own) counts as alive, not only the pong;
 * - a pong that is merely late (answered after the next tick) is forgiven: a socket is judged only
 *   after `missesAllowed` (default 2) silent intervals, never on one;
 * - after a stall of this process, frames that arrived meanwhile are still unread (timers run before
 *   I/O): no socket is judged on that tick.
 */
import type { WebSocket, WebSocketServer } from 'ws';

/** Intervals since the socket last showed a sign of life (absent: alive since the last tick). */
const silent = new WeakMap<WebSocket, number>();

/** Shared by every socket: any frame from the client resets its silence. */
function alive(this: WebSocket): void {
  silent.delete(this);
}

export interface HeartbeatOptions {
  /** Refreshes shared per-user state on every beat. */
  onTick?: () => void;
  /** Whole silent intervals tolerated before a socket is terminated (at least 1). */
  missesAllowed?: number;
}

/** Starts the heartbeat; call the returned function to stop it. */
export function startHeartbeat(wss: WebSocketServer, intervalMs: number, options: HeartbeatOptions = {}): () => void {
  const { onTick = () => {}, missesAllowed = 2 } = options;
  wss.on('connection', (socket) => {
    socket.on('pong', alive);
    socket.on('ping', alive);
    socket.on('message', alive);
  });
  let lastTick = Date.now();
  const timer = setInterval(() => {
    const stalled = Date.now() - lastTick > intervalMs * 1.5;
    lastTick = Date.now();
    for (const socket of wss.clients) {
      if (socket.readyState !== socket.OPEN) continue;
      if (!stalled) {
        const misses = silent.get(socket) ?? 0;
        if (misses >= missesAllowed) {
          socket.terminate();
          continue;
        }
        silent.set(socket, misses + 1);
      }
      socket.ping();
    }
    onTick();
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
