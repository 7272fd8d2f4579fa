import { rss } from './fanout/runs.js';
const n = Number(process.env.N ?? 4000);
for (const kind of (process.env.KINDS ?? 'raw,pulse').split(',')) {
  const r = await rss(kind, n);
  console.log(kind, 'per connection', (r.perConnection / 1024).toFixed(1), 'KB; idle', (r.idle / 1048576).toFixed(0), 'MB');
}
process.exit(0);
