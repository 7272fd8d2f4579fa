/** Fan-out bench measurements: delivery latency and rate, RSS per connection, connect storm, replay of missed events. */
import { percentile } from '../lib/common.js';
import { Child, startKind } from './child.js';
import { now } from './protocol.js';

/** Has the load child open `count` subscriber sockets to `url`, `rate` per second (0: all at once); resolves when all are acknowledged. */
async function connectSubscribers(client: Child, kind: string, url: string, count: number, rate: number) {
  await client.wait('ready');
  const protocol = kind === 'raw' ? 'raw' : 'graphql-ws';
  client.send({ type: 'connect', url, count, protocol, rate, variables: { region: 'NA' } });
  return (await client.wait('connected', 300_000)) as unknown as { failed: number; seconds: number };
}

/** N subscribers on one topic, `events` triggers (on instance B for `pg`, or A): latency and rate of the deliveries. */
export async function fanout(
  kind: string,
  n: number,
  events: number,
  triggerOn?: 'a',
): Promise<{ p50: number; p99: number; last99: number; rate: number; failed: number; commit: number }> {
  const setup = await startKind(kind);
  const client = new Child(['load']);
  try {
    const { failed } = await connectSubscribers(client, kind, setup.url, n, 0);
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
      p50: percentile(latencies, 50),
      p99: percentile(latencies, 99),
      last99: percentile(lasts, 99),
      rate: (live * events) / (busy / 1000),
      failed,
      commit: percentile(commits, 50),
    };
  } finally {
    client.kill();
    await setup.stop();
  }
}

/** The server's RSS idle and with n subscribers (two load clients): bytes per connection. */
export async function rss(kind: string, n: number): Promise<{ perConnection: number; idle: number }> {
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

/** n connects at ~10k/s: how many failed and how long until all were acknowledged. */
export async function storm(kind: string, n: number): Promise<{ failed: number; seconds: number }> {
  const setup = await startKind(kind);
  const client = new Child(['load']);
  try {
    const { failed, seconds } = await connectSubscribers(client, kind, setup.url, n, 10_000);
    return { failed, seconds };
  } finally {
    client.kill();
    await setup.stop();
  }
}

/** Has `server` post `count` matches in EU; the cursor just before them (a replay of all `count`). */
async function replayCursor(server: Child, count: number): Promise<string> {
  server.send({ type: 'replay-setup', count });
  const { seqBefore } = (await server.wait('replay-ready', 600_000)) as unknown as { seqBefore: string };
  return Buffer.from(`region:EU\n${seqBefore}`).toString('base64url');
}

/** Ten clients replay `count` events each while another client queries over HTTP: that query's latency. */
export async function replaysAndQuery(
  kind: string,
  count: number,
  replayers = 10,
): Promise<{ seconds: number; p50: number; p99: number; queries: number }> {
  const setup = await startKind(kind);
  const client = new Child(['load']);
  await client.wait('ready');
  try {
    const cursor = await replayCursor(setup.servers[0], count);
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
    return { seconds, p50: percentile(latencies, 50), p99: percentile(latencies, 99), queries: latencies.length };
  } finally {
    client.kill();
    await setup.stop();
  }
}

/** One client subscribing with a cursor `count` events back: seconds until it received them all. */
export async function replay(kind: string, count: number): Promise<number> {
  const setup = await startKind(kind);
  const client = new Child(['load']);
  await client.wait('ready');
  try {
    const cursor = await replayCursor(setup.servers[0], count);
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
