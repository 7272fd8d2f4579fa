/**
 * Replays take turns per client (streams/replays.ts): one client flooding the instance with replays
 * (several connections, many replays each, inside every default limit) costs that client, not another
 * client resuming beside it, nor anyone's live delivery. Asserted with counts (how much of the flood
 * went ahead of the other client), never with timers; the times are printed.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { postMatch } from '../../src/matches/service.js';
import { encodeCursor } from '../../src/streams/cursor.js';
import { Topics } from '../../src/streams/index.js';
import { EventQueue } from '../../src/streams/queue.js';
import { FairGate } from '../../src/streams/replays.js';
import { gqlOk } from '../support/client.js';
import { DATABASE_KINDS } from '../support/database.js';
import { useTestServer } from '../support/setup.js';
import { deferred, waitUntil } from '../support/wait.js';
import { connectWs } from '../support/ws.js';

describe('the replay gate', () => {
  /** Runs pages through `gate`, each held until released; returns the order in which pages started. */
  function harness(gate: FairGate) {
    const started: string[] = [];
    const releases: (() => void)[] = [];
    const page = (client: string) =>
      gate.run(client, () => {
        started.push(client);
        return new Promise<void>((resolve) => releases.push(resolve));
      });
    const releaseOne = async () => {
      releases.shift()?.();
      await new Promise((resolve) => setImmediate(resolve));
    };
    return { started, page, releaseOne };
  }

  it('a client arriving behind a 200-page flood starts at once: one client holds at most half the slots', async () => {
    const gate = new FairGate(4);
    const { started, page, releaseOne } = harness(gate);
    const flood = Array.from({ length: 200 }, () => page('flooder'));
    await new Promise((resolve) => setImmediate(resolve));
    expect(started).toEqual(['flooder', 'flooder']);
    const other = page('other');
    await new Promise((resolve) => setImmediate(resolve));
    expect(started).toEqual(['flooder', 'flooder', 'other']);
    while (started.length < 201 || gate.queued > 0) await releaseOne();
    for (let i = 0; i < 4; i++) await releaseOne();
    await Promise.all([...flood, other]);
    expect(started.filter((c) => c === 'flooder')).toHaveLength(200);
  });

  it('clients with pages waiting take turns, page by page', async () => {
    const gate = new FairGate(1);
    const { started, page, releaseOne } = harness(gate);
    const all = ['a', 'b', 'c'].flatMap((client) => Array.from({ length: 5 }, () => page(client)));
    while (started.length < 15 || gate.queued > 0) await releaseOne();
    await releaseOne();
    await Promise.all(all);
    // Round robin: a's first page ran at once, then a, b, c, a, b, c, ...: no client runs three in a row.
    expect(started.join('')).toBe('aabcabcabcabcbc');
  });

  it('a page that fails gives its slot back: the next page of that client and of others still run', async () => {
    const gate = new FairGate(2);
    const failed = gate.run('a', async () => {
      throw new Error('read failed');
    });
    const after = gate.run('a', async () => 'a again');
    const other = gate.run('b', async () => 'b');
    await expect(failed).rejects.toThrow('read failed');
    await expect(after).resolves.toBe('a again');
    await expect(other).resolves.toBe('b');
    expect(gate.queued).toBe(0);
  });

  it("a page's slot is held until its events have left the queue: taken by the consumer, or sent by the sink it was redirected to", async () => {
    const settled = (promise: Promise<void>) => {
      const state = { done: false };
      void promise.then(() => (state.done = true));
      return state;
    };
    const turn = () => new Promise((resolve) => setImmediate(resolve));
    const queue = new EventQueue<number>();
    queue.push(1);
    queue.push(2);
    const taken = settled(queue.sent());
    await queue.next();
    await turn();
    expect(taken.done).toBe(false);
    await queue.next();
    await turn();
    expect(taken.done).toBe(true);

    // Redirected with values waiting: they are the sink's to send, and sent() follows the sink's.
    queue.push(3);
    const redirected = settled(queue.sent());
    let sinkSent: () => void = () => {};
    const pushed: number[] = [];
    queue.redirect({
      push: (v) => pushed.push(v),
      room: async () => {},
      sent: () => new Promise<void>((resolve) => (sinkSent = resolve)),
      end: () => {},
    });
    await turn();
    expect(pushed).toEqual([3]);
    expect(redirected.done).toBe(false);
    sinkSent();
    await turn();
    expect(redirected.done).toBe(true);
  });

  it('a single client still uses a slot when it is alone, and pages of one client run in arrival order', async () => {
    const gate = new FairGate(1);
    const order: number[] = [];
    await Promise.all([1, 2, 3].map((n) => gate.run('only', async () => void order.push(n))));
    expect(order).toEqual([1, 2, 3]);
  });
});

