/**
 * The HTTP load generator of bench/bookings.ts, in a worker thread so the clients' CPU is not taken from
 * the servers' event loop (as a separate load-generating process would not). Plain JS: workers do not
 * inherit tsx's loader. workerData: { urls, tokens, eventId, clients, total, query }; posts back
 * { seconds, latencies, failed }.
 */
import { Agent, request } from 'node:http';
import { performance } from 'node:perf_hooks';
import { parentPort, workerData } from 'node:worker_threads';

const { urls, tokens, eventId, clients, total, query } = workerData;
const agent = new Agent({ keepAlive: true, maxSockets: clients });

function post(url, token) {
  const body = JSON.stringify({ query, variables: { eventId } });
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), authorization: `Bearer ${token}` },
      },
      (res) => {
        const chunks = [];
        res.on('data', (chunk) => chunks.push(chunk));
        res.on('end', () => resolve(JSON.parse(Buffer.concat(chunks).toString('utf8'))));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

let started = 0;
let failed = 0;
const latencies = [];
const t0 = performance.now();
await Promise.all(
  Array.from({ length: clients }, async (_, i) => {
    while (started < total) {
      started++;
      const t = performance.now();
      const result = await post(urls[i % urls.length], tokens[i]);
      if (result.errors) failed++;
      latencies.push(performance.now() - t);
    }
  }),
);
const seconds = (performance.now() - t0) / 1000;
agent.destroy();
parentPort.postMessage({ seconds, latencies, failed });
