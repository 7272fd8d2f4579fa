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
 */
import { fork, type ChildProcess } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import WebSocket, { WebSocketServer } from 'ws';

const SELF = fileURLToPath(import.meta.url);
const QUERY = `subscription($region: Region!, $after: String) { matchFeed(region: $region, after: $after) { kind cursor at match { id region status game slots creator { id username } } } }`;
const now = () => performance.timeOrigin + performance.now();
const env = (name: string, fallback: string) => process.env[name] ?? fallback;

type Msg = { type: string; [key: string]: unknown };

// ---------------------------------------------------------------- child: servers
async function serve(kind: string, role: string, extra: Record<string, string>): Promise<void> {
  let trigger: (k: number) => Promise<void>;
  let port = 0;
  let stats = (): Record<string, unknown> => ({});
  let replaySetup: ((count: number) => Promise<string>) | null = null;

  if (kind === 'raw') {
    const wss = new WebSocketServer({ port: 0, host: '127.0.0.1', backlog: 16384 });
    await new Promise((r) => wss.once('listening', r));
    port = (wss.address() as { port: number }).port;
    trigger = async (k) => {
      const frame = JSON.stringify({
        id: '1',
        type: 'next',
        payload: {
          data: {
            matchFeed: {
              kind: 'POSTED',
              cursor: 'x',
              at: new Date().toISOString(),
              match: { id: `m${k}`, region: 'NA', status: 'OPEN', game: `e${k}`, slots: 3, creator: { id: 'u1', username: 'bench' } },
            },
          },
        },
      });
      for (const client of wss.clients) client.send(frame);
    };
  } else if (kind === 'yoga') {
    const { createYoga, createSchema, createPubSub } = await import('graphql-yoga');
    const { useServer } = await import('graphql-ws/use/ws');
    const { createServer } = await import('node:http');
    const pubSub = createPubSub<{ matchFeed: [string, unknown] }>();
    const yoga = createYoga({
      schema: createSchema({
        typeDefs: `type Query { ok: Boolean } type User { id: ID! username: String! } type Match { id: ID! region: String! status: String! game: String! slots: Int! creator: User! }
          type MatchFeedEvent { kind: String! cursor: String! at: String! match: Match } enum Region { NA EU }
          type Subscription { matchFeed(region: Region!, after: String): MatchFeedEvent! }`,
        resolvers: {
          Subscription: {
            matchFeed: {
              subscribe: (_: unknown, args: { region: string }) => pubSub.subscribe('matchFeed', args.region),
              resolve: (p: unknown) => p,
            },
          },
        },
      }),
      graphiql: false,
      logging: false,
    });
    const http = createServer(yoga);
    const wss = new WebSocketServer({ server: http, path: yoga.graphqlEndpoint });
    useServer(
      {
        execute: (args: any) => args.rootValue.execute(args),
        subscribe: (args: any) => args.rootValue.subscribe(args),
        onSubscribe: async (ctx, _id, params) => {
          const { schema, execute, subscribe, contextFactory, parse, validate } = yoga.getEnveloped({
            ...ctx,
            req: ctx.extra.request,
            socket: ctx.extra.socket,
            params,
          });
          const args = {
            schema,
            operationName: params.operationName,
            document: parse(params.query),
            variableValues: params.variables,
            contextValue: await contextFactory(),
            rootValue: { execute, subscribe },
          };
          const errors = validate(args.schema, args.document);
          return errors.length ? errors : args;
        },
      },
      wss,
    );
    await new Promise<void>((r) => http.listen({ port: 0, host: '127.0.0.1', backlog: 16384 }, r));
    port = (http.address() as { port: number }).port;
    trigger = async (k) =>
      pubSub.publish('matchFeed', 'NA', {
        kind: 'POSTED',
        cursor: 'x',
        at: new Date().toISOString(),
        match: { id: `m${k}`, region: 'NA', status: 'OPEN', game: `e${k}`, slots: 3, creator: { id: 'u1', username: 'bench' } },
      });
  } else {
    const { loadConfig } = await import('../src/config.js');
    const { createPulse } = await import('../src/app.js');
    const { postMatch } = await import('../src/matches/service.js');
    const { Topics } = await import('../src/streams/index.js');
    const target =
      kind === 'pulse' ? { kind: 'pglite' as const, dir: null } : { kind: 'postgres' as const, url: extra.url, schema: extra.schema };
    const config = loadConfig(
      { NODE_ENV: 'test', LOG_LEVEL: 'silent', JWT_SECRET: 'bench-secret-bench-secret-bench-secret-0123' },
      {
        port: 0,
        host: '127.0.0.1',
        database: target,
        redisUrl: kind === 'pg' ? extra.redis : null,
        redisPrefix: `bench-${extra.schema ?? 'x'}:`,
        rateLimitPerMinute: 10_000_000,
        maxConnectionsPerIp: 1_000_000,
        seedDemoData: false,
        instanceId: role,
      },
    );
    const pulse = await createPulse(config);
    port = (await pulse.server.listen(0, '127.0.0.1')).port;
    const { prisma, streams, subscriptionStats } = pulse.services;
    const user = await prisma.user.upsert({
      where: { username: 'bench' },
      update: {},
      create: { username: 'bench', displayName: 'Bench', passwordHash: 'x' },
    });
    trigger = async (k) => void (await postMatch(pulse.services, user.id, { game: `e${k}`, region: 'NA', slots: 3 }));
    stats = () => ({ live: subscriptionStats.liveCount() });
    replaySetup = async (count) => {
      const match = await postMatch(pulse.services, user.id, { game: 'replayed', region: 'EU', slots: 3 });
      for (let i = 0; i < count; i += 500) {
        await streams.write(async (w) => {
          for (let j = i; j < Math.min(count, i + 500); j++) await w.append(Topics.region('EU'), 'UPDATED', { matchId: match.id });
        });
      }
      const { head } = await import('../src/streams/log.js');
      return String((await head(prisma, 'region:EU')).seq - count);
    };
  }

  process.on('message', async (msg: Msg) => {
    if (msg.type === 'trigger') {
      const t0 = now();
      await trigger(msg.k as number);
      process.send!({ type: 'triggered', k: msg.k, t0, t1: now() });
    } else if (msg.type === 'rss') {
      global.gc?.();
      await new Promise((r) => setTimeout(r, 200));
      process.send!({ type: 'rss', rss: process.memoryUsage().rss, ...stats() });
    } else if (msg.type === 'replay-setup') {
      process.send!({ type: 'replay-ready', seqBefore: await replaySetup!(msg.count as number) });
    }
  });
  process.send!({ type: 'ready', port });
}

