/**
 * One heartbeat for every WebSocket on the server, instead of graphql-ws's interval, timeout and
 * listener per socket: every `intervalMs` each socket that has not answered the previous ping is
 * terminated (graphql-ws then returns its subscriptions) and the others are pinged again; then
 * `onTick` refreshes the instance's shared per-user state (presence) on the same beat.
 */
import type { WebSocket, WebSocketServer } from 'ws';

const awaitingPong = new WeakSet<WebSocket>();

/** Shared by every socket: a pong clears the socket's pending ping. */
function answered(this: WebSocket): void {
  awaitingPong.delete(this);
}

/** Starts the heartbeat; call the returned function to stop it. */
export function startHeartbeat(wss: WebSocketServer, intervalMs: number, onTick: () => void = () => {}): () => void {
  wss.on('connection', (socket) => socket.on('pong', answered));
  let lastTick = Date.now();
  const timer = setInterval(() => {
    // After a stall of this process, pongs that arrived meanwhile are still unread (timers run before
    // I/O): judge no socket on this tick, ping again.
    const stalled = Date.now() - lastTick > intervalMs * 1.5;
    lastTick = Date.now();
    for (const socket of wss.clients) {
      if (socket.readyState !== socket.OPEN) continue;
      if (awaitingPong.has(socket) && !stalled) {
        socket.terminate();
        continue;
      }
      awaitingPong.add(socket);
      socket.ping();
    }
    onTick();
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
