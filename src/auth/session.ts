/**
 * Who a request or connection speaks for: the one place credentials are judged, for HTTP, SSE and
 * WebSocket alike. A present but unusable credential is refused (UNAUTHENTICATED over HTTP, 4403 over
 * WebSocket), never downgraded to anonymous: a non-Bearer or non-string authorization, a forged,
 * expired or future-dated token, a token whose user no longer exists, or one revoked since.
 */
import type { Viewer } from './viewer.js';
import { isDatabaseUnavailable, UNAVAILABLE_RETRY_AFTER_MS } from '../db/unavailable.js';
import { unauthenticated, unavailable } from '../errors.js';
import { bearerToken } from './tokens.js';
import type { Tokens } from './tokens.js';
import type { TokenVersions } from './versions.js';

/** What this module's functions use of the instance's services (context.ts `Services` has them all). */
interface Deps {
  tokens: Tokens;
  versions: TokenVersions;
}

export interface Session {
  viewer: Viewer | null;
  /** When the token expires (ms since the epoch); null when anonymous. */
  expiresAt: number | null;
  /** The token version the credential carries (revocation compares against it); null when anonymous. */
  version: number | null;
}

export const ANONYMOUS: Session = { viewer: null, expiresAt: null, version: null };

/**
 * The session an `authorization` value (header or connection_init field) grants; throws when it grants none.
 * The user's token version comes from this instance's revocation-kept cache (auth/versions.ts): no
 * database read per request. A revocation is honoured at once on the instance that made it and, on
 * the others, as soon as its bus signal arrives, which also ends the streams opened just before it.
 */
export async function authenticate(app: Deps, authorization: unknown): Promise<Session> {
  if (authorization === undefined || authorization === null || authorization === '') return ANONYMOUS;
  const token = bearerToken(authorization);
  if (!token) throw unauthenticated('The authorization must be "Bearer <token>".');
  const claims = await app.tokens.verify(token);
  if (!claims) throw unauthenticated('The token is invalid or expired; sign in again.');
  // The token is genuine; the database says whether its user still exists and whether it was revoked.
  // An unreachable database says nothing about the credential: UNAVAILABLE (retry), never "refused".
  const user = await app.versions.get(claims.userId, claims.role).catch((error: unknown) => {
    throw isDatabaseUnavailable(error) ? unavailable(UNAVAILABLE_RETRY_AFTER_MS) : error;
  });
  if (!user) throw unauthenticated('The token names a user that does not exist; sign in again.');
  if (user.tokenVersion !== claims.version) throw unauthenticated('The token was revoked; sign in again.');
  return { viewer: { id: claims.userId, role: user.role }, expiresAt: claims.expiresAt, version: claims.version };
}
