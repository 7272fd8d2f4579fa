/**
 * `npm run bench -- scale [--instances K] [--subscribers N] [--redis single|cluster] [--events E]`
 *
 * K Pulse instances (child processes on PostgreSQL + Redis, one node or a 6-node Redis Cluster) with N
 * subscribers spread over them, one WebSocket each (load in one process per instance: one process
 * holds fewer than 20,000 sockets here), every one on the broadcast topic `matchFeed(region: EU)`
 * selecting an entity. Then E matches are posted one by one; each must reach all N before the next.
 * Beside it, in the same run, the ceiling: K raw `ws` processes relaying the same kind of Redis
 * channel (SUBSCRIBE, or SSUBSCRIBE on the cluster) with one pre-serialized frame per message.
 * Prints connected / failed / dropped sockets, connect time, deliveries/s, last-delivery p50/p99,
 * server RSS per connection (what connecting them added to the servers' RSS), Redis CPU per primary, and Pulse/raw ratios. Nothing asserts on time.
 *
 * `--shape conversations [--conversations C] [--members M]`: many small topics instead. C private
 * group conversations of M members each (C users, each a member of M conversations), one WebSocket per
 * member per conversation (C × M sockets, each signed in as its member, on `conversationEvents`
 * selecting the message and its sender), then one message sent to every conversation through the API
 * (64 at a time, spread over the instances): each reaches its M members. The raw relay subscribes one
 * channel per conversation its sockets asked for. Prints the same figures, the last-delivery
 * percentiles per message, and the messages committed per second.
 */
import { type ChildProcess, execFileSync, fork, spawn, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SignJWT } from 'jose';
import { fileURLToPath } from 'node:url';
import { Cluster, Redis } from 'ioredis';
import pg from 'pg';
import { benchDatabaseUrl, benchRedisUrl, percentile, runMain } from './lib/common.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const flag = (name: string, fallback: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : fallback;
};
const K = Number(flag('instances', '2'));
const N =
  flag('shape', 'broadcast') === 'conversations'
    ? Number(flag('conversations', '10000')) * Number(flag('members', '5'))
    : Number(flag('subscribers', '2000'));
const MODE = flag('redis', 'single') as 'single' | 'cluster';
const SHAPE = flag('shape', 'broadcast') as 'broadcast' | 'conversations';
const CONVERSATIONS = Number(flag('conversations', '10000'));
const MEMBERS = Number(flag('members', '5'));
const EVENTS = SHAPE === 'conversations' ? 1 : Number(flag('events', '10'));
const BASE_PORT = 24_000;
const CLUSTER_PORT = 22_000;
const QUERY =
  SHAPE === 'conversations'
    ? 'subscription($c: ID!) { conversationEvents(conversationId: $c) { kind cursor message { id text createdAt sender { id username displayName } } } }'
    : 'subscription { matchFeed(region: EU) { kind cursor at match { id region status game slots } } }';
const JWT_SECRET = 'bench-scale-secret-0123456789abcdefghij';
/** The conversations shape's sockets: conversation i's members are users (i + j × stride) mod C. */
const memberOf = (i: number, j: number) => (i + j * Math.max(1, Math.floor(CONVERSATIONS / MEMBERS))) % CONVERSATIONS;

interface LoadReport {
  stats: { connected: number; failed: number; dropped: number; subscribed?: number; errors?: number; firstError?: string };
  events: [number, { count: number; last: number }][];
}

class Load {
  readonly process: ChildProcess;
  report: LoadReport = { stats: { connected: 0, failed: 0, dropped: 0 }, events: [] };
  constructor(url: string, count: number, mode: 'pulse' | 'raw', sockets?: string) {
    this.process = fork(`${ROOT}/bench/scale/load.mjs`, [url, String(count), mode, QUERY, sockets ?? ''], { stdio: 'inherit' });
    this.process.on('message', (message) => {
      this.report = message as LoadReport;
    });
  }
  stop(): Promise<void> {
    return new Promise((resolve) => {
      this.process.once('exit', () => resolve());
      this.process.send('stop');
    });
  }
}

