/**
 * `npm run soak -- --minutes N [--instances 3] [--rate 8] [--subscribers 6] [--storm 1500]`: a day in
 * production, compressed. K compiled instances on PostgreSQL (through a cuttable proxy) and their own
 * Redis; mixed traffic from every domain at a steady rate (matches, the duel queue with each game played, typing, a ticket rush every minute, likes
 * and comments, chat, subscribers that reconnect with `after`); faults on a schedule (kill -9 and
 * restart, drain and restart, Redis restart, PostgreSQL cut for 5 s, a reconnect storm); samples every
 * 5 s; then the invariant checker (check.ts). Writes soak-report/index.html and summary.json; the last
 * line printed is the summary as one JSON object; exits 1 when an invariant broke.
 * SOAK_DATABASE_URL: an admin URL of the PostgreSQL server (default postgres://postgres@127.0.0.1:5432/postgres).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { check } from './check.js';
import { startSoakCluster } from './cluster.js';
import { chart, page, type Fault } from './report.js';
import { request, Subscriber, Tally, type Answer, type Data } from './traffic.js';

const { values } = parseArgs({
  options: {
    minutes: { type: 'string', default: '30' },
    instances: { type: 'string', default: '3' },
    rate: { type: 'string', default: '8' },
    subscribers: { type: 'string', default: '6' },
    storm: { type: 'string', default: '1500' },
  },
});
const MINUTES = Number(values.minutes);
const INSTANCES = Number(values.instances);
const RATE = Number(values.rate);
const PER_TOPIC = Number(values.subscribers);
const STORM = Number(values.storm);
const t0 = Date.now();
const since = () => (Date.now() - t0) / 1000;
const log = (msg: string) => console.log(`[${since().toFixed(0).padStart(5)} s] ${msg}`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const cluster = await startSoakCluster({
  instances: INSTANCES,
  basePort: Number(process.env.SOAK_BASE_PORT ?? 25100),
  databaseUrl: process.env.SOAK_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
});
log(`${INSTANCES} instances up: ${cluster.urls.join(' ')}`);
const tally = new Tally();
let turn = 0;
const pickUrl = () => {
  const up = cluster.up();
  return cluster.urls[up.length ? up[turn++ % up.length] : 0];
};
const gql = (query: string, variables: Record<string, unknown>, token: string | null = null) =>
  request(pickUrl(), query, variables, token, tally);
/** A setup step: retried until it answers (setup runs before any fault). */
async function must(query: string, variables: Record<string, unknown>, token: string | null = null): Promise<Data> {
  for (;;) {
    const r = await gql(query, variables, token);
    if (r.data) return r.data;
    if (r.code && r.code !== 'UNAVAILABLE') throw new Error(`setup: ${r.code} for ${query.slice(0, 60)}`);
    await sleep(500);
  }
}

// ---------------------------------------------------------------- setup
const users: { id: string; token: string }[] = [];
for (let i = 0; i < 12; i++) {
  const { register } = await must('mutation($input: RegisterInput!) { register(input: $input) { token user { id } } }', {
    input: { username: `soak${i}_${t0 % 100000}`, password: 'soak-password-123' },
  });
  users.push({ id: String(register?.user?.id), token: String(register?.token) });
}
const [owner] = users;
const postId = String((await must('mutation { createPost(content: "soak") { id } }', {}, owner.token)).createPost?.id);
const conversationId = String(
  (
    await must(
      'mutation($input: CreateConversationInput!) { createConversation(input: $input) { id } }',
      { input: { kind: 'GROUP', title: 'soak', memberIds: users.slice(1).map((u) => u.id) } },
      owner.token,
    )
  ).createConversation?.id,
);
const startsAt = new Date(Date.now() + 86_400_000).toISOString();
const createEvent = async (capacity: number) =>
  String(
    (
      await must(
        'mutation($input: CreateEventInput!) { createEvent(input: $input) { id } }',
        { input: { title: 'soak', startsAt, capacity } },
        owner.token,
      )
    ).createEvent?.id,
  );
const steadyEvent = await createEvent(1_000_000);

