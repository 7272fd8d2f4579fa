/**
 * Subscriptions over SSE (Yoga's `text/event-stream` responses) under the rules a WebSocket's
 * subscriptions live by:
 * - each SSE stream counts as one connection of its client address (`MAX_CONNECTIONS_PER_IP`, shared
 *   with WebSockets); one more is refused with RATE_LIMITED before it starts;
 * - a signed-in stream is registered with the user's open streams (user-streams.ts): a revocation or
 *   the token's expiry sends one UNAUTHENTICATED event and completes it.
 */
import { isAsyncIterable, type Plugin } from '@envelop/core';
import type { ExecutionResult } from 'graphql';
import type { Session } from '../auth/session.js';
import type { Context } from '../context.js';
import { rateLimited, unauthenticated } from '../errors.js';
import type { ConnectionsPerIp } from './limits.js';
import type { EndReason, UserStreams } from './user-streams.js';

type PluginContext = Partial<Context> & { request?: Request };

export interface SseRules {
  userStreams: UserStreams;
  perIp: ConnectionsPerIp;
  /** The session the request's credential grants (read once per request). */
  sessionOf(request: Request): Promise<Session>;
}

/** A stream that is not admitted waits at least this long before trying again. */
const RETRY_AFTER_MS = 1_000;

const ENDED_BECAUSE: Record<EndReason, string> = {
  revoked: 'The token was revoked; sign in again.',
  expired: 'The token expired; sign in again.',
};

export function sseStreams({ userStreams, perIp, sessionOf }: SseRules): Plugin<PluginContext> {
  return {
    async onSubscribe({ args, setResultAndStopExecution }) {
      const { request, ip } = args.contextValue;
      if (!request) return; // a WebSocket operation: its connection is counted and registered (websocket.ts)
      const address = ip ?? 'unknown';
      const refuse = () =>
        rateLimited(RETRY_AFTER_MS, 'Too many connections and event streams from this address (MAX_CONNECTIONS_PER_IP).');
      if (!perIp.admits(address)) return setResultAndStopExecution({ errors: [refuse()] });
      const session = await sessionOf(request);
      return {
        onSubscribeResult({ result, setResult }) {
          if (!isAsyncIterable(result)) return;
          // Counted once the stream exists, so a subscription that fails to start holds no slot.
          if (!perIp.add(address)) {
            void result[Symbol.asyncIterator]().return?.();
            return setResult({ errors: [refuse()] });
          }
          const stream = endable(result as AsyncIterable<ExecutionResult>, () => {
            registration?.remove();
            perIp.remove(address);
          });
          const registration = session.viewer
            ? userStreams.add(session.viewer.id, session.version ?? 0, session.expiresAt, (reason) =>
                stream.end({ errors: [unauthenticated(ENDED_BECAUSE[reason])] }),
              )
            : undefined;
          // Revoked between the token check and now: end at once.
          if (registration === null) stream.end({ errors: [unauthenticated(ENDED_BECAUSE.revoked)] });
          setResult(stream);
        },
      };
    },
  };
}

/**
 * `source` as an iterator that `end(last)` finishes: `last` is its final value, then it is done and
 * `source` is returned. `cleanup` runs once, however it finishes (ended, done, or returned by the
 * response when the client leaves).
 */
function endable<T>(source: AsyncIterable<T>, cleanup: () => void) {
  const iterator = source[Symbol.asyncIterator]();
  let finished = false;
  let ending: ((last: T) => void) | null = null;
  const ended = new Promise<{ last: T }>((resolve) => (ending = (last) => resolve({ last })));
  const finish = async (): Promise<IteratorResult<T>> => {
    if (!finished) {
      finished = true;
      cleanup();
      await iterator.return?.();
    }
    return { done: true, value: undefined };
  };
  return {
    end(last: T) {
      ending?.(last);
      ending = null;
    },
    async next(): Promise<IteratorResult<T>> {
      if (finished) return { done: true, value: undefined };
      const step = await Promise.race([iterator.next(), ended]);
      if ('last' in step) {
        await finish();
        return { done: false, value: step.last };
      }
      if (step.done) await finish();
      return step;
    },
    return: finish,
    async throw(error: unknown): Promise<IteratorResult<T>> {
      await finish();
      throw error;
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}
