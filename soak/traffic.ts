/**
 * The soak's clients. Writers send mutations at a steady rate through whichever instance is up and
 * record every answer; subscribers hold one socket each, remember the cursor of every event they
 * receive, and reconnect with `after` (to any instance that is up) whenever their socket goes.
 * Nothing here trusts the server: the checker compares what they saw with the database.
 */
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';

export interface Answer {
  op: string;
  /** ok: answered with data; refused: a documented error; unknown: no answer (cut connection, killed instance). */
  outcome: 'ok' | 'refused' | 'unknown';
  code?: string;
  id?: string;
  /** For messages: the client's id, to look the row up. */
  clientMessageId?: string;
}

/** A result's data as the soak reads it: each root field's `id` (a registration's token and user, a ticket's game). */
export type Data = Record<string, { id?: string; token?: string; user?: { id: string }; game?: { id: string } | null } | null | undefined>;

export class Tally {
  readonly answers: Answer[] = [];
  readonly codes = new Map<string, number>();
  count(code: string): void {
    this.codes.set(code, (this.codes.get(code) ?? 0) + 1);
  }
}

/** One GraphQL request over HTTP to one of `urls()`; errors become codes, failures `unknown`. */
export async function request(
  url: string,
  query: string,
  variables: Record<string, unknown>,
  token: string | null,
  tally: Tally,
): Promise<{ data?: Data; code?: string; unknown?: true }> {
  try {
    const res = await fetch(`${url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify({ query, variables }),
      signal: AbortSignal.timeout(15_000),
    });
    if (res.status >= 500 && res.status !== 503) {
      tally.count(`HTTP_${res.status}`);
      return { unknown: true };
    }
    const body = (await res.json()) as { data?: Data; errors?: { extensions?: { code?: string } }[] };
    const code = body.errors?.[0]?.extensions?.code;
    if (code) {
      tally.count(code);
      return { code };
    }
    return { data: body.data };
  } catch {
    tally.count('NETWORK');
    return { unknown: true };
  }
}

export interface Received {
  seq: number;
  kind: string;
  latencyMs: number;
  receivedAt: number;
}

/** A subscriber of one topic that keeps its place across reconnects. */
const SELF_TEST_LOSE = process.env.SOAK_SELF_TEST === 'lose';
let first: Subscriber | null = null;

export class Subscriber {
  readonly received: Received[] = [];
  private lost = false;
  reconnects = 0;
  private client: Client | null = null;
  private cursor: string;
  private stopped = false;

  constructor(
    readonly topic: string,
    private readonly query: string,
    private readonly variables: Record<string, unknown>,
    startSeq: number,
    private readonly pickUrl: () => string,
    private readonly tally: Tally,
    private readonly token: string | null = null,
  ) {
    this.cursor = Buffer.from(`${topic}\n${startSeq}`).toString('base64url');
    first ??= this;
  }

  start(): void {
    if (this.stopped) return;
    const wsUrl = `${this.pickUrl().replace('http', 'ws')}/graphql`;
    const client = createClient({
      url: wsUrl,
      webSocketImpl: WebSocket,
      retryAttempts: 0,
      lazy: false,
      connectionParams: this.token ? { authorization: `Bearer ${this.token}` } : {},
      // A socket that stops answering (a killed instance behind a live TCP port) is noticed within seconds.
      keepAlive: 5_000,
    });
    this.client = client;
    let settled = false;
    const again = () => {
      if (settled || this.stopped) return;
      settled = true;
      void client.dispose();
      this.reconnects++;
      setTimeout(() => this.start(), 200 + Math.random() * 800);
    };
    client.on('closed', again);
    client.subscribe<Record<string, { kind: string; cursor: string | null; at: string }>>(
      { query: this.query, variables: { ...this.variables, after: this.cursor } },
      {
        next: ({ data, errors }) => {
          if (errors) {
            for (const e of errors) this.tally.count(String(e.extensions?.code ?? 'UNCODED'));
            return;
          }
          const event = Object.values(data ?? {})[0];
          if (!event?.cursor) return;
          this.cursor = event.cursor;
          const seq = Number(Buffer.from(event.cursor, 'base64url').toString().split('\n')[1]);
          // SOAK_SELF_TEST=lose: the first subscriber forgets its 10th event, as a lost delivery would look: the checker must fail.
          if (SELF_TEST_LOSE && this === first && this.received.length === 9 && !this.lost) {
            this.lost = true;
            return;
          }
          const now = Date.now();
          this.received.push({ seq, kind: event.kind, latencyMs: now - Date.parse(event.at), receivedAt: now });
        },
        error: (error) => {
          const errors = Array.isArray(error) ? error : [];
          for (const e of errors) this.tally.count(String(e.extensions?.code ?? 'UNCODED'));
          again();
        },
        complete: again,
      },
    );
  }

  /** Closes the socket as a network cut would; the subscriber reconnects with its cursor. */
  drop(): void {
    void this.client?.terminate();
  }

  stop(): void {
    this.stopped = true;
    void this.client?.dispose();
  }
}
