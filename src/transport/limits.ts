/**
 * Transport limits: the query-shape limits (graphql-armor) with documented codes, the HTTP request
 * checks made before anything reads a body, request ids, and the per-IP WebSocket connection cap.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Plugin } from '@envelop/core';
import { EnvelopArmorPlugin } from '@escape.tech/graphql-armor';
import { GraphQLError, type ValidationContext } from 'graphql';
import type { Config } from '../config.js';
import { ErrorCode } from '../errors.js';

/**
 * Query-shape limits. Tuned so that every document the typed client ships (client/src/operations)
 * passes with room to spare (test/security/limits.test.ts runs them all through the server).
 */
export const QUERY_LIMITS = {
  depth: 12,
  aliases: 30,
  directives: 20,
  tokens: 3000,
  /** Roughly the fields a response may resolve: literal `first`/`last` multiply their subtree (depth is limited above). */
  cost: 250_000,
} as const;

/**
 * Gives an armor rejection its documented code, names the limit it broke, and reports it as a
 * validation error rather than letting armor throw out of `validate` (which graphql-ws would turn
 * into a 4500 close). The token limit runs in `parse`, whose throw both transports answer.
 */
function rejectAs(limit: keyof typeof QUERY_LIMITS) {
  return {
    propagateOnRejection: limit === 'tokens',
    onReject: [
      (ctx: ValidationContext | null, error: GraphQLError) => {
        Object.assign(error.extensions as Record<string, unknown>, { code: ErrorCode.QUERY_TOO_COMPLEX, limit, max: QUERY_LIMITS[limit] });
        if (limit !== 'tokens') ctx?.reportError(error);
      },
    ],
  };
}

/** graphql-armor with every rejection coded QUERY_TOO_COMPLEX (`extensions.limit`, `extensions.max`). */
export function queryLimits(config: Config): Plugin {
  return EnvelopArmorPlugin({
    maxDepth: { n: QUERY_LIMITS.depth, ...rejectAs('depth') },
    maxAliases: { n: QUERY_LIMITS.aliases, ...rejectAs('aliases') },
    maxDirectives: { n: QUERY_LIMITS.directives, ...rejectAs('directives') },
    maxTokens: { n: QUERY_LIMITS.tokens, ...rejectAs('tokens') },
    costLimit: { maxCost: QUERY_LIMITS.cost, depthCostFactor: 1, ...rejectAs('cost') },
    blockFieldSuggestion: { enabled: config.nodeEnv === 'production' },
  });
}

/**
 * Documents that do not parse or do not validate against the schema are the caller's mistake:
 * every such error leaves with a code (BAD_USER_INPUT unless a limit already gave it one).
 */
export function codeDocumentErrors(): Plugin {
  const coded = (error: unknown) => {
    if (error instanceof GraphQLError && !error.extensions?.code) {
      Object.assign(error.extensions as Record<string, unknown>, { code: ErrorCode.BAD_USER_INPUT });
    }
  };
  return {
    onParse() {
      return ({ result }) => {
        if (result instanceof Error) coded(result);
      };
    },
    onValidate() {
      return ({ result }) => {
        for (const error of result) coded(error);
      };
    },
  };
}

/** An HTTP refusal made before the request reaches GraphQL. */
export interface Refusal {
  status: number;
  message: string;
}

/**
 * Checks made before any body is read: the path must decode, and a body must declare its length
 * (at most MAX_BODY_BYTES; Node stops reading at the declared length).
 */
export function refuseRequest(req: IncomingMessage, maxBodyBytes: number): Refusal | null {
  try {
    decodeURIComponent((req.url ?? '/').split('?')[0]);
  } catch {
    return { status: 400, message: 'The URL is not valid percent-encoding.' };
  }
  if (req.method === 'GET' || req.method === 'HEAD' || req.method === 'OPTIONS') return null;
  const declared = req.headers['content-length'];
  if (declared === undefined) {
    return req.headers['transfer-encoding'] ? { status: 411, message: 'Send a Content-Length with the body.' } : null;
  }
  const length = Number(declared);
  if (!Number.isSafeInteger(length) || length < 0) return { status: 400, message: 'Content-Length is not valid.' };
  if (length > maxBodyBytes) return { status: 413, message: `The body is larger than ${maxBodyBytes} bytes (MAX_BODY_BYTES).` };
  return null;
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,64}$/;

/** The caller's `x-request-id` when it is a plain token of at most 64 characters; a fresh one otherwise. */
/**
 * A random UUID as one flat string. crypto's `randomUUID` joins ~20 pieces into a rope of cons
 * strings (~450 bytes); a socket keeps several ids (its connection, its operations' requests).
 */
export function newId(): string {
  return Buffer.from(randomUUID(), 'latin1').toString('latin1');
}

export function requestIdFrom(header: string | null | undefined, fresh: () => string): string {
  return header && REQUEST_ID.test(header) ? header : fresh();
}

/** Open WebSocket connections per client address, so one address cannot hold them all. */
export class ConnectionsPerIp {
  private readonly open = new Map<string, number>();

  constructor(private readonly max: number) {}

  /** Whether `ip` may open one more connection. */
  admits(ip: string): boolean {
    return (this.open.get(ip) ?? 0) < this.max;
  }

  /** Counts a connection; returns false (and counts nothing) when it is one too many. */
  add(ip: string): boolean {
    const count = this.open.get(ip) ?? 0;
    if (count >= this.max) return false;
    this.open.set(ip, count + 1);
    return true;
  }

  remove(ip: string): void {
    const count = (this.open.get(ip) ?? 1) - 1;
    if (count <= 0) this.open.delete(ip);
    else this.open.set(ip, count);
  }
}