// ---------------------------------------------------------------- child: load client
async function load(): Promise<void> {
  const sockets: WebSocket[] = [];
  let receipts: Map<number, number[]> = new Map();
  let expected = 0;
  process.on('message', async (msg: Msg) => {
    if (msg.type === 'connect') {
      const { url, count, protocol, rate, variables } = msg as unknown as {
        url: string;
        count: number;
        protocol: string;
        rate: number;
        variables: Record<string, unknown>;
      };
      let acked = 0;
      let failed = 0;
      const reasons: Record<string, number> = {};
      const started = now();
      const opening: Promise<void>[] = [];
      for (let i = 0; i < count; i++) {
        if (rate > 0 && i % 100 === 0) {
          const due = started + (i / rate) * 1000;
          if (due > now()) await new Promise((r) => setTimeout(r, due - now()));
        }
        opening.push(
          new Promise<void>((resolve) => {
            const ws = new WebSocket(url, protocol === 'raw' ? undefined : 'graphql-transport-ws');
            let settled = false;
            const settle = (ok: boolean, reason = '') => {
              if (settled) return;
              settled = true;
              ok ? acked++ : failed++;
              if (!ok) reasons[reason] = (reasons[reason] ?? 0) + 1;
              resolve();
            };
            ws.on('error', (error: Error & { code?: string }) => settle(false, error.code ?? error.message));
            ws.on('close', (code: number) => settle(false, `close ${code}`));
            ws.on('open', () => {
              sockets.push(ws);
              if (protocol === 'raw') settle(true);
              else ws.send(JSON.stringify({ type: 'connection_init', payload: {} }));
            });
            ws.on('message', (data: Buffer) => {
              const text = data.toString();
              if (!settled && text.includes('"connection_ack"')) {
                ws.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: QUERY, variables } }));
                settle(true);
                return;
              }
              const at = text.indexOf('"game":"e');
              if (at < 0) {
                if (text.includes('"type":"next"')) record(-1);
                return;
              }
              record(parseInt(text.slice(at + 9, at + 17), 10));
            });
          }),
        );
      }
      await Promise.all(opening);
      if (failed > 0) console.error(`load client: ${failed} connections failed:`, reasons);
      process.send!({ type: 'connected', acked, failed, seconds: (now() - started) / 1000 });
    } else if (msg.type === 'expect') {
      expected = msg.count as number;
      receipts = new Map();
    } else if (msg.type === 'close') {
      for (const ws of sockets.splice(0)) ws.terminate();
      process.send!({ type: 'closed' });
    }
  });
  function record(k: number): void {
    let list = receipts.get(k);
    if (!list) receipts.set(k, (list = []));
    list.push(now());
    if (list.length === expected) process.send!({ type: 'received', k, times: list });
  }
  process.send!({ type: 'ready' });
}

