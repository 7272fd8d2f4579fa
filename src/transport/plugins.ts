/**
 * Envelop plugins shared by HTTP and WebSocket (graphql-ws runs every operation through
 * `yoga.getEnveloped`): unexpected-error masking with a request id, rate limits, in-flight tracking.
 */
import { handleStreamOrSingleExecutionResult, type Plugin } from '@envelop/core';
import { GraphQLError, Kind, getOperationAST, visit, type DocumentNode, type ExecutionResult } from 'graphql';
import type { RateLimiterAbstract } from 'rate-limiter-flexible';
import type { Logger } from 'pino';
import type { Context } from '../context.js';
import { isDatabaseUnavailable, UNAVAILABLE_RETRY_AFTER_MS } from '../db/unavailable.js';
import { badInput, ErrorCode, rateLimited } from '../errors.js';

type PluginContext = Partial<Context> & { ip?: string };

/**
 * Gives every error a documented code, for queries, mutations and every subscription event:
 * - errors that are not GraphQLErrors (a bug, a database failure) are logged with the request id and
 *   replaced by "Unexpected error." carrying that id: nothing internal reaches the client;
 * - variables that do not coerce, and libraries' own errors about the caller's arguments (a bad
 *   connection cursor, a negative `first`), become BAD_USER_INPUT naming the argument.
 */
export function maskUnexpectedErrors(logger: Logger): Plugin<PluginContext> {
  const mapResult = (requestId: string) => (result: ExecutionResult): ExecutionResult | null => {
    if (!result.errors?.some((e) => !e.extensions?.code)) return null;
    return { ...result, errors: result.errors.map((error) => withCode(error, requestId, logger)) };
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
          const graphqlError = error instanceof GraphQLError ? error : new GraphQLError('Unexpected error.', { originalError: error as Error });
          setError(withCode(graphqlError, requestId, logger));
        },
      };
    },
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
      extensions: { code: 'INTERNAL_SERVER_ERROR', requestId },
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

const NUL = '\u0000';

/** The first variable (or literal argument) holding a NUL character, which PostgreSQL cannot store. */
function nulField(args: { variableValues?: Record<string, unknown> | null; document: DocumentNode }): string | null {
  const holdsNul = (value: unknown): boolean =>
    typeof value === 'string' ? value.includes(NUL) : value !== null && typeof value === 'object' && Object.values(value).some(holdsNul);
  for (const [name, value] of Object.entries(args.variableValues ?? {})) if (holdsNul(value)) return name;
  let found: string | null = null;
  visit(args.document, {
    Argument(node) {
      if (!found && node.value.kind === Kind.STRING && node.value.value.includes(NUL)) found = node.name.value;
    },
  });
  return found;
}

/** Text with NUL characters is refused up front (BAD_USER_INPUT) rather than failing in the database. */
export function rejectNulCharacters(): Plugin<PluginContext> {
  const check = (args: { variableValues?: Record<string, unknown> | null; document: DocumentNode }) => {
    const field = nulField(args);
    return field ? { errors: [badInput(field, 'Text may not contain NUL (\\u0000) characters.')] } : null;
  };
  return {
    onExecute({ args, setResultAndStopExecution }) {
      const rejected = check(args);
      if (rejected) setResultAndStopExecution(rejected);
    },
    onSubscribe({ args, setResultAndStopExecution }) {
      const rejected = check(args);
      if (rejected) setResultAndStopExecution(rejected);
    },
  };
}

/** Limits operations per user (or per IP when anonymous); over the limit is RATE_LIMITED with retryAfterMs. */
export function rateLimit(limiter: RateLimiterAbstract): Plugin<PluginContext> {
  const check = async (ctx: PluginContext): Promise<GraphQLError | null> => {
    const key = ctx.viewer ? `user:${ctx.viewer.id}` : `ip:${ctx.ip ?? 'unknown'}`;
    try {
      await limiter.consume(key);
      return null;
    } catch (rejection) {
      if (rejection instanceof Error) throw rejection; // the limiter's store failed: not the caller's fault
      return rateLimited((rejection as { msBeforeNext: number }).msBeforeNext);
    }
  };
  return {
    async onExecute({ args, setResultAndStopExecution }) {
      const error = await check(args.contextValue);
      if (error) setResultAndStopExecution({ errors: [error] });
    },
    async onSubscribe({ args, setResultAndStopExecution }) {
      const error = await check(args.contextValue);
      if (error) setResultAndStopExecution({ errors: [error] });
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
