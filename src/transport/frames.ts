/**
 * graphql-ws treats a client frame of a type only servers send (`connection_ack`, `next`, `error`)
 * as an internal failure and closes with 4500. It is the client's protocol error: close with 4400,
 * as graphql-ws does for every other malformed frame, before graphql-ws handles it.
 */
import type { WebSocket } from 'ws';

const SERVER_ONLY = /"type"\s*:\s*"(connection_ack|next|error)"/;
const SERVER_ONLY_TYPES = new Set(['connection_ack', 'next', 'error']);

/** Closes `socket` with 4400 on a frame whose type only a server may send. Register before graphql-ws. */
export function refuseServerOnlyFrames(socket: WebSocket): void {
  socket.on('message', (data, isBinary) => {
    if (isBinary) return;
    const text = String(data);
    if (!SERVER_ONLY.test(text)) return; // the cheap test first: almost every frame stops here
    let type: unknown;
    try {
      type = (JSON.parse(text) as { type?: unknown } | null)?.type;
    } catch {
      return; // graphql-ws closes unparsable frames with 4400 itself
    }
    if (typeof type === 'string' && SERVER_ONLY_TYPES.has(type)) socket.close(4400, `Unexpected message of type ${type}`);
  });
}
