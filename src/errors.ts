/**
 * Expected failures: typed errors with a stable `extensions.code` (API.md "Errors").
 * Anything else that escapes a resolver is masked by the server and logged with a request id.
 */
import { GraphQLError } from 'graphql';

export const ErrorCode = {
  /** The operation needs a signed-in user. */
  UNAUTHENTICATED: 'UNAUTHENTICATED',
  /** Signed in, but not allowed. */
  FORBIDDEN: 'FORBIDDEN',
  /** The id names nothing (or does not parse). */
  NOT_FOUND: 'NOT_FOUND',
  /** Validation failed; `extensions.field` names the input field. */
  BAD_USER_INPUT: 'BAD_USER_INPUT',
  /** Not enough seats left; `extensions.availableSeats` tells how many are. */
  SOLD_OUT: 'SOLD_OUT',
  /** The state changed under the caller. */
  CONFLICT: 'CONFLICT',
  /** The HTTP request itself is malformed (a body or a GET parameter that is not JSON); HTTP 400. */
  BAD_REQUEST: 'BAD_REQUEST',
  /** Too many operations; `extensions.retryAfterMs` tells when to retry. */
  RATE_LIMITED: 'RATE_LIMITED',
  /** The document breaks a query-shape limit; `extensions.limit` names it, `extensions.max` is its value. */
  QUERY_TOO_COMPLEX: 'QUERY_TOO_COMPLEX',
  /** A dependency (the database) is unreachable; nothing was changed; `extensions.retryAfterMs` tells when to retry. */
  UNAVAILABLE: 'UNAVAILABLE',
  /** An unexpected failure, masked: "Unexpected error." with `extensions.requestId`, which is in the log. */
  INTERNAL_SERVER_ERROR: 'INTERNAL_SERVER_ERROR',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** An expected failure, shown to the client as is. */
export class PulseError extends GraphQLError {
  constructor(code: ErrorCode, message: string, extensions: Record<string, unknown> = {}) {
    super(message, { extensions: { code, ...extensions } });
    this.name = 'PulseError';
  }
}

export const unauthenticated = (message = 'You must be signed in to do this.') => new PulseError(ErrorCode.UNAUTHENTICATED, message);
export const forbidden = (message = 'You are not allowed to do this.') => new PulseError(ErrorCode.FORBIDDEN, message);
export const notFound = (what: string, id?: string) =>
  new PulseError(ErrorCode.NOT_FOUND, id === undefined ? `${what} not found.` : `${what} "${id}" not found.`);
/** BAD_USER_INPUT; `field` names the input field when there is one (not for a scalar's value, say). */
export const badInput = (field: string | null, message: string, extensions: Record<string, unknown> = {}) =>
  new PulseError(ErrorCode.BAD_USER_INPUT, message, field === null ? extensions : { field, ...extensions });
export const conflict = (message: string) => new PulseError(ErrorCode.CONFLICT, message);
export const soldOut = (left: number) =>
  new PulseError(ErrorCode.SOLD_OUT, left === 0 ? 'This event is sold out.' : `Only ${left} seat(s) left.`, { availableSeats: left });
export const rateLimited = (retryAfterMs: number, message = `Too many requests; retry in ${Math.ceil(retryAfterMs / 1000)} s.`) =>
  new PulseError(ErrorCode.RATE_LIMITED, message, { retryAfterMs });

export const unavailable = (retryAfterMs: number) =>
  new PulseError(ErrorCode.UNAVAILABLE, `The service is temporarily unavailable; retry in ${Math.ceil(retryAfterMs / 1000)} s.`, {
    retryAfterMs,
  });

/** true for PostgreSQL/Prisma unique-constraint violations (P2002), e.g. a concurrent duplicate insert. */
export function isUniqueViolation(error: unknown): boolean {
  const e = error as { code?: string; cause?: { code?: string }; meta?: { code?: string } } | null;
  return e?.code === 'P2002' || e?.code === '23505' || e?.meta?.code === '23505' || e?.cause?.code === '23505';
}
