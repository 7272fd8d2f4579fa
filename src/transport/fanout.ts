/**
 * Stream delivery over WebSocket: one execution and one serialized payload per event per group.
 *
 * A WebSocket subscription to a stream (`matchFeed`, `seatUpdates`, `conversationEvents`, …) keeps
 * its own ordered, resumable view of the stream (streams/subscription.ts: replay, merge, per-event
 * authorization, GAP rules), but its events are not executed by graphql-ws one subscriber at a time:
 * the transport redirects the stream's queue here. Subscribers whose operations are the same
 * (document, operation name, variables other than the `after` cursor) and whose selection does not
 * depend on the viewer form a group: the first one to see an event executes it, the JSON is kept
 * with the event object (shared by every local subscriber, since the bus hands them one object), and
 * each socket gets `{"id":…,"type":"next","payload":<that JSON>}` by string concatenation. A selection
 * with a viewer-dependent field (`extensions.viewerDependent`, or a field with its own `authScopes`)
 * groups per viewer. Replayed events are each subscriber's own objects: a subscriber in catch-up
 * executes on its own, and shares its group's payloads as soon as it is live.
 *
 * A socket that falls behind (its unsent bytes pass 5,000 payloads) never holds the others up: its
 * events are dropped until it drains, then it gets one GAP, as the streams document.
 */
import {
  execute,
  GraphQLError,
  TypeInfo,
  visit,
  visitWithTypeInfo,
  type DocumentNode,
  type ExecutionArgs,
  type ExecutionResult,
  type GraphQLFieldResolver,
  type GraphQLSchema,
} from 'graphql';
import type { Logger } from 'pino';
import type { WebSocket } from 'ws';
import { EventQueue, type QueueSink, type StreamEvent } from '../streams/index.js';
import { withErrorCodes } from './plugins.js';

/** Events a subscriber may fall behind before its backlog is replaced by a GAP (as streams/subscription.ts). */
const MAX_BACKLOG = 5_000;
/** A replaying subscriber reads its next page once its socket holds less than this unsent. */
const ROOM_BYTES = 256 * 1024;

interface Payload {
  json: string | undefined;
  promise: Promise<string>;
}

/** Per event object: group key -> its serialized result. Events are dropped by the GC after delivery. */
const payloads = new WeakMap<object, Map<string, Payload>>();
/** The WebSocket operation behind a GraphQL context (set in onSubscribe). */
const operations = new WeakMap<object, Operation>();
const ADOPTING = Symbol('pulse.fanout');

interface Operation {
  socket: WebSocket;
  id: string;
  query: string;
  operationName: string | null | undefined;
  variables: Record<string, unknown> | null | undefined;
  viewerId: string | null;
  args: ExecutionArgs;
}

export class Fanout {
  private readonly viewerDependence = new Map<string, boolean>();

  constructor(
    private readonly schema: GraphQLSchema,
    private readonly logger: Logger,
  ) {
    redirectStreamSources(schema);
  }

  /** Records the WebSocket operation a context belongs to, so its stream can be redirected here. */
  attach(args: ExecutionArgs, operation: Omit<Operation, 'args'>): void {
    operations.set(args.contextValue as object, { ...operation, args });
  }

  /** Called with a subscription field's source: a stream queue of a WebSocket operation is sent from here. */
  adopt(source: unknown, contextValue: unknown, after: string | null): void {
    if (!(source instanceof EventQueue) || !source.redirectable) return; // e.g. presence: its own values, not stream events
    const operation = operations.get(contextValue as object);
    if (!operation) return; // SSE, or a direct caller: graphql-ws/yoga execute per event as usual
    operations.delete(contextValue as object);
    source.redirect(new Member(this, operation, this.groupKey(operation, after)));
  }

  /** The serialized result of `event` for a group, executed once by whichever member asks first. */
  payload(event: StreamEvent, group: string, args: ExecutionArgs): Payload {
    let byGroup = payloads.get(event);
    if (!byGroup) payloads.set(event, (byGroup = new Map()));
    let payload = byGroup.get(group);
    if (!payload) {
      const entry: Payload = { json: undefined, promise: this.run(args, event) };
      entry.promise.then((json) => (entry.json = json));
      byGroup.set(group, (payload = entry));
    }
    return payload;
  }

  private async run(args: ExecutionArgs, event: StreamEvent): Promise<string> {
    let result: ExecutionResult;
    try {
      result = await execute({ ...args, rootValue: event });
    } catch (error) {
      result = { errors: [new GraphQLError('Unexpected error.', { originalError: error as Error })] };
    }
    // The same masking as every other execution (transport/plugins.ts): documented codes, nothing internal.
    result = withErrorCodes(result, (args.contextValue as { requestId?: string }).requestId ?? 'unknown', this.logger);
    return JSON.stringify(result);
  }

  /**
   * Who shares payloads: same document, operation and variables (the `after` cursor aside, when only
   * the subscription field reads it), and the same viewer when the selection depends on the viewer.
   */
  private groupKey(operation: Operation, after: string | null): string {
    const variables = { ...(operation.variables ?? {}) };
    if (after && countOf(operation.query, `$${after}`) === 2) delete variables[after];
    const perViewer = this.dependsOnViewer(operation.query, operation.args.document);
    return JSON.stringify([operation.query, operation.operationName ?? null, variables, perViewer ? (operation.viewerId ?? '-') : '*']);
  }

  private dependsOnViewer(query: string, document: DocumentNode): boolean {
    let known = this.viewerDependence.get(query);
    if (known === undefined) {
      known = selectsViewerDependentField(this.schema, document);
      if (this.viewerDependence.size >= 1_000) this.viewerDependence.clear();
      this.viewerDependence.set(query, known);
    }
    return known;
  }
}

