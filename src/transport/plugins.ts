/**
 * Envelop plugins shared by HTTP and WebSocket (graphql-ws runs every operation through
 * `yoga.getEnveloped`): unexpected-error masking with a request id, rate limits, in-flight tracking.
 */
import { handleStreamOrSingleExecutionResult, type Plugin } from '@envelop/core';
import { GraphQLError, getOperationAST, type ExecutionResult } from 'graphql';
import type { RateLimiterAbstract } from 'rate-limiter-flexible';
import type { Logger } from 'pino';
import type { Context } from '../context.js';
import { rateLimited } from '../errors.js';

type PluginContext = Partial<Context> & { ip?: string };

/**
 * Errors that are not our own GraphQLErrors (a bug, a database failure) are logged with the request
 * id and replaced by "Unexpected error." carrying that id: nothing internal reaches the client.
 */
export function maskUnexpectedErrors(logger: Logger): Plugin<PluginContext> {
  return {
    onExecute({ args }) {
      const requestId = args.contextValue.requestId ?? 'unknown';
      return {
        onExecuteDone(payload) {
          return handleStreamOrSingleExecutionResult(payload, ({ result, setResult }) => {
            if (!result.errors?.some((e) => isUnexpected(e) || isBadVariable(e))) return;
            setResult({
              ...result,
              errors: result.errors.map((error) => {
                if (isBadVariable(error)) return badVariable(error);
                if (!isUnexpected(error)) return error;
                logger.error({ err: error.originalError, requestId, path: error.path }, 'unexpected error');
                return new GraphQLError('Unexpected error.', {
                  path: error.path,
                  nodes: error.nodes,
                  extensions: { code: 'INTERNAL_SERVER_ERROR', requestId },
                });
              }),
            } as ExecutionResult);
          });
        },
      };
    },
  };
}

const BAD_VARIABLE = /^Variable "\$([^"]+)" /;

/** graphql-js reports a variable that does not coerce (a wrong enum value, a bad DateTime) without a code. */
function isBadVariable(error: GraphQLError): boolean {
  return !error.extensions?.code && !error.path && BAD_VARIABLE.test(error.message);
}

function badVariable(error: GraphQLError): GraphQLError {
  return new GraphQLError(error.message, {
    nodes: error.nodes,
    extensions: { code: 'BAD_USER_INPUT', field: BAD_VARIABLE.exec(error.message)?.[1] },
  });
}

function isUnexpected(error: GraphQLError): boolean {
  return error.originalError !== undefined && !(error.originalError instanceof GraphQLError);
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
