/**
 * `npm run bench -- fanout`: one topic, N subscribers (one socket each), side by side on this machine:
 *   raw    a `ws` server sending one pre-serialized frame to every socket (the ceiling);
 *   yoga   plain GraphQL Yoga + graphql-ws `useServer` with Yoga's in-memory pubsub, as their docs set it up;
 *   pulse  Pulse embedded (PGlite, in-process bus);
 *   pg     Pulse on PostgreSQL + Redis: subscribers on instance A, mutations through instance B.
 * Selection: matchFeed(region) { kind cursor at match { id region status game slots creator { id username } } }.
 * Each server runs in its own process, the load client in another (child_process.fork). Figures only.
 *
 * Env: FANOUT_N (default 1000,5000,10000), FANOUT_EVENTS (10), FANOUT_KINDS (raw,yoga,pulse,pg),
 * FANOUT_RSS_CONNECTIONS (19500: the fd limit here is 20,000 per process), FANOUT_STORM (10000),
 * FANOUT_REPLAY (10000), FANOUT_SKIP (comma list of: rss,storm,replay,cross).
 * The roles and measurements live in bench/fanout/; this file is the entry of the parent and of every child.
 */
import { spawnSync } from 'node:child_process';
import { runMain } from './lib/common.js';
import { load } from './fanout/load-client.js';
import { env } from './fanout/protocol.js';
import { fanout, replay, replaysAndQuery, rss, storm } from './fanout/runs.js';
import { serve } from './fanout/servers.js';

async function main(): Promise<void> {
  // Pulse runs compiled (dist/), as in production (bench/fanout/servers.ts).
  const build = spawnSync('npm', ['run', '-s', 'build:server'], { stdio: 'inherit' });
  if (build.status !== 0) throw new Error('npm run build:server failed');
  const ns = env('FANOUT_N', '1000,5000,10000').split(',').map(Number);
  const kinds = env('FANOUT_KINDS', 'raw,yoga,pulse,pg').split(',');
  const events = Number(env('FANOUT_EVENTS', '10'));
  const skip = new Set(env('FANOUT_SKIP', '').split(','));
  const f = (x: number) => (Number.isFinite(x) ? (x >= 100 ? x.toFixed(0) : x.toFixed(1)) : '—');
  console.log(`# fan-out: one topic, one socket per subscriber, ${events} events per run; latency = trigger -> receipt`);
  console.log(`# p50/p99 over every delivery; last p99 = trigger -> last receipt of an event; rate = deliveries/s while delivering`);
  const raw: Record<number, { p99: number; rate: number }> = {};
  for (const n of ns) {
    for (const kind of kinds) {
      try {
        const r = await fanout(kind, n, events);
        if (kind === 'raw') raw[n] = r;
        const base = raw[n];
        const ratio = base ? ` | rate ${(r.rate / base.rate).toFixed(2)}x raw, p99 ${(r.p99 / base.p99).toFixed(2)}x raw` : '';
        console.log(
          `N=${n} ${kind.padEnd(5)} p50 ${f(r.p50)} ms  p99 ${f(r.p99)} ms  last p99 ${f(r.last99)} ms  ${f(r.rate)} deliveries/s  failed ${r.failed}  (trigger itself: p50 ${f(r.commit)} ms)${ratio}`,
        );
      } catch (error) {
        console.log(`N=${n} ${kind.padEnd(5)} failed: ${(error as Error).message}`);
      }
    }
  }
  if (!skip.has('cross') && kinds.includes('pg')) {
    const n = ns[0];
    const viaA = await fanout('pg', n, events, 'a');
    const viaB = await fanout('pg', n, events);
    console.log(
      `cross-instance (N=${n}): p99 mutations via A ${f(viaA.p99)} ms, via B ${f(viaB.p99)} ms: extra ${f(viaB.p99 - viaA.p99)} ms`,
    );
  }
  if (!skip.has('rss')) {
    const n = Number(env('FANOUT_RSS_CONNECTIONS', '19500'));
    for (const kind of kinds.filter((k) => k !== 'pg')) {
      try {
        const r = await rss(kind, n);
        console.log(
          `RSS ${kind.padEnd(5)} at ${n} connections: ${(r.perConnection / 1024).toFixed(1)} KB per connection (idle ${(r.idle / 1048576).toFixed(0)} MB)`,
        );
      } catch (error) {
        console.log(`RSS ${kind} failed: ${(error as Error).message}`);
      }
    }
  }
  if (!skip.has('storm')) {
    const n = Number(env('FANOUT_STORM', '10000'));
    for (const kind of kinds.filter((k) => k !== 'pg')) {
      try {
        const r = await storm(kind, n);
        console.log(`storm ${kind.padEnd(5)} ${n} connects at ~10k/s: ${r.failed} failed (all acked in ${r.seconds.toFixed(1)} s)`);
      } catch (error) {
        console.log(`storm ${kind} failed: ${(error as Error).message}`);
      }
    }
  }
  if (!skip.has('replay')) {
    const count = Number(env('FANOUT_REPLAY', '10000'));
    for (const kind of kinds.filter((k) => k === 'pulse' || k === 'pg')) {
      try {
        console.log(`replay ${kind.padEnd(5)} of ${count} missed events to one client: ${(await replay(kind, count)).toFixed(2)} s`);
        const ten = await replaysAndQuery(kind, count);
        console.log(
          `replay ${kind.padEnd(5)} x10 at once (${count} each): all done in ${ten.seconds.toFixed(1)} s; meanwhile another client's query p50 ${f(ten.p50)} ms, p99 ${f(ten.p99)} ms (${ten.queries} queries)`,
        );
      } catch (error) {
        console.log(`replay ${kind} failed: ${(error as Error).message}`);
      }
    }
  }
}

// The parent runs main(); the children it forks (bench/fanout/child.ts) run this file again with a role.
const [role, ...rest] = process.argv.slice(2);
if (role === 'serve') void serve(rest[0], rest[1], rest[2] ? JSON.parse(rest[2]) : {});
else if (role === 'load') void load();
else runMain(main);
