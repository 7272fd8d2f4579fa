/**
 * Envelop plugins shared by HTTP and WebSocket (graphql-ws runs every operation through
 * `yoga.getEnveloped`): error codes and masking (the one owner: `withCode`), rate limits, in-flight tracking.
 */
import { handleStreamOrSingleExecutionResult, isAsyncIterable, type Plugin } from '@envelop/core';
import { GraphQLError, getOperationAST, type ExecutionResult } from 'graphql';
import type { Limiter, RateLimiters } from './rate-limiter.js';
import type { Logger } from 'pino';
import type { Context } from '../context.js';
import { isDatabaseUnavailable, UNAVAILABLE_RETRY_AFTER_MS } from '../db/unavailable.js';
import { ErrorCode, badInput, rateLimited } from '../errors.js';

type PluginContext = Partial<Context> & { ip?: string; request?: Request };

/**
 * Gives every error a documented code, for queries, mutations and every subscription event:
 * - errors that are not GraphQLErrors (a bug, a database failure) are logged with the request id and
 *   replaced by "Unexpected error." carrying that id: nothing internal reaches the client;
 * - variables that do not coerce, and libraries' own errors about the caller's arguments (a bad
 *   connection cursor, a negative `first`), become BAD_USER_INPUT naming the argument.
 */
export function maskUnexpectedErrors(logger: Logger): Plugin<PluginContext> {
  const mapResult =
    (requestId: string) =>
    (result: ExecutionResult): ExecutionResult | null => {
      const coded = withErrorCodes(result, requestId, logger);
      return coded === result ? null : coded;
    };
  return {
    onExecute({ args }) {
      const map = mapResult(args.contextValue.requestId ?? 'unknown');
      return {
        onExecuteDone(payload) {
          return handleStreamOrSingleExecutionResult(payload, ({ result, setResult }) => {
            const mapped = map(result);
            if (mapped) setResult(mapped);
          });
        },
      };
    },
    onSubscribe({ args }) {
      const requestId = args.contextValue.requestId ?? 'unknown';
      const map = mapResult(requestId);
      return {
        onSubscribeResult(payload) {
          return handleStreamOrSingleExecutionResult(payload as never, ({ result, setResult }) => {
            const mapped = map(result);
            if (mapped) setResult(mapped);
          });
        },
        onSubscribeError({ error, setError }) {
          if (error instanceof GraphQLError && error.extensions?.code) return;
          const graphqlError =
            error instanceof GraphQLError ? error : new GraphQLError('Unexpected error.', { originalError: error as Error });
          setError(withCode(graphqlError, requestId, logger));
        },
      };
    },
  };
}

/** A result or one part of an incremental one (`@defer`, `@stream`): later parts carry their errors in `incremental`. */
type ResultPart = ExecutionResult & { incremental?: readonly { errors?: readonly GraphQLError[] }[] };

/**
 * `result` with every error given a documented code, as `maskUnexpectedErrors` does (the same object
 * when every error has one), the errors of a deferred or streamed part included. Also for executions
 * outside the envelop pipeline (the WebSocket fan-out).
 */
export function withErrorCodes(result: ResultPart, requestId: string, logger: Logger): ExecutionResult {
  const uncoded = (errors: readonly GraphQLError[] | undefined) => errors?.some((e) => !e.extensions?.code) ?? false;
  const { errors, incremental } = result;
  if (!uncoded(errors) && !incremental?.some((part) => uncoded(part.errors))) return result;
  const coded = (list: readonly GraphQLError[]) => list.map((error) => withCode(error, requestId, logger));
  return {
    ...result,
    ...(errors ? { errors: coded(errors) } : {}),
    ...(incremental ? { incremental: incremental.map((part) => (part.errors ? { ...part, errors: coded(part.errors) } : part)) } : {}),
  };
}

/**
 * Yoga's `maskedErrors.maskError`, so the rules above are the only masking: errors Yoga meets outside
 * an execution (a failing context or rate-limit store, a request it cannot read) are coded the same
 * way, without a request id (there is none yet).
 */
export function maskRequestError(logger: Logger): (error: unknown) => GraphQLError {
  return (error) => {
    const coded = withCode(
      error instanceof GraphQLError ? error : new GraphQLError('Unexpected error.', { originalError: error as Error }),
      'unknown',
      logger,
    );
    // Outside an execution there is no result to carry the error: the HTTP status says what failed.
    const status = { [ErrorCode.INTERNAL_SERVER_ERROR]: 500, [ErrorCode.UNAVAILABLE]: 503 }[String(coded.extensions.code)];
    if (coded === error || status === undefined) return coded;
    return new GraphQLError(coded.message, { extensions: { ...coded.extensions, http: { status } } });
  };
}

const ARGUMENT = /\b(after|before|first|last)\b/;
const BAD_VARIABLE = /^Variable "\$([^"]+)" /;

function withCode(error: GraphQLError, requestId: string, logger: Logger): GraphQLError {
  if (error.extensions?.code) return error;
  const original = error.originalError;
  if (original !== undefined && !(original instanceof GraphQLError) && isDatabaseUnavailable(original)) {
    // Expected while PostgreSQL is down: retryable, not a bug (logged at warn, not error).
    logger.warn({ err: original, requestId, path: error.path }, 'database unreachable');
    return new GraphQLError('The service is temporarily unavailable; retry shortly.', {
      path: error.path,
      nodes: error.nodes,
      extensions: { code: ErrorCode.UNAVAILABLE, retryAfterMs: UNAVAILABLE_RETRY_AFTER_MS, requestId },
    });
  }
  if (original !== undefined && !(original instanceof GraphQLError)) {
    logger.error({ err: original, requestId, path: error.path }, 'unexpected error');
    return new GraphQLError('Unexpected error.', {
      path: error.path,
      nodes: error.nodes,
      extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR, requestId },
    });
  }
  // graphql-js (a variable that does not coerce) or a library (Pothos's connection arguments)
  // rejected what the caller sent.
  const field = BAD_VARIABLE.exec(error.message)?.[1] ?? ARGUMENT.exec(error.message)?.[1];
  return new GraphQLError(error.message, {
    path: error.path,
    nodes: error.nodes,
    extensions: { ...error.extensions, code: 'BAD_USER_INPUT', ...(field ? { field } : {}) },
  });
}

