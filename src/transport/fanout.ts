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
 *
 * With tracing on, each group's delivery of an event that carries a trace context is one span in that
 * trace (operations/tracing.ts): per event per group per instance, not per socket.
 *
 * Here: the per-event payloads and the adoption of a WebSocket operation's stream source (its field
 * hands it over through the context: schema/streams.ts `handOver`); a subscriber: transport/fanout-member.ts;
 * who shares payloads: transport/fanout-groups.ts.
 */
import { execute, GraphQLError, type ExecutionArgs, type ExecutionResult, type GraphQLSchema } from 'graphql';
import type { Logger } from 'pino';
import { EventQueue, type BusEvent } from '../streams/index.js';
import type { DeliveryTracing } from '../streams/trace-hooks.js';
import { GroupKeys } from './fanout-groups.js';
import { Member, type Operation, type Payload } from './fanout-member.js';
import { withErrorCodes } from './plugins.js';

/** Per event object: group key -> its serialized result. Events are dropped by the GC after delivery. */
const payloads = new WeakMap<object, Map<string, Payload>>();

export class Fanout {
  private readonly groups: GroupKeys;

  constructor(
    schema: GraphQLSchema,
    private readonly logger: Logger,
    private readonly tracing: DeliveryTracing | null = null,
    private readonly onExecute: () => void = () => {},
  ) {
    this.groups = new GroupKeys(schema);
  }

  /**
   * A WebSocket operation's stream source, handed over by its field (schema/streams.ts `handOver`,
   * through the context's `adoptStream`): a stream queue is sent from here; anything else (presence,
   * the operations view: their own values) is left to graphql-ws.
   */
  adopt(source: unknown, operation: Operation, after: string | null): void {
    if (!(source instanceof EventQueue) || !source.redirectable) return;
    source.redirect(new Member(this, operation, this.groups.of(operation, after)));
  }

  /** The serialized result of `event` for a group, executed once by whichever member asks first. */
  payload(event: BusEvent, group: string, args: ExecutionArgs): Payload {
    let byGroup = payloads.get(event);
    if (!byGroup) payloads.set(event, (byGroup = new Map()));
    let payload = byGroup.get(group);
    if (!payload) {
      const entry: Payload = { json: undefined, waiting: [] };
      byGroup.set(group, (payload = entry));
      const deliver = async () => {
        entry.json = await this.run(args, event);
        const waiting = entry.waiting;
        entry.waiting = [];
        for (const member of waiting) member.resume();
        return waiting.length;
      };
      void (this.tracing && event.traceparent ? this.tracing.deliver(event, args, deliver) : deliver());
    }
    return payload;
  }

  private async run(args: ExecutionArgs, event: BusEvent): Promise<string> {
    this.onExecute();
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
}