// ---------------------------------------------------------------- subscribers
const subscribers: Subscriber[] = [];
const startSeqs = new Map<Subscriber, number>();
async function follow(topic: string, query: string, variables: Record<string, unknown>, count: number, token: () => string | null) {
  const { rows } = await cluster.db.query<{ seq: number }>('SELECT "seq" FROM "StreamTopic" WHERE "topic" = $1', [topic]);
  const start = rows.length ? Number(rows[0].seq) : 0;
  for (let i = 0; i < count; i++) {
    const sub = new Subscriber(topic, query, variables, start, pickUrl, tally, token());
    startSeqs.set(sub, start);
    subscribers.push(sub);
    sub.start();
  }
}
const FEED =
  'subscription($region: Region!, $after: String) { matchFeed(region: $region, after: $after) { kind cursor at match { id game } } }';
const POST = 'subscription($postId: ID!, $after: String) { postActivity(postId: $postId, after: $after) { kind cursor at likeCount } }';
const CHAT =
  'subscription($conversationId: ID!, $after: String) { conversationEvents(conversationId: $conversationId, after: $after) { kind cursor at } }';
const SEATS =
  'subscription($eventId: ID!, $after: String) { seatUpdates(eventId: $eventId, after: $after) { kind cursor at availableSeats } }';
let member = 0;
await follow('region:EU', FEED, { region: 'EU' }, PER_TOPIC, () => null);
await follow('region:NA', FEED, { region: 'NA' }, PER_TOPIC, () => null);
await follow(`post:${postId}`, POST, { postId: postId }, PER_TOPIC, () => null);
await follow(
  `conversation:${conversationId}`,
  CHAT,
  { conversationId: conversationId },
  PER_TOPIC,
  () => users[member++ % users.length].token,
);
await follow(`event:${steadyEvent}`, SEATS, { eventId: steadyEvent }, PER_TOPIC, () => null);
log(`${subscribers.length} subscribers on 5 topics`);

// ---------------------------------------------------------------- writers
const answers: Answer[] = [];
let writing = true;
let messageNo = 0;
const liked = new Set<string>();
async function write(): Promise<void> {
  const user = users[Math.floor(Math.random() * users.length)];
  const roll = Math.random();
  if (roll < 0.25) {
    const r = await gql(
      'mutation($input: PostMatchInput!) { postMatch(input: $input) { id } }',
      {
        input: { game: `g${Math.floor(Math.random() * 5)}`, region: Math.random() < 0.5 ? 'EU' : 'NA', slots: 3 },
      },
      user.token,
    );
    answers.push(outcome('postMatch', r, r.data?.postMatch?.id));
  } else if (roll < 0.45) {
    const op = liked.has(user.id) ? 'unlikePost' : 'likePost';
    const r = await gql(`mutation($postId: ID!) { ${op}(postId: $postId) { id likeCount } }`, { postId: postId }, user.token);
    if (r.data) op === 'likePost' ? liked.add(user.id) : liked.delete(user.id);
    answers.push(outcome(op, r, postId));
  } else if (roll < 0.55) {
    const r = await gql('mutation($postId: ID!) { addComment(postId: $postId, content: "soak") { id } }', { postId: postId }, user.token);
    answers.push(outcome('addComment', r, r.data?.addComment?.id));
  } else if (roll < 0.62) {
    // The matchmaking queue: whoever completes a duel plays it at once (start, two moves, end).
    const r = await gql('mutation { joinQueue(mode: "duel", region: OCE) { id game { id } } }', {}, user.token);
    answers.push(outcome('joinQueue', r));
    const gameId = r.data?.joinQueue?.game?.id;
    if (gameId) {
      for (const step of [
        'mutation($g: ID!) { startGame(gameId: $g, public: true) { id } }',
        'mutation($g: ID!) { sendGameAction(gameId: $g, action: { move: 1 }) { id } }',
        'mutation($g: ID!) { sendGameAction(gameId: $g, action: { move: 2 }) { id } }',
        'mutation($g: ID!) { endGame(gameId: $g) { id } }',
      ]) {
        const done = await gql(step, { g: gameId }, user.token);
        answers.push(outcome(step.slice(step.indexOf('{') + 2, step.indexOf('(', step.indexOf('{'))), done));
      }
    }
  } else if (roll < 0.67) {
    const r = await gql('mutation($c: ID!) { setTyping(conversationId: $c, isTyping: true) }', { c: conversationId }, user.token);
    answers.push(outcome('setTyping', r));
  } else if (roll < 0.87) {
    // Retried with the same clientMessageId until answered: a retry never stores a second message.
    const clientMessageId = `m${t0}-${messageNo++}`;
    for (let attempt = 0; attempt < 6; attempt++) {
      const r = await gql(
        'mutation($c: ID!, $t: String!, $m: String) { sendMessage(conversationId: $c, text: $t, clientMessageId: $m) { id } }',
        { c: conversationId, t: `hello ${clientMessageId}`, m: clientMessageId },
        user.token,
      );
      if (r.unknown || r.code === 'UNAVAILABLE') {
        await sleep(300);
        continue;
      }
      answers.push({ ...outcome('sendMessage', r, r.data?.sendMessage?.id), clientMessageId });
      break;
    }
  } else {
    const r = await gql('mutation($e: ID!) { bookSeats(eventId: $e, seats: 1) { id } }', { e: steadyEvent }, user.token);
    answers.push(outcome('bookSeats', r, r.data?.bookSeats?.id));
  }
}
function outcome(op: string, r: { data?: unknown; code?: string; unknown?: true }, id?: string): Answer {
  if (r.data) return { op, outcome: 'ok', id };
  if (r.code) return { op, outcome: r.code === 'UNAVAILABLE' ? 'unknown' : 'refused', code: r.code };
  return { op, outcome: 'unknown' };
}
const writers = (async () => {
  while (writing) {
    void write();
    await sleep(1000 / RATE);
  }
})();

