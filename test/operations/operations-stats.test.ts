/**
 * `operationsStats`: an ADMIN's live feed of every instance's figures (connections, subscriptions by
 * stream, events per second, delivery latency), FORBIDDEN to anyone else; and the delivery-latency
 * histogram on /metrics.
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { gqlOk, registerUser, type TestUser } from '../support/client.js';
import { connectWs, type TestSubscription } from '../support/ws.js';
import { disposers } from '../support/setup.js';
import { describeOnPGlite, TEST_DATABASE_URL, TEST_REDIS_URL } from '../support/database.js';
import { makeAdmin, startCluster, startTestServer, waitForSubscriptions, type TestCluster, type TestServer } from '../support/server.js';

const OPERATIONS = `subscription { operationsStats { at instances { instanceId at connections subscriptions { kind count }
  publishedPerSecond deliveredPerSecond latencyP50Ms latencyP99Ms rssBytes } } }`;
const MATCH_FEED = `subscription { matchFeed(region: OCE) { kind } }`;
const POST_MATCH = `mutation($game: String!) { postMatch(input: { game: $game, region: OCE, slots: 2 }) { id } }`;

interface Instance {
  instanceId: string;
  connections: number;
  subscriptions: { kind: string; count: number }[];
  publishedPerSecond: number;
  deliveredPerSecond: number;
  latencyP50Ms: number | null;
  latencyP99Ms: number | null;
  rssBytes: number;
}
type Stats = { operationsStats: { at: string; instances: Instance[] } };

/** Takes samples until one satisfies `predicate` (each sample arrives about a second apart). */
async function sampleWhere(sub: TestSubscription<Stats>, predicate: (instances: Instance[]) => boolean, samples = 20): Promise<Instance[]> {
  for (let i = 0; i < samples; i++) {
    const { instances } = (await sub.next(10_000)).operationsStats;
    if (predicate(instances)) return instances;
  }
  throw new Error(`no sample out of ${samples} matched`);
}

describeOnPGlite('operationsStats on one instance', () => {
  const cleanup = disposers();
  let server: TestServer;
  let admin: string;
  let user: TestUser;
  beforeAll(async () => {
    server = await startTestServer({ config: { instanceId: 'ops-one' } });
    const adminUser = await registerUser(server.url, 'admin');
    admin = await makeAdmin(server, adminUser.username);
    user = await registerUser(server.url, 'user');
  });
  afterEach(() => cleanup.run());
  afterAll(() => server?.stop());

  it('pushes the figures at once, then every second, and they follow the load', async () => {
    const ws = cleanup.add(connectWs(server.wsUrl, admin));
    const ops = ws.subscribe<Stats>(OPERATIONS);
    const first = (await ops.next()).operationsStats.instances;
    expect(first.map((i) => i.instanceId)).toEqual(['ops-one']);
    expect(first[0].rssBytes).toBeGreaterThan(0);

    // Load: three subscribers of one region, one match posted per sample.
    const listeners = cleanup.add(connectWs(server.wsUrl, user.token));
    const feeds = [0, 1, 2].map(() => listeners.subscribe(MATCH_FEED));
    await waitForSubscriptions(server, 3);
    let posted = 0;
    const loaded = await (async () => {
      for (let i = 0; i < 20; i++) {
        await gqlOk(server.url, POST_MATCH, { game: `Load ${posted++}` }, user.token);
        const [self] = (await ops.next()).operationsStats.instances;
        if (self.deliveredPerSecond > 0 && self.publishedPerSecond > 0) return self;
      }
      throw new Error('the load never showed');
    })();
    expect(loaded.connections).toBe(2);
    expect(loaded.subscriptions).toContainEqual({ kind: 'region', count: 3 });
    expect(loaded.latencyP50Ms).not.toBeNull();
    expect(loaded.latencyP99Ms!).toBeGreaterThanOrEqual(loaded.latencyP50Ms!);
    for (const feed of feeds) expect((await feed.next()).matchFeed.kind).toBe('POSTED');

    // The load stops: an idle interval delivers nothing and has no latency.
    for (const feed of feeds) feed.unsubscribe();
    const idle = await sampleWhere(ops, ([self]) => self.deliveredPerSecond === 0 && !self.subscriptions.some((s) => s.kind === 'region'));
    expect(idle[0].latencyP50Ms).toBeNull();
  });

  it('is FORBIDDEN to a signed-in user who is not ADMIN, and UNAUTHENTICATED anonymously', async () => {
    const signedIn = cleanup.add(connectWs(server.wsUrl, user.token)).subscribe(OPERATIONS);
    const refused = (await signedIn.ended()).errors as { extensions?: { code?: string } }[];
    expect(refused[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(signedIn.received).toEqual([]);
    const anonymous = cleanup.add(connectWs(server.wsUrl)).subscribe(OPERATIONS);
    const anonymousErrors = (await anonymous.ended()).errors as { extensions?: { code?: string } }[];
    expect(anonymousErrors[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('exposes the commit-to-delivery histogram on /metrics', async () => {
    const metrics = await (await fetch(server.url.replace('/graphql', '/metrics'))).text();
    expect(metrics).toContain('# TYPE pulse_delivery_latency_seconds histogram');
    const count = Number(/^pulse_delivery_latency_seconds_count\{[^}]*\} (\d+)$/m.exec(metrics)?.[1]);
    expect(count).toBeGreaterThanOrEqual(3); // the three deliveries of the first test at least
  });

  it('serves every Pulse metric the Grafana dashboard (deploy/grafana-dashboard.json) queries', async () => {
    const dashboard = JSON.parse(await readFile(resolve(import.meta.dirname, '../../deploy/grafana-dashboard.json'), 'utf8')) as {
      panels: { targets: { expr: string }[] }[];
    };
    const queried = new Set(dashboard.panels.flatMap((p) => p.targets.flatMap((t) => t.expr.match(/\bpulse_\w+/g) ?? [])));
    const metrics = await (await fetch(server.url.replace('/graphql', '/metrics'))).text();
    const served = new Set([...metrics.matchAll(/^(pulse_\w+?)(?:_bucket|_sum|_count)?[{ ]/gm)].map(([, name]) => name));
    expect(queried.size).toBeGreaterThanOrEqual(6);
    expect([...queried].filter((name) => !served.has(name) && !served.has(name.replace(/_bucket$/, '')))).toEqual([]);
  });
});

describe.runIf(TEST_DATABASE_URL && TEST_REDIS_URL)('operationsStats across instances', () => {
  let cluster: TestCluster;
  const cleanup = disposers();
  beforeAll(async () => {
    cluster = await startCluster(2);
  });
  afterAll(async () => {
    await cleanup.run();
    await cluster?.stop();
  });

  it('shows every instance to an ADMIN connected to any one of them', async () => {
    const [a, b] = cluster.servers;
    const adminUser = await registerUser(a.url, 'admin');
    const admin = await makeAdmin(a, adminUser.username);
    const user = await registerUser(b.url, 'user');
    cleanup.add(connectWs(b.wsUrl, user.token)).subscribe(MATCH_FEED);
    await waitForSubscriptions(b, 1);
    const ops = cleanup.add(connectWs(a.wsUrl, admin)).subscribe<Stats>(OPERATIONS);
    const both = await sampleWhere(
      ops,
      (instances) => instances.length === 2 && instances.some((i) => i.subscriptions.some((s) => s.kind === 'region')),
    );
    expect(both.map((i) => i.instanceId)).toEqual(['test-0', 'test-1']);
    expect(both.find((i) => i.instanceId === 'test-1')!.subscriptions).toContainEqual({ kind: 'region', count: 1 });
  });
});