/** The conversations shape: writes each load's sockets (socket k goes to load k mod K) to a file; their paths. */
function writeSockets(tag: string, entry: (conversation: number, member: number) => object): string[] {
  const perLoad: object[][] = Array.from({ length: K }, () => []);
  let k = 0;
  for (let i = 0; i < CONVERSATIONS; i++) for (let j = 0; j < MEMBERS; j++) perLoad[k++ % K].push(entry(i, j));
  return perLoad.map((entries, i) => {
    const file = join(tmpdir(), `pulse-scale-${tag}-${process.pid}-${i}.json`);
    writeFileSync(file, JSON.stringify(entries));
    return file;
  });
}

/** Sockets connected (and, raw, subscribed) so far in the phase that runs (the ready checks compare with them). */
let connectedNow = () => 0;
let subscribedNow = () => 0;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const rssKb = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);

async function waitFor(what: string, check: () => boolean | Promise<boolean>, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await sleep(100);
  }
}

/** The Redis the run uses: the seed list of a cluster (started here if none is up) or the node's URL. */
function redisTarget(): { env: Record<string, string>; seeds: string | null; stop: () => void } {
  if (MODE === 'single') return { env: { REDIS_URL: benchRedisUrl() }, seeds: null, stop: () => {} };
  let started = false;
  try {
    execFileSync('bash', [`${ROOT}/scripts/redis-cluster.sh`, 'nodes', String(CLUSTER_PORT)], { stdio: 'ignore' });
  } catch {
    started = true;
  }
  const seeds = execFileSync('bash', [`${ROOT}/scripts/redis-cluster.sh`, 'start', String(CLUSTER_PORT)])
    .toString()
    .trim()
    .split('\n')
    .pop()!;
  const stop = () => {
    if (started) execFileSync('bash', [`${ROOT}/scripts/redis-cluster.sh`, 'stop', String(CLUSTER_PORT)]);
  };
  return { env: { REDIS_CLUSTER_NODES: seeds }, seeds, stop };
}

/** used_cpu_sys + used_cpu_user (seconds) of each primary (or the single node). */
async function redisCpu(seeds: string | null): Promise<Map<string, number>> {
  const ports = seeds ? seeds.split(',').map((s) => Number(s.split(':')[1])) : [Number(new URL(benchRedisUrl()).port || 6379)];
  const cpu = new Map<string, number>();
  for (const port of ports) {
    const node = new Redis({ port, lazyConnect: true });
    await node.connect();
    const role = /role:(\w+)/.exec(await node.info('replication'))?.[1];
    const info = await node.info('cpu');
    if (role === 'master')
      cpu.set(String(port), Number(/used_cpu_sys:([\d.]+)/.exec(info)?.[1]) + Number(/used_cpu_user:([\d.]+)/.exec(info)?.[1]));
    node.disconnect();
  }
  return cpu;
}

interface Result {
  connected: number;
  failed: number;
  dropped: number;
  errors: number;
  connectSeconds: number;
  deliveriesPerSecond: number;
  lastP50: number;
  lastP99: number;
  rssPerConnKb: number;
  redisCpu: string;
  /** The first error frame a subscriber received, if any. */
  firstError?: string;
  /** Deliveries over connected × events: 100% when every event reached every connected socket. */
  reached: number;
  /** The conversations shape: how long sending the C messages took (all committed). */
  sendSeconds: number;
}