/** One WebSocket subscription fed by a stream: sends its group's payloads in order. */
class Member implements QueueSink<StreamEvent> {
  private readonly prefix: string;
  /** Events waiting to be sent, in order; each is executed (or its group's payload awaited) when it reaches the head. */
  private pending: StreamEvent[] = [];
  private flushing = false;
  private closed = false;
  /** Dropping events until the socket drains; then a GAP. */
  private behind = false;
  private lastSize = 256;
  private emptied: (() => void)[] = [];

  constructor(
    private readonly fanout: Fanout,
    private readonly operation: Operation,
    private readonly group: string,
  ) {
    this.prefix = `{"id":${JSON.stringify(operation.id)},"type":"next","payload":`;
  }

  push(event: StreamEvent): void {
    if (this.closed) return;
    if (event.seq !== null && this.fallingBehind()) {
      this.behind = true;
      this.pending = [];
      return;
    }
    if (this.behind && event.seq !== null) {
      this.behind = false;
      this.pending.push({ topic: event.topic, seq: event.seq - 1, kind: 'GAP', data: {}, at: new Date().toISOString() } as StreamEvent);
    }
    if (this.pending.length === 0 && !this.flushing) {
      // The common live case: the group's payload is ready (or this member executes it now).
      const payload = this.fanout.payload(event, this.group, this.operation.args);
      if (payload.json !== undefined) {
        this.send(payload.json);
        return;
      }
    }
    this.pending.push(event);
    if (!this.flushing) void this.flush();
  }

  private fallingBehind(): boolean {
    const unsent = this.operation.socket.bufferedAmount;
    if (this.behind) return unsent > (MAX_BACKLOG / 2) * this.lastSize;
    return this.pending.length >= MAX_BACKLOG || unsent > MAX_BACKLOG * this.lastSize;
  }

  /**
   * Sends pending events in order, executing each only when it is next (a replay page is not executed
   * all at once), and lets other sockets' I/O run between batches so a long replay never starves them.
   */
  private async flush(): Promise<void> {
    this.flushing = true;
    let sent = 0;
    try {
      while (this.pending.length > 0 && !this.closed) {
        const head = this.pending[0];
        const payload = this.fanout.payload(head, this.group, this.operation.args);
        const json = payload.json ?? (await payload.promise);
        if (this.pending[0] !== head) continue; // the backlog was dropped meanwhile
        this.pending.shift();
        this.send(json);
        if (++sent % 50 === 0) await new Promise((resolve) => setImmediate(resolve));
      }
    } finally {
      this.flushing = false;
      const waiters = this.emptied;
      this.emptied = [];
      for (const wake of waiters) wake();
    }
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

  end(): void {
    this.closed = true;
    this.pending = [];
    const waiters = this.emptied;
    this.emptied = [];
    for (const wake of waiters) wake();
  }
}

function countOf(text: string, needle: string): number {
  let count = 0;
  for (let at = text.indexOf(needle); at >= 0; at = text.indexOf(needle, at + needle.length)) {
    const next = text[at + needle.length];
    if (next === undefined || !/[A-Za-z0-9_]/.test(next)) count++;
  }
  return count;
}

/** Whether a document selects a field whose value depends on who is looking. */
export function selectsViewerDependentField(schema: GraphQLSchema, document: DocumentNode): boolean {
  const typeInfo = new TypeInfo(schema);
  const root = schema.getSubscriptionType();
  let found = false;
  visit(
    document,
    visitWithTypeInfo(typeInfo, {
      Field() {
        const extensions = typeInfo.getFieldDef()?.extensions as
          | { viewerDependent?: boolean; pothosOptions?: { authScopes?: unknown } }
          | undefined;
        if (extensions?.viewerDependent) found = true;
        // A field guarded by its own scopes answers per viewer (the root field's scopes are checked on subscribe).
        if (extensions?.pothosOptions?.authScopes && typeInfo.getParentType() !== root) found = true;
      },
    }),
  );
  return found;
}

/**
 * Wraps every subscription field's `subscribe` once, so a stream source created for a WebSocket
 * operation is handed to that operation's Fanout.
 */
function redirectStreamSources(schema: GraphQLSchema): void {
  const type = schema.getSubscriptionType();
  if (!type) return;
  for (const field of Object.values(type.getFields())) {
    const original = field.subscribe as (GraphQLFieldResolver<unknown, unknown> & { [ADOPTING]?: true }) | undefined;
    if (!original || original[ADOPTING]) continue;
    const afterArg = field.args.some((arg) => arg.name === 'after');
    const wrapped: GraphQLFieldResolver<unknown, unknown> & { [ADOPTING]?: true } = async (root, args, contextValue, info) => {
      const source = await original(root, args, contextValue, info);
      const operation = operations.get(contextValue as object);
      if (operation) {
        const argument = afterArg ? info.fieldNodes[0]?.arguments?.find((a) => a.name.value === 'after') : undefined;
        const variable = argument?.value.kind === 'Variable' ? argument.value.name.value : null;
        fanoutOf(contextValue)?.adopt(source, contextValue, variable);
      }
      return source;
    };
    wrapped[ADOPTING] = true;
    field.subscribe = wrapped;
  }
}

/** The Fanout of the server a context's operation runs on. */
const fanouts = new WeakMap<object, Fanout>();
function fanoutOf(contextValue: unknown): Fanout | undefined {
  return fanouts.get(contextValue as object);
}

/** Registers a WebSocket operation's context with its server's Fanout (call from graphql-ws onSubscribe). */
export function attachOperation(fanout: Fanout, args: ExecutionArgs, operation: Omit<Operation, 'args'>): void {
  fanouts.set(args.contextValue as object, fanout);
  fanout.attach(args, operation);
}
