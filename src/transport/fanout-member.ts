// One WebSocket subscriber fed by its group's payloads: sends them in order, and drops to one GAP while its socket is behind.
import type { ExecutionArgs } from 'graphql';
import { Socket } from 'node:net';
import { MessageType, stringifyMessage } from 'graphql-ws';
import type { WebSocket } from 'ws';
import { gapEvent, MAX_BACKLOG, type BusEvent, type QueueSink } from '../streams/index.js';

/** A member with a backlog lets other sockets' I/O run after this many sends. */
const YIELD_EVERY = 10;
/** A replaying subscriber reads its next page once its socket holds less than this unsent. */
const ROOM_BYTES = 256 * 1024;

/**
 * The serialized result of one event for one group: `json` once its execution has finished; until
 * then the members waiting for it, resumed in order when it is set (one callback for the group, not
 * one promise per member).
 */
export interface Payload {
  json: string | undefined;
  waiting: { resume(): void }[];
}

/** The WebSocket operation behind a GraphQL context (recorded in graphql-ws onSubscribe). */
export interface Operation {
  socket: WebSocket;
  id: string;
  query: string;
  operationName: string | null | undefined;
  variables: Record<string, unknown> | null | undefined;
  viewerId: string | null;
  args: ExecutionArgs;
}

/** Where a member gets its group's payload of an event, executed once by whichever member asks first (the Fanout). */
export interface PayloadSource {
  payload(event: BusEvent, group: string, args: ExecutionArgs): Payload;
}

/** One WebSocket subscription fed by a stream: sends its group's payloads in order. */
export class Member implements QueueSink<BusEvent> {
  private readonly prefix: string;
  /** Events waiting to be sent, in order; each is executed (or its group's payload awaited) when it reaches the head. */
  private pending: BusEvent[] = [];
  private closed = false;
  /** Dropping events until the socket drains; then a GAP. */
  private behind = false;
  private lastSize = 256;
  /** Sends since this member last let the event loop run (reset when it has nothing pending). */
  private sentSinceYield = 0;
  private emptied: (() => void)[] = [];

  constructor(
    private readonly fanout: PayloadSource,
    private readonly operation: Operation,
    private readonly group: string,
  ) {
    // graphql-ws's own envelope (`{"id":…,"type":"next","payload":{}}`), cut before the payload: each
    // send puts the group's serialized payload where `{}` was.
    const envelope = stringifyMessage<MessageType.Next>({ id: operation.id, type: MessageType.Next, payload: {} });
    this.prefix = envelope.slice(0, -'{}}'.length);
  }

  push(event: BusEvent): void {
    if (this.closed) return;
    if (event.seq !== null && this.fallingBehind()) {
      this.behind = true;
      this.pending = [];
      this.wakeEmptied();
      return;
    }
    const idle = this.pending.length === 0;
    if (this.behind && event.seq !== null) {
      this.behind = false;
      this.pending.push(gapEvent(event.topic, event.seq - 1));
    } else if (idle) {
      // The common live case: the group's payload is ready (or starts executing now, and this member waits on it).
      const payload = this.fanout.payload(event, this.group, this.operation.args);
      if (payload.json !== undefined) {
        this.send(payload.json);
        return;
      }
      this.pending.push(event);
      payload.waiting.push(this);
      return;
    }
    this.pending.push(event);
    // Anything already pending is being sent (or waits for its payload): this one follows it.
    if (idle) this.resume();
  }

  private fallingBehind(): boolean {
    const unsent = this.operation.socket.bufferedAmount;
    if (this.behind) return unsent > (MAX_BACKLOG / 2) * this.lastSize;
    return this.pending.length >= MAX_BACKLOG || unsent > MAX_BACKLOG * this.lastSize;
  }

  /**
   * Sends pending events in order, synchronously while their payloads are ready. Each is executed
   * only when it is next (a replay page is not executed all at once); at one whose payload is still
   * executing, the member waits on that payload and is resumed with the rest of its group. After
   * YIELD_EVERY sends in a row it lets other sockets' I/O run, so a long replay never starves them.
   */
  resume(): void {
    // Several sends in a row (a replay, a backlog) leave in one write instead of one each.
    const corked = this.pending.length > 1 ? this.cork() : null;
    try {
      this.sendReady();
    } finally {
      corked?.uncork();
    }
  }

  /** The socket under the WebSocket, corked (ws exposes it as `_socket`); null when it cannot be. */
  private cork(): { uncork(): void } | null {
    const raw: unknown = Reflect.get(this.operation.socket, '_socket');
    if (!(raw instanceof Socket) || raw.destroyed) return null;
    raw.cork();
    return raw;
  }

  private sendReady(): void {
    while (this.pending.length > 0 && !this.closed) {
      const payload = this.fanout.payload(this.pending[0], this.group, this.operation.args);
      if (payload.json === undefined) return void payload.waiting.push(this);
      this.pending.shift();
      this.send(payload.json);
      // Counted across resumptions: a replay executes its events one after another in microtasks,
      // which would otherwise keep the event loop from I/O (everyone's live events) until it ends.
      if (++this.sentSinceYield >= YIELD_EVERY && this.pending.length > 0) {
        this.sentSinceYield = 0;
        return void setImmediate(() => this.resume());
      }
    }
    this.sentSinceYield = 0;
    this.wakeEmptied();
  }

  private wakeEmptied(): void {
    if (this.emptied.length === 0) return;
    const waiters = this.emptied;
    this.emptied = [];
    for (const wake of waiters) wake();
  }

  private send(json: string): void {
    this.lastSize = json.length;
    const socket = this.operation.socket;
    if (socket.readyState === 1) socket.send(`${this.prefix + json}}`);
  }

  async room(): Promise<void> {
    while (!this.closed) {
      if (this.pending.length > 0) await new Promise<void>((resolve) => this.emptied.push(resolve));
      else if (this.operation.socket.bufferedAmount > ROOM_BYTES && this.operation.socket.readyState === 1)
        await new Promise((r) => setTimeout(r, 5));
      else return;
    }
  }

  async sent(): Promise<void> {
    while (!this.closed && this.pending.length > 0) await new Promise<void>((resolve) => this.emptied.push(resolve));
  }

  end(): void {
    this.closed = true;
    this.pending = [];
    this.wakeEmptied();
  }
}