/** Connects the load, sends the events one by one (`send(i)`), and measures. */
async function measure(
  urls: string[],
  mode: 'pulse' | 'raw',
  servers: number[],
  seeds: string | null,
  ready: () => Promise<boolean>,
  send: (i: number) => Promise<void>,
  /** The conversations shape: each load's sockets (a JSON file of { t: token, c: conversation id }). */
  sockets?: string[],
): Promise<Result> {
  const baseline = servers.reduce((sum, pid) => sum + rssKb(pid), 0);
  const started = Date.now();
  const loads = urls.map((url, i) => new Load(url, Math.floor(N / K) + (i < N % K ? 1 : 0), mode, sockets?.[i]));
  const total = () => loads.reduce((sum, l) => sum + l.report.stats.connected + l.report.stats.failed, 0);
  connectedNow = () => loads.reduce((sum, l) => sum + l.report.stats.connected, 0);
  subscribedNow = () => loads.reduce((sum, l) => sum + (l.report.stats.subscribed ?? 0), 0);
  await waitFor('every socket to connect or fail', () => total() >= N, 600_000);
  await waitFor('every subscription to be live', ready, 600_000);
  const connectSeconds = (Date.now() - started) / 1000;
  // What the connections added to the servers' resident memory (the idle process is not counted).
  const rss = servers.reduce((sum, pid) => sum + rssKb(pid), 0) - baseline;
  const connected = loads.reduce((sum, l) => sum + l.report.stats.connected, 0);
  const cpuBefore = await redisCpu(seeds);
  const lasts: number[] = [];
  let deliveries = 0;
  const firstSend = Date.now();
  let lastReceipt = firstSend;
  let busySeconds: number | null = null;
  let sendSeconds = 0;
  if (SHAPE === 'conversations') {
    // One message to every conversation, 64 at a time; each socket expects exactly its conversation's.
    const sentAt: number[] = [];
    let next = 0;
    await Promise.all(
      Array.from({ length: 64 }, async () => {
        while (next < CONVERSATIONS) {
          const i = next++;
          sentAt[i] = Date.now();
          await send(i);
        }
      }),
    );
    sendSeconds = (Date.now() - firstSend) / 1000;
    const received = () => loads.reduce((sum, l) => sum + l.report.events.reduce((n, [, e]) => n + e.count, 0), 0);
    await waitFor('every message everywhere', () => received() >= connected, 300_000).catch(() => {});
    await sleep(300);
    const lastBy = new Map<number, number>();
    for (const l of loads) for (const [i, e] of l.report.events) lastBy.set(i, Math.max(lastBy.get(i) ?? 0, e.last));
    for (const [i, last] of lastBy) {
      lasts.push(last - sentAt[i]);
      lastReceipt = Math.max(lastReceipt, last);
    }
    deliveries = received();
    busySeconds = (lastReceipt - firstSend) / 1000;
  }
  for (let i = 0; i < (SHAPE === 'conversations' ? 0 : EVENTS); i++) {
    const sent = Date.now();
    await send(i);
    const received = () => loads.reduce((sum, l) => sum + (l.report.events.find(([index]) => index === i)?.[1].count ?? 0), 0);
    await waitFor(`event ${i} everywhere`, () => received() >= connected, 60_000).catch(() => {});
    await sleep(300); // the load processes report every 250 ms
    const last = Math.max(...loads.map((l) => l.report.events.find(([index]) => index === i)?.[1].last ?? 0));
    lasts.push(last - sent);
    lastReceipt = Math.max(lastReceipt, last);
    deliveries += received();
  }
  const cpuAfter = await redisCpu(seeds);
  const report = loads.map((l) => l.report.stats);
  await Promise.all(loads.map((l) => l.stop()));
  lasts.sort((a, b) => a - b);
  const busy = busySeconds ?? lasts.reduce((sum, ms) => sum + ms, 0) / 1000;
  return {
    connected,
    failed: report.reduce((sum, s) => sum + s.failed, 0),
    dropped: report.reduce((sum, s) => sum + s.dropped, 0),
    errors: report.reduce((sum, s) => sum + (s.errors ?? 0), 0),
    connectSeconds,
    deliveriesPerSecond: deliveries / busy,
    lastP50: percentile(lasts, 50),
    lastP99: percentile(lasts, 99),
    rssPerConnKb: rss / Math.max(1, connected),
    reached: deliveries / Math.max(1, connected * EVENTS),
    sendSeconds,
    firstError: report.find((s) => s.firstError)?.firstError,
    redisCpu: [...cpuAfter].map(([port, cpu]) => `${port}:${(cpu - (cpuBefore.get(port) ?? 0)).toFixed(2)}s`).join(' '),
  };
}

