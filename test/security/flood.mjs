// Sends COUNT plain-HTTP subscription requests (Accept: application/json) to URL, 32 at a time, from
// its own process, so the server's memory is measured without the client's. Prints the status counts.
import http from 'node:http';

const [url, countText, query = 'subscription { matchFeed(region: NA) { kind } }'] = process.argv.slice(2);
const count = Number(countText);
const body = JSON.stringify({ query });
const agent = new http.Agent({ keepAlive: true, maxSockets: 32 });
const target = new URL(url);
const statuses = {};
const one = () =>
  new Promise((resolve, reject) => {
    const req = http.request(
      {
        agent,
        host: target.hostname,
        port: target.port,
        path: target.pathname,
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json', 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
let next = 0;
await Promise.all(
  Array.from({ length: 32 }, async () => {
    while (next++ < count) {
      const status = await one();
      statuses[status] = (statuses[status] ?? 0) + 1;
    }
  }),
);
agent.destroy();
console.log(JSON.stringify(statuses));