/** A ticket rush: `capacity` seats, twice as many simultaneous attempts; exactly `capacity` must be booked. */
const rushes: { eventId: string; capacity: number; booked: number; soldOut: number }[] = [];
async function rush(capacity = 20): Promise<void> {
  const eventId = await createEvent(capacity);
  await follow(`event:${eventId}`, SEATS, { eventId }, 2, () => null);
  const results = await Promise.all(
    Array.from({ length: capacity * 2 }, (_, i) =>
      gql('mutation($e: ID!) { bookSeats(eventId: $e, seats: 1) { id } }', { e: eventId }, users[i % users.length].token),
    ),
  );
  for (const r of results) answers.push(outcome('bookSeats', r, r.data?.bookSeats?.id));
  const booked = results.filter((r) => r.data).length;
  rushes.push({ eventId, capacity, booked, soldOut: results.filter((r) => r.code === 'SOLD_OUT').length });
  log(`rush: ${booked} booked of ${capacity}, ${results.filter((r) => r.code === 'SOLD_OUT').length} SOLD_OUT`);
}

// ---------------------------------------------------------------- faults
const faults: Fault[] = [];
const KINDS = ['kill9', 'drain', 'redisRestart', 'postgresCut', 'reconnectStorm'] as const;
async function fault(kind: (typeof KINDS)[number], n: number): Promise<void> {
  faults.push({ at: since(), kind });
  const victim = n % INSTANCES;
  log(`fault: ${kind}${kind === 'kill9' || kind === 'drain' ? ` instance ${victim}` : ''}`);
  if (kind === 'kill9') {
    await cluster.killHard(victim);
    await sleep(1000);
    await cluster.start(victim);
  } else if (kind === 'drain') {
    await cluster.drain(victim);
    await cluster.start(victim);
  } else if (kind === 'redisRestart') {
    await cluster.restartRedis();
  } else if (kind === 'postgresCut') {
    await cluster.cutDatabase(5000);
  } else {
    // Several thousand sockets at once: the followers drop and reconnect, and a crowd connects and leaves.
    for (const sub of subscribers) sub.drop();
    const crowd = Array.from({ length: STORM }, () =>
      createClient({ url: `${pickUrl().replace('http', 'ws')}/graphql`, webSocketImpl: WebSocket, retryAttempts: 0 }),
    );
    await Promise.all(
      crowd.map(
        (client) =>
          new Promise<void>((resolve) => {
            const done = setTimeout(resolve, 20_000);
            client.subscribe(
              { query: FEED, variables: { region: 'EU' } },
              { next: () => {}, error: () => resolve(), complete: () => resolve() },
            );
            client.on('connected', () => {
              clearTimeout(done);
              resolve();
            });
          }),
      ),
    );
    await Promise.all(crowd.map((c) => c.dispose()));
  }
}