async function pulse(redis: ReturnType<typeof redisTarget>): Promise<Result> {
  const name = `pulse_scale_${Date.now().toString(36)}`;
  const admin = new pg.Client({ connectionString: benchDatabaseUrl() });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${name}"`);
  const databaseUrl = new URL(benchDatabaseUrl());
  databaseUrl.pathname = `/${name}`;
  const instances: ChildProcess[] = [];
  const ports = Array.from({ length: K }, (_, i) => BASE_PORT + 1 + i);
  // The instances run the compiled server, as `NODE_ENV=production npm start` does (tsx's on-the-fly
  // build adds a name helper to every function, which costs memory per socket and time per event).
  const build = spawnSync('npm', ['run', '-s', 'build:server'], { cwd: ROOT, stdio: 'inherit' });
  if (build.status !== 0) throw new Error('npm run build:server failed');
  const start = (port: number, i: number) => {
    const child = spawn(process.execPath, ['dist/main.js'], {
      cwd: ROOT,
      stdio: ['ignore', process.env.BENCH_INSTANCE_LOGS ? 'inherit' : 'ignore', 'inherit'],
      env: {
        ...process.env,
        ...redis.env,
        NODE_ENV: 'production',
        DATABASE_URL: databaseUrl.toString(),
        REDIS_PREFIX: `${name}:`,
        PORT: String(port),
        HOST: '127.0.0.1',
        JWT_SECRET: 'bench-scale-secret-0123456789abcdefghij',
        INSTANCE_ID: `scale-${i}`,
        LOG_LEVEL: 'warn',
        SEED_DEMO_DATA: 'false',
        PERSISTED_DOCUMENTS: 'allow',
        MAX_CONNECTIONS: '0',
        MAX_CONNECTIONS_PER_IP: '1000000',
        RATE_LIMIT_PER_MINUTE: '1000000',
        MAX_SUBSCRIPTIONS_PER_CONNECTION: '5',
      },
    });
    instances.push(child);
    return waitFor(
      `instance ${port}`,
      async () => (await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => null))?.status === 200,
      120_000,
    );
  };
  try {
    await start(ports[0], 0); // migrates the fresh database
    await Promise.all(ports.slice(1).map((port, i) => start(port, i + 1)));
    const gql = async (query: string, variables: object, token?: string, port = ports[0]) => {
      const response = await fetch(`http://127.0.0.1:${port}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
        body: JSON.stringify({ query, variables }),
      });
      const body = (await response.json()) as { data?: any; errors?: unknown };
      if (body.errors) throw new Error(JSON.stringify(body.errors));
      return body.data;
    };
    let token = '';
    let tokens: string[] = [];
    let sockets: string[] | undefined;
    if (SHAPE === 'conversations') {
      // C users and C private groups of M members, straight into the database; tokens signed here.
      const db = new pg.Client({ connectionString: databaseUrl.toString() });
      await db.connect();
      await db.query(
        `INSERT INTO "User" (id, username, "displayName", "passwordHash") SELECT 'u' || g, 'u' || g, 'user ' || g, 'x' FROM generate_series(0, $1::int - 1) g`,
        [CONVERSATIONS],
      );
      await db.query(
        `INSERT INTO "Conversation" (id, kind, title, "isPrivate") SELECT 'c' || g, 'GROUP', 'c' || g, true FROM generate_series(0, $1::int - 1) g`,
        [CONVERSATIONS],
      );
      await db.query(
        `INSERT INTO "ConversationMember" ("conversationId", "userId")
         SELECT 'c' || c, 'u' || ((c + j * $3::int) % $1::int) FROM generate_series(0, $1::int - 1) c, generate_series(0, $2::int - 1) j`,
        [CONVERSATIONS, MEMBERS, Math.max(1, Math.floor(CONVERSATIONS / MEMBERS))],
      );
      await db.end();
      const key = new TextEncoder().encode(JWT_SECRET);
      tokens = await Promise.all(
        Array.from({ length: CONVERSATIONS }, (_, u) =>
          new SignJWT({ role: 'USER', ver: 0 })
            .setProtectedHeader({ alg: 'HS256' })
            .setSubject(`u${u}`)
            .setIssuedAt()
            .setIssuer('pulse')
            .setExpirationTime('2h')
            .sign(key),
        ),
      );
      sockets = writeSockets('pulse', (i, j) => ({ t: tokens[memberOf(i, j)], c: `c${i}` }));
    } else {
      token = (
        await gql('mutation($input: RegisterInput!) { register(input: $input) { token } }', {
          input: { username: `scale_${Date.now().toString(36)}`, password: 'bench-password-123' },
        })
      ).register.token;
    }
    // Every subscribe executed on its instance (the operations counter), then a moment for the last
    // ones to read their topic's head and go live.
    const live = async () => {
      let sum = 0;
      for (const port of ports) {
        const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
        // The conversations shape: subscriptions live (membership checked, head read); a message sent
        // to a conversation before its members listen would be missed. Broadcast: subscribes executed.
        const metric =
          SHAPE === 'conversations'
            ? /pulse_subscriptions_live(?:\{[^}]*\})? (\d+)/
            : /pulse_graphql_operations_total\{type="subscription"[^}]*\} (\d+)/;
        sum += Number(metric.exec(text)?.[1] ?? 0);
      }
      if (sum < connectedNow()) return false;
      await sleep(2_000);
      return true;
    };
    return await measure(
      ports.map((port) => `ws://127.0.0.1:${port}/graphql`),
      'pulse',
      instances.map((c) => c.pid!),
      redis.seeds,
      live,
      async (i) => {
        if (SHAPE === 'conversations') {
          // The conversation's first member sends it, through instance i mod K.
          await gql(
            'mutation($c: ID!, $t: String!) { sendMessage(conversationId: $c, text: $t) { id } }',
            { c: `c${i}`, t: `m${i}` },
            tokens[i],
            ports[i % K],
          );
          return;
        }
        await gql(
          'mutation($input: PostMatchInput!) { postMatch(input: $input) { id } }',
          { input: { game: `e${i}`, region: 'EU', slots: 2 } },
          token,
        );
      },
      sockets,
    );
  } finally {
    for (const child of instances) child.kill('SIGKILL');
    await sleep(500);
    await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`).catch(() => {});
    await admin.end();
  }
}

async function raw(redis: ReturnType<typeof redisTarget>): Promise<Result> {
  const channel = 'bench-scale:region:EU';
  const ports = Array.from({ length: K }, (_, i) => BASE_PORT + 100 + i);
  const conversations = SHAPE === 'conversations';
  const relays = ports.map((port) =>
    fork(
      `${ROOT}/bench/scale/relay.mjs`,
      [String(port), conversations ? 'bench-scale:conv:' : channel, benchRedisUrl(), redis.seeds ?? '', conversations ? 'per-socket' : ''],
      {
        stdio: 'inherit',
      },
    ),
  );
  await Promise.all(relays.map((relay) => new Promise((resolve) => relay.once('message', resolve))));
  const publisher = redis.seeds
    ? new Cluster(redis.seeds.split(',').map((s) => ({ host: s.split(':')[0], port: Number(s.split(':')[1]) })))
    : new Redis(benchRedisUrl());
  // The same frame a Pulse subscriber receives, pre-serialized once.
  const conversationFrame = (i: number) =>
    JSON.stringify({
      i,
      id: '1',
      type: 'next',
      payload: {
        data: {
          conversationEvents: {
            kind: 'MESSAGE',
            cursor: 'x'.repeat(28),
            message: {
              id: 'y'.repeat(25),
              text: `m${i}`,
              createdAt: new Date().toISOString(),
              sender: { id: `u${i}`, username: `u${i}`, displayName: `user ${i}` },
            },
          },
        },
      },
    });
  const frame = (i: number) =>
    JSON.stringify({
      i,
      id: '1',
      type: 'next',
      payload: {
        data: {
          matchFeed: {
            kind: 'POSTED',
            cursor: 'x'.repeat(24),
            at: new Date().toISOString(),
            match: { id: 'y'.repeat(25), region: 'EU', status: 'OPEN', game: `e${i}`, slots: 2 },
          },
        },
      },
    });
  try {
    return await measure(
      ports.map((port) => `ws://127.0.0.1:${port}`),
      'raw',
      relays.map((r) => r.pid!),
      redis.seeds,
      async () => !conversations || subscribedNow() >= connectedNow(),
      async (i) => {
        const [to, message] = conversations ? [`bench-scale:conv:c${i}`, conversationFrame(i)] : [channel, frame(i)];
        if (publisher instanceof Cluster) await publisher.spublish(to, message);
        else await publisher.publish(to, message);
      },
      conversations ? writeSockets('raw', (i) => ({ c: `c${i}` })) : undefined,
    );
  } finally {
    publisher.disconnect();
    for (const relay of relays) relay.kill('SIGKILL');
  }
}

