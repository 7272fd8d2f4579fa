// One load process of `npm run bench -- scale`: opens COUNT WebSockets to URL as fast as it can (one
// per subscriber), subscribes each (graphql-transport-ws for Pulse, nothing for the raw relay), and
// reports to the parent over IPC: how many connected/failed/dropped, and for each event index the
// number of deliveries and the time of the last one. Kept in plain JS so it loads fast and stays light.
import WebSocket from 'ws';

const [url, countText, mode, query] = process.argv.slice(2);
const count = Number(countText);
const stats = { connected: 0, failed: 0, dropped: 0, subscribed: 0 };
const events = new Map(); // index -> { count, last }
let closing = false;

function delivered(index) {
  const now = Date.now();
  const entry = events.get(index);
  if (entry) {
    entry.count++;
    entry.last = now;
  } else events.set(index, { count: 1, last: now });
}

/** Counts an error frame; the first one's text goes to the report. */
function failed(errors) {
  stats.errors = (stats.errors ?? 0) + 1;
  stats.firstError ??= JSON.stringify(errors).slice(0, 300);
}

function open() {
  const socket = new WebSocket(url, mode === 'pulse' ? 'graphql-transport-ws' : undefined, { perMessageDeflate: false });
  let up = false;
  socket.on('open', () => {
    up = true;
    stats.connected++;
    if (mode === 'pulse') socket.send(JSON.stringify({ type: 'connection_init', payload: {} }));
    else stats.subscribed++;
  });
  socket.on('message', (data) => {
    const text = data.toString();
    if (mode === 'raw') return delivered(JSON.parse(text).i);
    const message = JSON.parse(text);
    if (message.type === 'connection_ack') socket.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query } }));
    else if (message.type === 'next') {
      if (message.payload.errors) failed(message.payload.errors);
      else delivered(Number(message.payload.data.matchFeed.match.game.slice(1)));
    } else if (message.type === 'error') failed(message.payload);
    else if (message.type === 'ping') socket.send(JSON.stringify({ type: 'pong' }));
  });
  socket.on('error', () => {});
  socket.on('close', () => {
    if (!up) stats.failed++;
    else if (!closing) stats.dropped++;
  });
  return socket;
}

const sockets = [];
for (let i = 0; i < count; i++) sockets.push(open());
const timer = setInterval(() => process.send({ stats, events: [...events] }), 250);
process.on('message', (message) => {
  if (message === 'stop') {
    closing = true;
    clearInterval(timer);
    for (const socket of sockets) socket.terminate();
    process.send({ stats, events: [...events] }, () => process.exit(0));
  }
});
