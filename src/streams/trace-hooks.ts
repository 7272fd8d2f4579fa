/**
 * What the streams call when tracing is on: operations/tracing.ts implements it, app.ts hands it to
 * `Streams`. Off, `Streams` holds null and only tests for it: no span, no context lookup and no copy
 * of an event on the write path.
 *
 * A write's trace context travels with its events as `traceparent` (W3C Trace Context) beside the
 * event on the bus, in-process and through Redis, so every instance that delivers it can continue the
 * trace. It is never part of an event's `data`: the log does not store it and clients never see it.
 */
import type { ExecutionArgs } from 'graphql';
import type { BusEvent } from './topics.js';

export interface StreamTracing {
  /** Runs one attempt of a write's transaction (or one writing statement) as a span of the caller's operation, if it is traced. */
  commit<T>(run: () => Promise<T>, attempt: number): Promise<T>;
  /**
   * Publishes a committed write's events as a span of the caller's operation, if it is traced: `send`
   * gets copies of the events carrying that span's `traceparent` (the writer's objects are left alone)
   * and resolves with how many could not be published.
   */
  publish(events: BusEvent[], send: (events: BusEvent[]) => Promise<number>): Promise<void>;
}

/** What the WebSocket fan-out (transport/fanout.ts) calls when tracing is on. */
export interface DeliveryTracing {
  /** Runs `deliver` (a group's execution of `event` and its sends; resolves with the sockets sent to) as a span of the event's trace. */
  deliver(event: BusEvent, args: ExecutionArgs, deliver: () => Promise<number>): Promise<void>;
}