runMain(async () => {
  console.log(
    SHAPE === 'conversations'
      ? `scale: ${K} instances, ${CONVERSATIONS} conversations × ${MEMBERS} members = ${N} subscribers (one WebSocket each), Redis ${MODE}, one message to each conversation`
      : `scale: ${K} instances, ${N} subscribers (one WebSocket each), Redis ${MODE}, ${EVENTS} events one by one`,
  );
  const redis = redisTarget();
  try {
    const ceiling = await raw(redis);
    const result = await pulse(redis);
    const row = (label: string, r: Result) =>
      console.log(
        `${label.padEnd(6)} connected ${r.connected}/${N} failed ${r.failed} dropped ${r.dropped} errors ${r.errors} | reached ${(100 * r.reached).toFixed(1)}% | connect ${r.connectSeconds.toFixed(1)} s | ${Math.round(r.deliveriesPerSecond)} deliveries/s | last delivery p50 ${r.lastP50} ms p99 ${r.lastP99} ms | RSS/conn ${r.rssPerConnKb.toFixed(1)} KB | Redis CPU ${r.redisCpu}`,
      );
    row('raw', ceiling);
    row('pulse', result);
    if (result.firstError) console.log(`first error frame a Pulse subscriber received: ${result.firstError}`);
    if (SHAPE === 'conversations') {
      console.log(
        `messages: raw ${CONVERSATIONS} published in ${ceiling.sendSeconds.toFixed(1)} s; pulse ${CONVERSATIONS} sendMessage committed in ${result.sendSeconds.toFixed(1)} s (${Math.round(CONVERSATIONS / result.sendSeconds)} messages/s, each one log append in its transaction)`,
      );
    }
    console.log(
      `ratios pulse/raw: deliveries/s ${(result.deliveriesPerSecond / ceiling.deliveriesPerSecond).toFixed(2)}x, last-delivery p99 ${(result.lastP99 / ceiling.lastP99).toFixed(2)}x, RSS/conn ${(result.rssPerConnKb / ceiling.rssPerConnKb).toFixed(2)}x`,
    );
  } finally {
    redis.stop();
  }
});
