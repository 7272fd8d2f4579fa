// The ceiling of `npm run bench -- scale`: a raw `ws` server that relays Redis channels to its sockets,
// one pre-serialized frame per message (classic SUBSCRIBE, or SSUBSCRIBE on a cluster).
// Broadcast shape: one channel, every socket. `per-socket` (the conversations shape): each socket sends
// `{"c": "<id>"}` once; the relay subscribes `<channel><id>` (once per id) and sends its messages to
// the sockets that asked for it.
import { Cluster, Redis } from 'ioredis';
import { WebSocketServer } from 'ws';

const [port, channel, redisUrl, clusterNodes, perSocket] = process.argv.slice(2);
const wss = new WebSocketServer({ port: Number(port), backlog: 16_384, perMessageDeflate: false });
const client = clusterNodes
  ? new Cluster(
      clusterNodes.split(',').map((entry) => ({ host: entry.split(':')[0], port: Number(entry.split(':')[1]) })),
      { shardedSubscribers: true },
    )
  : new Redis(redisUrl);
const subscribe = (name) => (clusterNodes ? client.ssubscribe(name) : client.subscribe(name));
/** channel -> its sockets (per-socket mode). */
const bySocket = new Map();
const deliver = (name, message) => {
  const sockets = perSocket ? bySocket.get(name) : wss.clients;
  for (const socket of sockets ?? []) socket.send(message);
};
client.on(clusterNodes ? 'smessage' : 'message', deliver);
if (perSocket) {
  wss.on('connection', (socket) => {
    socket.once('message', (data) => {
      const name = channel + JSON.parse(String(data)).c;
      let sockets = bySocket.get(name);
      if (!sockets) {
        bySocket.set(name, (sockets = new Set()));
        subscribe(name).then(() => socket.send('{"subscribed":true}'));
      } else socket.send('{"subscribed":true}');
      sockets.add(socket);
      socket.once('close', () => sockets.delete(socket));
    });
  });
} else {
  await subscribe(channel);
}
process.send?.('ready');