// ---------------------------------------------------------------- parent: orchestration
class Child {
  private readonly waiting: { type: string; match: (m: Msg) => boolean; resolve(m: Msg): void }[] = [];
  readonly proc: ChildProcess;
  constructor(args: string[], execArgv: string[] = []) {
    this.proc = fork(SELF, args, {
      execArgv: ['--import', 'tsx', '--expose-gc', ...execArgv],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    this.proc.on('message', (m: Msg) => {
      const i = this.waiting.findIndex((w) => w.type === m.type && w.match(m));
      if (i >= 0) this.waiting.splice(i, 1)[0].resolve(m);
    });
  }
  wait(type: string, ms = 120_000, match: (m: Msg) => boolean = () => true): Promise<Msg> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out waiting for ${type}`)), ms);
      this.waiting.push({
        type,
        match,
        resolve: (m) => {
          clearTimeout(timer);
          resolve(m);
        },
      });
    });
  }
  send(m: Msg): void {
    this.proc.send(m);
  }
  kill(): void {
    this.proc.kill('SIGKILL');
  }
}

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;

interface Env {
  servers: Child[];
  url: string;
  triggerOn: Child;
}

async function startKind(kind: string): Promise<Env & { stop(): Promise<void> }> {
  if (kind !== 'pg') {
    const server = new Child(['serve', kind, 'a']);
    const { port } = await server.wait('ready');
    const url = kind === 'raw' ? `ws://127.0.0.1:${port}` : `ws://127.0.0.1:${port}/graphql`;
    return { servers: [server], url, triggerOn: server, stop: async () => server.kill() };
  }
  process.env.TEST_DATABASE_URL ??= env('BENCH_DATABASE_URL', 'postgres://postgres@127.0.0.1:5432/test');
  const { createTestDatabase } = await import('../test/support/database.js');
  const database = await createTestDatabase('postgres');
  const target = database.target as { url: string; schema: string };
  const extra = JSON.stringify({ url: target.url, schema: target.schema, redis: env('BENCH_REDIS_URL', 'redis://127.0.0.1:6379') });
  const a = new Child(['serve', 'pg', 'a', extra]);
  const { port } = await a.wait('ready');
  const b = new Child(['serve', 'pg', 'b', extra]);
  await b.wait('ready');
  return {
    servers: [a, b],
    url: `ws://127.0.0.1:${port}/graphql`,
    triggerOn: b,
    stop: async () => {
      a.kill();
      b.kill();
      await database.drop();
    },
  };
}

async function fanout(
  kind: string,
  n: number,
  events: number,
  triggerOn?: 'a',
): Promise<{ p50: number; p99: number; last99: number; rate: number; failed: number; commit: number }> {
  const setup = await startKind(kind);
  const client = new Child(['load']);
  await client.wait('ready');
  try {
    client.send({
      type: 'connect',
      url: setup.url,
      count: n,
      protocol: kind === 'raw' ? 'raw' : 'graphql-ws',
      rate: 0,
      variables: { region: 'NA' },
    });
    const { failed } = (await client.wait('connected', 300_000)) as unknown as { failed: number };
    const trigger = triggerOn === 'a' ? setup.servers[0] : setup.triggerOn;
    const live = n - failed;
    // Warm up until every subscription is live (one event everyone receives).
    for (let k = 0; ; k++) {
      if (k > 50) throw new Error('subscribers never all became live');
      client.send({ type: 'expect', count: live });
      const received = client.wait('received', 3_000, (m) => m.k === 1000 + k);
      trigger.send({ type: 'trigger', k: 1000 + k });
      try {
        await received;
        break;
      } catch {
        /* not all live yet: again */
      }
    }
    const latencies: number[] = [];
    const lasts: number[] = [];
    let busy = 0;
    const commits: number[] = [];
    for (let k = 1; k <= events; k++) {
      client.send({ type: 'expect', count: live });
      const received = client.wait('received', 120_000, (m) => m.k === 2000 + k);
      trigger.send({ type: 'trigger', k: 2000 + k });
      const { t0, t1 } = (await trigger.wait('triggered', 120_000, (m) => m.k === 2000 + k)) as unknown as { t0: number; t1: number };
      commits.push(t1 - t0);
      const { times } = (await received) as unknown as { times: number[] };
      for (const t of times) latencies.push(t - t0);
      const last = Math.max(...times) - t0;
      lasts.push(last);
      busy += last;
    }
    latencies.sort((x, y) => x - y);
    lasts.sort((x, y) => x - y);
    commits.sort((x, y) => x - y);
    return {
      p50: pct(latencies, 50),
      p99: pct(latencies, 99),
      last99: pct(lasts, 99),
      rate: (live * events) / (busy / 1000),
      failed,
      commit: pct(commits, 50),
    };
  } finally {
    client.kill();
    await setup.stop();
  }
}

async function rss(kind: string, n: number): Promise<{ perConnection: number; idle: number }> {
  const setup = await startKind(kind);
  const server = setup.servers[0];
  const clients = [new Child(['load']), new Child(['load'])];
  await Promise.all(clients.map((c) => c.wait('ready')));
  try {
    server.send({ type: 'rss' });
    const idle = (await server.wait('rss')).rss as number;
    for (const c of clients)
      c.send({
        type: 'connect',
        url: setup.url,
        count: n / 2,
        protocol: kind === 'raw' ? 'raw' : 'graphql-ws',
        rate: 0,
        variables: { region: 'NA' },
      });
    await Promise.all(clients.map((c) => c.wait('connected', 300_000)));
    await new Promise((r) => setTimeout(r, 2_000));
    server.send({ type: 'rss' });
    const loaded = (await server.wait('rss')).rss as number;
    return { perConnection: (loaded - idle) / n, idle };
  } finally {
    for (const c of clients) c.kill();
    await setup.stop();
  }
}

async function storm(kind: string, n: number): Promise<{ failed: number; seconds: number }> {
  const setup = await startKind(kind);
  const client = new Child(['load']);
  await client.wait('ready');
  try {
    client.send({
      type: 'connect',
      url: setup.url,
      count: n,
      protocol: kind === 'raw' ? 'raw' : 'graphql-ws',
      rate: 10_000,
      variables: { region: 'NA' },
    });
    const { failed, seconds } = (await client.wait('connected', 300_000)) as unknown as { failed: number; seconds: number };
    return { failed, seconds };
  } finally {
    client.kill();
    await setup.stop();
  }
}

/** Ten clients replay `count` events each while another client queries over HTTP: that query's latency. */
async function replaysAndQuery(
  kind: string,
  count: number,
  replayers = 10,
): Promise<{ seconds: number; p50: number; p99: number; queries: number }> {
  const setup = await startKind(kind);
  const client = new Child(['load']);
  await client.wait('ready');
  try {
    setup.servers[0].send({ type: 'replay-setup', count });
    const { seqBefore } = (await setup.servers[0].wait('replay-ready', 600_000)) as unknown as { seqBefore: string };
    const cursor = Buffer.from(`region:EU\n${seqBefore}`).toString('base64url');
    client.send({ type: 'expect', count: count * replayers });
    let finished = false;
    const done = client.wait('received', 900_000, (m) => m.k === -1).then(() => (finished = true));
    const started = now();
    client.send({
      type: 'connect',
      url: setup.url,
      count: replayers,
      protocol: 'graphql-ws',
      rate: 0,
      variables: { region: 'EU', after: cursor },
    });
    const http = setup.url.replace('ws://', 'http://');
    const latencies: number[] = [];
    while (!finished) {
      const t = now();
      const response = await fetch(http, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: '{ matches(first: 5) { edges { node { id game } } } }' }),
      });
      await response.json();
      latencies.push(now() - t);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await done;
    const seconds = (now() - started) / 1000;
    latencies.sort((x, y) => x - y);
    return { seconds, p50: pct(latencies, 50), p99: pct(latencies, 99), queries: latencies.length };
  } finally {
    client.kill();
    await setup.stop();
  }
}

async function replay(kind: string, count: number): Promise<number> {
  const setup = await startKind(kind);
  const client = new Child(['load']);
  await client.wait('ready');
  try {
    setup.servers[0].send({ type: 'replay-setup', count });
    const { seqBefore } = (await setup.servers[0].wait('replay-ready', 600_000)) as unknown as { seqBefore: string };
    const cursor = Buffer.from(`region:EU\n${seqBefore}`).toString('base64url');
    client.send({ type: 'expect', count });
    const started = now();
    const done = client.wait('received', 600_000, (m) => m.k === -1);
    client.send({ type: 'connect', url: setup.url, count: 1, protocol: 'graphql-ws', rate: 0, variables: { region: 'EU', after: cursor } });
    await done;
    return (now() - started) / 1000;
  } finally {
    client.kill();
    await setup.stop();
  }
}

async function main(): Promise<void> {
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

const [role, ...rest] = process.argv.slice(2);
if (role === 'serve') void serve(rest[0], rest[1], rest[2] ? JSON.parse(rest[2]) : {});
else if (role === 'load') void load();
else
  main().then(
    () => process.exit(0),
    (error) => {
      console.error(error);
      process.exit(1);
    },
  );
