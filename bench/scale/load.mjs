// One load process of `npm run bench -- scale`: opens COUNT WebSockets to URL as fast as it can (one
// per subscriber), subscribes each (graphql-transport-ws for Pulse, nothing for the raw relay), and
// reports to the parent over IPC: how many connected/failed/dropped, and for each event index the
// number of deliveries and the time of the last one. Kept in plain JS so it loads fast and stays light.
import { readFileSync } from 'node:fs';
import WebSocket from 'ws';

const [url, countText, mode, query, socketsFile] = process.argv.slice(2);
// The conversations shape: each socket's own token and conversation ({ t, c }), from the parent.
const entries = socketsFile ? JSON.parse(readFileSync(socketsFile, 'utf8')) : null;
const count = entries ? entries.length : Number(countText);
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

function open(k) {
  const entry = entries?.[k];
  const socket = new WebSocket(url, mode === 'pulse' ? 'graphql-transport-ws' : undefined, { perMessageDeflate: false });
  let up = false;
  socket.on('open', () => {
    up = true;
    stats.connected++;
    if (mode === 'pulse')
      socket.send(JSON.stringify({ type: 'connection_init', payload: entry ? { authorization: `Bearer ${entry.t}` } : {} }));
    else if (entry) socket.send(JSON.stringify({ c: entry.c }));
    else stats.subscribed++;
  });
  socket.on('message', (data) => {
    const text = data.toString();
    if (mode === 'raw') {
      const frame = JSON.parse(text);
      if (frame.subscribed) return void stats.subscribed++;
      return delivered(frame.i);
    }
    const message = JSON.parse(text);
    if (message.type === 'connection_ack') {
      socket.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query, variables: entry ? { c: entry.c } : {} } }));
    } else if (message.type === 'next') {
      const data = message.payload.data;
      if (message.payload.errors) failed(message.payload.errors);
      else if (data.conversationEvents) {
        if (data.conversationEvents.kind === 'MESSAGE') delivered(Number(data.conversationEvents.message.text.slice(1)));
      } else delivered(Number(data.matchFeed.match.game.slice(1)));
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
for (let i = 0; i < count; i++) sockets.push(open(i));
const timer = setInterval(() => process.send({ stats, events: [...events] }), 250);
process.on('message', (message) => {
  if (message === 'stop') {
    closing = true;
    clearInterval(timer);
    for (const socket of sockets) socket.terminate();
    process.send({ stats, events: [...events] }, () => process.exit(0));
  }
});