// ---------------------------------------------------------------- samples
interface Sample {
  at: number;
  instance: number;
  rss: number;
  heap: number;
  loopP99: number;
  sockets: number;
  live: number;
  busTopics: number;
}
const samples: Sample[] = [];
const pgConnections: [number, number][] = [];
const metric = (text: string, name: string) => {
  const line = text.split('\n').find((l) => l.startsWith(name) && !l.startsWith('#'));
  return line ? Number(line.split(' ').pop()) : 0;
};
async function sample(): Promise<void> {
  const at = since();
  for (const i of cluster.up()) {
    const text = await fetch(`${cluster.urls[i]}/metrics`).then(
      (r) => r.text(),
      () => '',
    );
    if (!text) continue;
    samples.push({
      at,
      instance: i,
      rss: metric(text, 'process_resident_memory_bytes') / 1048576,
      heap: metric(text, 'nodejs_heap_size_used_bytes') / 1048576,
      loopP99: metric(text, 'nodejs_eventloop_lag_p99_seconds') * 1000,
      sockets: metric(text, 'pulse_websocket_connections'),
      live: metric(text, 'pulse_subscriptions_live'),
      busTopics: metric(text, 'pulse_bus_topics'),
    });
  }
  const { rows } = await cluster.db.query<{ n: string }>('SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database()');
  pgConnections.push([at, Number(rows[0].n)]);
}
const sampler = setInterval(() => void sample().catch(() => {}), 5000);

// ---------------------------------------------------------------- the run
const total = MINUTES * 60_000;
const warmUp = Math.min(30_000, total * 0.15);
const rounds = MINUTES >= 10 ? 2 : 1;
const slots = KINDS.length * rounds;
const gap = (total - warmUp - 30_000) / slots;
const rushEvery = Math.max(40_000, Math.min(60_000, total / 4));
let nextRush = Date.now() + rushEvery / 2;
await sleep(warmUp);
for (let n = 0; n < slots; n++) {
  const slotEnd = Date.now() + gap;
  await fault(KINDS[n % KINDS.length], n);
  while (Date.now() < slotEnd) {
    if (Date.now() >= nextRush) {
      nextRush = Date.now() + rushEvery;
      await rush();
    }
    await sleep(Math.min(1000, Math.max(0, slotEnd - Date.now())));
  }
}
await sleep(Math.max(0, t0 + total - Date.now()));
writing = false;
await writers;
log('writers stopped; letting subscribers catch up');
const heads = async () =>
  new Map(
    (await cluster.db.query<{ topic: string; seq: number }>('SELECT "topic", "seq" FROM "StreamTopic"')).rows.map((r) => [
      r.topic,
      Number(r.seq),
    ]),
  );
const caughtUpBy = Date.now() + 60_000;
for (;;) {
  const known = await heads();
  const behind = subscribers.filter((s) => (s.received.at(-1)?.seq ?? startSeqs.get(s)!) < (known.get(s.topic) ?? 0));
  if (behind.length === 0 || Date.now() > caughtUpBy) break;
  await sleep(1000);
}
clearInterval(sampler);
for (const sub of subscribers) sub.stop();

// ---------------------------------------------------------------- verdicts
const verdicts = await check(cluster.db, subscribers, startSeqs, answers);
const rushMismatch = rushes.filter((r) => r.booked !== r.capacity).length;
const faultCounts = Object.fromEntries(KINDS.map((k) => [k, faults.filter((f) => f.kind === k).length]));
const rssGrowthPercent: Record<string, number | null> = {};
for (let i = 0; i < INSTANCES; i++) {
  // Within the instance's last process lifetime, after a 2-minute warm-up (a restart starts it afresh):
  // the mean of its first minute against the mean of its last minute.
  const mine = samples.filter((s) => s.instance === i);
  let from = mine.length - 1;
  while (from > 0 && mine[from - 1].at > mine[from].at - 10) from--;
  const life = mine.slice(from).filter((s, _k, all) => s.at >= all[0].at + 120);
  const mean = (list: Sample[]) => list.reduce((n, s) => n + s.rss, 0) / list.length;
  const first = life.filter((s) => s.at < life[0].at + 60);
  const last = life.filter((s) => s.at > life[life.length - 1]?.at - 60);
  rssGrowthPercent[`instance${i}`] = life.length >= 24 ? Math.round(((mean(last) - mean(first)) / mean(first)) * 1000) / 10 : null;
}
const latencies = subscribers.flatMap((s) => s.received.map((r) => r.latencyMs)).sort((a, b) => a - b);
const pct = (p: number) => (latencies.length ? latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] : null);
const internalErrors = (tally.codes.get('INTERNAL_SERVER_ERROR') ?? 0) + (tally.codes.get('UNCODED') ?? 0);
const ok =
  verdicts.lost === 0 &&
  verdicts.duplicated === 0 &&
  verdicts.reordered === 0 &&
  verdicts.seatMismatches === 0 &&
  verdicts.likeMismatches === 0 &&
  verdicts.answeredNotStored === 0 &&
  verdicts.refusedButStored === 0 &&
  rushMismatch === 0 &&
  internalErrors === 0;
