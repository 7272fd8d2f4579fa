/**
 * A resuming subscriber for fault tests: the typed client (Apollo + graphql-ws) on one region's
 * match feed, started from the `matches(region)` snapshot cursor, recording every delivered seq and
 * how long each reconnect after a 1012 (service restart) took.
 */
import { afterAll } from 'vitest';
import WebSocket from 'ws';
import { stopAllInstances } from '../support/process.js';
import { createPulseClient, MatchesDocument, MatchFeedDocument, SERVICE_RESTART, type PulseClient } from '../../client/src/index.js';
import type { Types } from '../../client/src/index.js';

/** The seq inside an opaque stream cursor (tests may look inside; clients may not). */
export function seqOf(cursor: string): number {
  const decoded = Buffer.from(cursor, 'base64url').toString('utf8');
  return Number(decoded.slice(decoded.lastIndexOf('\n') + 1));
}

/** After all tests: disposes `subscribers`, stops every child instance, then runs `then` in order (a server's stop, a database's drop). */
export function afterAllStopping(subscribers: FeedSubscriber[], ...then: (() => unknown)[]): void {
  afterAll(async () => {
    await Promise.all(subscribers.map((s) => s.dispose()));
    await stopAllInstances();
    for (const step of then) await step();
  });
}

export interface FeedSubscriber {
  client: PulseClient;
  seqs: number[];
  errors: unknown[];
  /** ms from each 1012 close to the next connection_ack. */
  restartDelays: number[];
  /** ms from each 1012 close to the next connection attempt (the client's own wait). */
  restartWaits: number[];
  /** Resolves once the subscription has delivered seq >= `seq`. */
  reached(seq: number): Promise<void>;
  dispose(): Promise<void>;
}

export async function feedSubscriber(options: { url: string; wsUrl: () => string; region: Types.Region }): Promise<FeedSubscriber> {
  const client = createPulseClient({ url: options.url, wsUrl: options.wsUrl, getToken: () => null, webSocketImpl: WebSocket, lazy: false });
  const seqs: number[] = [];
  const errors: unknown[] = [];
  const restartDelays: number[] = [];
  const restartWaits: number[] = [];
  let closedAt: number | null = null;
  client.ws.on('connecting', () => {
    if (closedAt !== null) restartWaits.push(Date.now() - closedAt);
  });
  client.ws.on('closed', (event) => {
    if ((event as { code?: number }).code === SERVICE_RESTART) closedAt = Date.now();
  });
  client.ws.on('connected', () => {
    if (closedAt !== null) restartDelays.push(Date.now() - closedAt);
    closedAt = null;
  });
  const waiters: { seq: number; resolve: () => void }[] = [];
  const { data } = await client.query({
    query: MatchesDocument,
    variables: { region: options.region, first: 1 },
    fetchPolicy: 'network-only',
  });
  const after = data!.matches.streamCursor!;
  const subscription = client.subscribe({ query: MatchFeedDocument, variables: { region: options.region, after } }).subscribe({
    next: ({ data: event }) => {
      if (!event) return;
      const seq = seqOf(event.matchFeed.cursor);
      seqs.push(seq);
      for (const waiter of waiters.filter((w) => seq >= w.seq)) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve();
      }
    },
    error: (error) => errors.push(error),
  });
  return {
    client,
    seqs,
    errors,
    restartDelays,
    restartWaits,
    reached(seq) {
      if (seqs.length > 0 && seqs[seqs.length - 1] >= seq) return Promise.resolve();
      return new Promise((resolve) => waiters.push({ seq, resolve }));
    },
    async dispose() {
      subscription.unsubscribe();
      await client.dispose();
    },
  };
}

/** 1..n */
export const oneTo = (n: number) => Array.from({ length: n }, (_, i) => i + 1);