/** The rate-limit key of a caller: the user, or the address when anonymous. */
export function rateLimitKey(viewer: { id: string } | null | undefined, ip: string | undefined): string {
  return viewer ? `user:${viewer.id}` : `ip:${ip ?? 'unknown'}`;
}

/** Takes one point for `key`; a RATE_LIMITED error when it has none left. */
export async function consumeRateLimit(limiter: Limiter, key: string): Promise<GraphQLError | null> {
  try {
    await limiter.consume(key);
    return null;
  } catch (rejection) {
    if (rejection instanceof Error) throw rejection; // the limiter's store failed: not the caller's fault
    return rateLimited((rejection as { msBeforeNext: number }).msBeforeNext);
  }
}

/**
 * Limits operations per user (or per IP when anonymous); over the limit is RATE_LIMITED with retryAfterMs.
 * HTTP requests are counted earlier, as they arrive (`counted`), so malformed ones count too; this
 * counts WebSocket operations (and any HTTP request that was not counted): queries and mutations on
 * the shared limiter, subscriptions on the socket's instance (rate-limiter.ts says why).
 */
export function rateLimit(limiters: RateLimiters, counted: WeakSet<object> = new WeakSet()): Plugin<PluginContext> {
  const check = async (ctx: PluginContext, limiter: Limiter): Promise<GraphQLError | null> => {
    if (ctx.request && counted.has(ctx.request)) return null;
    return consumeRateLimit(limiter, rateLimitKey(ctx.viewer, ctx.ip));
  };
  return {
    async onExecute({ args, setResultAndStopExecution }) {
      const error = await check(args.contextValue, limiters.shared);
      if (error) setResultAndStopExecution({ errors: [error] });
    },
    async onSubscribe({ args, setResultAndStopExecution }) {
      const error = await check(args.contextValue, limiters.socketSubscriptions);
      if (error) setResultAndStopExecution({ errors: [error] });
    },
  };
}

/**
 * A subscription over plain HTTP streams only as SSE: without `Accept: text/event-stream` it is
 * refused (406) before it starts, so nothing is subscribed that no response could ever carry.
 * Should any stream still meet no result processor, it is returned rather than left running.
 */
export function subscriptionsNeedEventStream(): Plugin<PluginContext> {
  const acceptsEventStream = (request: Request) =>
    (request.headers.get('accept') ?? '*/*')
      .toLowerCase()
      .split(',')
      .some((part) => /^\s*(text\/event-stream|text\/\*|\*\/\*)\s*(;|$)/.test(part));
  return {
    onSubscribe({ args, setResultAndStopExecution }) {
      const request = args.contextValue.request;
      if (!request || acceptsEventStream(request)) return;
      setResultAndStopExecution({
        errors: [
          badInput(null, 'Subscriptions over HTTP need "Accept: text/event-stream"; or subscribe over the WebSocket.', {
            http: { status: 406 },
          }),
        ],
      });
    },
  };
}

/**
 * Request parameters that are not JSON where JSON is expected (`variables` or `extensions` in a GET
 * query string or a form body, for HTTP and SSE alike) are the caller's mistake: HTTP 400 with code
 * BAD_REQUEST, as Yoga answers a POST body that is not JSON; not a 500 with an error-level log line.
 */
export function badParamsAreBadRequests() {
  return {
    onRequestParse({
      requestParser,
      setRequestParser,
    }: {
      requestParser?: (request: Request) => unknown;
      setRequestParser(parser: (request: Request) => Promise<never>): void;
    }) {
      if (!requestParser) return;
      setRequestParser((async (request: Request) => {
        try {
          return await requestParser(request);
        } catch (error) {
          if (!(error instanceof SyntaxError)) throw error;
          throw new GraphQLError(
            `A request parameter is not valid JSON (variables and extensions must be JSON objects): ${error.message}`,
            {
              extensions: { code: ErrorCode.BAD_REQUEST, http: { status: 400 } },
            },
          );
        }
      }) as (request: Request) => Promise<never>);
    },
  };
}

/** Returns a stream that no response will carry (a Yoga hook: runs after Yoga chose a result processor). */
export function returnUnsentStreams() {
  return {
    onResultProcess({ result, resultProcessor }: { result: unknown; resultProcessor?: unknown }) {
      if (!resultProcessor && isAsyncIterable(result)) void (result as AsyncIterableIterator<unknown>).return?.();
    },
  };
}

/** Counts mutations in flight, so a graceful shutdown can wait for them. */
export function trackInFlight(counter: { mutations: number }): Plugin<PluginContext> {
  return {
    onExecute({ args }) {
      const operation = getOperationAST(args.document, args.operationName);
      if (operation?.operation !== 'mutation') return;
      counter.mutations++;
      return {
        onExecuteDone() {
          counter.mutations--;
        },
      };
    },
  };
}

/** Counts executed operations by type (query, mutation, subscription) for /metrics. */
export function countOperations(counter: { inc(labels: { type: string }): void }): Plugin<PluginContext> {
  return {
    onExecute({ args }) {
      counter.inc({ type: getOperationAST(args.document, args.operationName)?.operation ?? 'unknown' });
    },
    onSubscribe() {
      counter.inc({ type: 'subscription' });
    },
  };
}