/**
 * One user's flood over raw graphql-transport-ws sockets that only count their `next` messages (the
 * test process is also the server: a full client per flood subscription would cost more than the
 * flood itself).
 */
function floodConnection(wsUrl: string, token: string) {
  const socket = new WebSocket(wsUrl, 'graphql-transport-ws');
  const state = { events: 0, errors: [] as string[], closed: false };
  const acked = deferred<void>();
  socket.on('open', () => socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${token}` } })));
  socket.on('message', (data) => {
    const text = String(data);
    if (text.includes('"type":"next"')) state.events++;
    else if (text.includes('"type":"connection_ack"')) acked.resolve();
    else if (text.includes('"type":"error"')) state.errors.push(text);
  });
  socket.on('close', (code) => {
    state.closed = true;
    acked.reject(new Error(`a flood socket closed (${code}) before connection_ack`));
  });
  socket.on('error', () => {});
  return {
    state,
    acked: acked.promise,
    subscribe(count: number, query: string, variables: Record<string, unknown>) {
      for (let i = 0; i < count; i++) socket.send(JSON.stringify({ id: String(i), type: 'subscribe', payload: { query, variables } }));
    },
    close: () => socket.terminate(),
  };
}

describe.each(DATABASE_KINDS)('a replay flood from one user, on %s', (kind) => {
  const { server, users } = useTestServer(kind, { users: ['flooder', 'victim', 'poster'] });
  const EVENTS = 2_500;
  // As the review's flood: 11 connections of one user, 50 replays each (the default per-connection cap).
  const CONNECTIONS = 11;
  const REPLAYS_PER_CONNECTION = 50;
  /** Flood pages waiting at the gate when the other client resumes: first come, first served put them all ahead of it. */
  const DEEP = 100;

  it("leaves another client's replay and live delivery ahead of the flood's queued pages", async () => {
    const { streams } = server.pulse.services;
    const match = await postMatch(server.pulse.services, users.poster.id, { game: 'replayed', region: 'EU', slots: 3 });
    for (let i = 0; i < EVENTS; i += 500) {
      await streams.write(async (w) => {
        for (let j = i; j < Math.min(EVENTS, i + 500); j++) await w.append(Topics.region('EU'), 'UPDATED', { matchId: match.id });
      });
    }
    const from = encodeCursor('region:EU', 1);
    const query = 'subscription($after: String) { matchFeed(region: EU, after: $after) { cursor } }';
    const total = CONNECTIONS * REPLAYS_PER_CONNECTION * (EVENTS - 1);

    const victim = connectWs(server.wsUrl, users.victim.token);
    await victim.connected;
    const live = victim.subscribe('subscription { matchFeed(region: EU) { kind at match { id game } } }');
    await waitUntil(() => server.pulse.services.subscriptionStats.liveCount() >= 1, 'the live subscription');

    const steps: string[] = [];
    const stopObserving = streams.replays.observe((step, client) => steps.push(`${step} ${client}`));
    const floods = Array.from({ length: CONNECTIONS }, () => floodConnection(server.wsUrl, users.flooder.token));
    const flooded = () => floods.reduce((sum, f) => sum + f.state.events, 0);
    try {
      // Every connection is open before the flood starts (a handshake behind the flood could time out).
      await Promise.all(floods.map((f) => f.acked));
      for (const f of floods) f.subscribe(REPLAYS_PER_CONNECTION, query, { after: from });
      // Every flood replay has asked for its first page, and hundreds of its pages wait at the gate.
      const replays = CONNECTIONS * REPLAYS_PER_CONNECTION;
      const floodAsked = () => steps.filter((step) => step === `asked user:${users.flooder.id}`).length;
      await waitUntil(() => floodAsked() >= replays && streams.replays.queued >= DEEP, 'the flood at the gate', 30_000);
      const queuedAtResume = streams.replays.queued;

      // The victim resumes the same stream from the start, then a live event is posted, mid-flood.
      const t0 = performance.now();
      const replay = victim.subscribe(query, { after: from });
      await replay.next(60_000);
      const replayFirstMs = performance.now() - t0;
      const asked = steps.indexOf(`asked user:${users.victim.id}`);
      const started = steps.indexOf(`started user:${users.victim.id}`);
      expect(asked).toBeGreaterThanOrEqual(0);
      expect(started).toBeGreaterThan(asked);
      // Flood pages that started between the victim's first page being asked for and starting.
      const floodPagesAhead = steps.slice(asked, started).filter((step) => step === `started user:${users.flooder.id}`).length;

      // The event loop's turns meanwhile (server and clients share this process): what the live path waits on.
      const loop = monitorEventLoopDelay({ resolution: 5 });
      loop.enable();
      const t1 = performance.now();
      const atPost = flooded();
      const posted = await gqlOk(
        server.url,
        'mutation { postMatch(input: { game: "live", region: EU, slots: 1 }) { id } }',
        {},
        users.poster.token,
      );
      const mutationMs = performance.now() - t1;
      let committedAt: number;
      for (;;) {
        const event = await live.next(60_000);
        if (event.matchFeed.match?.id === posted.postMatch.id) {
          committedAt = Date.parse(event.matchFeed.at);
          break;
        }
      }
      const liveMs = performance.now() - t1;
      loop.disable();
      const commitToLiveMs = Date.now() - committedAt;
      const aheadOfLive = flooded() - atPost;
      const queuedAtLive = streams.replays.queued;
      let inFlight = 0;
      let maxFloodInFlight = 0;
      for (const step of steps) {
        if (step === `started user:${users.flooder.id}`) maxFloodInFlight = Math.max(maxFloodInFlight, ++inFlight);
        else if (step === `done user:${users.flooder.id}`) inFlight--;
      }
      console.log(
        `replay flood (${kind}): ${total} events in ${replays} replays on ${CONNECTIONS} connections of one user; ` +
          `the other client resumed with ${queuedAtResume} flood pages waiting at the gate: its replay's first event after ` +
          `${replayFirstMs.toFixed(0)} ms (${floodPagesAhead} flood pages started while its first waited), its live event ` +
          `${commitToLiveMs} ms after its commit, ${liveMs.toFixed(0)} ms after the post (the mutation's own round trip ` +
          `${mutationMs.toFixed(0)} ms; ${aheadOfLive} flood events delivered meanwhile, ${queuedAtLive} flood pages still waiting, at most ${maxFloodInFlight} in flight; event loop delay meanwhile p50 ${(loop.percentile(50) / 1e6).toFixed(0)} ms, max ${(loop.max / 1e6).toFixed(0)} ms)`,
      );
      for (const f of floods) expect(f.state).toMatchObject({ errors: [], closed: false });
      // Turns per client: the flooder holds at most two of the four slots, so the victim's first page
      // starts at the next free slot, with at most one flood page ahead of it. First come, first served
      // put every queued flood page (at least DEEP) ahead of it.
      expect(queuedAtResume).toBeGreaterThanOrEqual(DEEP);
      expect(floodPagesAhead).toBeLessThanOrEqual(1);
      // The flood's work in flight (a page holds its slot until it is sent) never passed two pages, and
      // the live event went out with the flood's pages still waiting: it waited for no replay.
      expect(maxFloodInFlight).toBeLessThanOrEqual(2);
      expect(queuedAtLive).toBeGreaterThan(0);
      expect(flooded()).toBeLessThan(total);
    } finally {
      stopObserving();
      for (const f of floods) f.close();
      await victim.dispose();
    }
  }, 120_000);
});
