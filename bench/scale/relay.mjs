// The ceiling of `npm run bench -- scale`: a raw `ws` server that relays one Redis channel to every
// socket, one pre-serialized frame per message (classic SUBSCRIBE, or SSUBSCRIBE on a cluster).
import { Cluster, Redis } from 'ioredis';
import { WebSocketServer } from 'ws';

const [port, channel, redisUrl, clusterNodes] = process.argv.slice(2);
const wss = new WebSocketServer({ port: Number(port), backlog: 16_384, perMessageDeflate: false });
const send = (message) => {
  for (const socket of wss.clients) socket.send(message);
};
if (clusterNodes) {
  const nodes = clusterNodes.split(',').map((entry) => ({ host: entry.split(':')[0], port: Number(entry.split(':')[1]) }));
  const cluster = new Cluster(nodes, { shardedSubscribers: true });
  cluster.on('smessage', (_channel, message) => send(message));
  await cluster.ssubscribe(channel);
} else {
  const redis = new Redis(redisUrl);
  redis.on('message', (_channel, message) => send(message));
  await redis.subscribe(channel);
}
process.send?.('ready');