const summary = {
  ok,
  minutes: MINUTES,
  instances: INSTANCES,
  faults: faultCounts,
  deliveries: verdicts.deliveries,
  lost: verdicts.lost,
  duplicated: verdicts.duplicated,
  reordered: verdicts.reordered,
  gaps: verdicts.gaps,
  internalErrors,
  errorCodes: Object.fromEntries(tally.codes),
  mutations: {
    answered: answers.filter((a) => a.outcome === 'ok').length,
    refused: answers.filter((a) => a.outcome === 'refused').length,
    unknown: answers.filter((a) => a.outcome === 'unknown').length,
  },
  rushes: { count: rushes.length, exact: rushes.length - rushMismatch },
  seatMismatches: verdicts.seatMismatches,
  likeMismatches: verdicts.likeMismatches,
  answeredNotStored: verdicts.answeredNotStored,
  refusedButStored: verdicts.refusedButStored,
  reconnects: subscribers.reduce((n, s) => n + s.reconnects, 0),
  latencyMs: { p50: pct(0.5), p99: pct(0.99) },
  rssGrowthPercent,
  problems: verdicts.problems.slice(0, 20),
};

// ---------------------------------------------------------------- report
const perMinute = new Map<number, number[]>();
for (const s of subscribers)
  for (const r of s.received)
    perMinute.set(Math.floor((r.receivedAt - t0) / 60_000), [
      ...(perMinute.get(Math.floor((r.receivedAt - t0) / 60_000)) ?? []),
      r.latencyMs,
    ]);
const minuteP = (p: number): [number, number][] =>
  [...perMinute.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([m, v]) => [m * 60 + 30, v.sort((a, b) => a - b)[Math.floor(p * (v.length - 1))]]);
const throughput = new Map<number, number>();
for (const s of subscribers)
  for (const r of s.received)
    throughput.set(Math.floor((r.receivedAt - t0) / 5000) * 5, (throughput.get(Math.floor((r.receivedAt - t0) / 5000) * 5) ?? 0) + 1 / 5);
const byInstance = (field: keyof Sample) =>
  Array.from({ length: INSTANCES }, (_, i) => ({
    name: `instance ${i}`,
    points: samples.filter((s) => s.instance === i).map((s): [number, number] => [s.at, s[field]]),
  }));
const charts = [
  chart('RSS', 'MB', byInstance('rss'), faults),
  chart('Heap used', 'MB', byInstance('heap'), faults),
  chart(
    'Delivery latency per minute',
    'ms',
    [
      { name: 'p50', points: minuteP(0.5) },
      { name: 'p99', points: minuteP(0.99) },
    ],
    faults,
  ),
  chart('Deliveries', 'per s', [{ name: 'deliveries', points: [...throughput.entries()].sort((a, b) => a[0] - b[0]) }], faults),
  chart('Event-loop delay p99', 'ms', byInstance('loopP99'), faults),
  chart('Open sockets', 'count', byInstance('sockets'), faults),
  chart('PostgreSQL connections', 'count', [{ name: 'connections', points: pgConnections }], faults),
];
mkdirSync('soak-report', { recursive: true });
writeFileSync('soak-report/index.html', page(summary, charts));
writeFileSync('soak-report/summary.json', `${JSON.stringify(summary, null, 2)}\n`);
writeFileSync('soak-report/memory.svg', charts[0]);
writeFileSync('soak-report/samples.json', `${JSON.stringify({ samples, pgConnections, faults })}\n`);
await cluster.stop();
log(`report: soak-report/index.html (${verdicts.problems.length} problems)`);
console.log(JSON.stringify(summary));
process.exit(ok ? 0 : 1);
