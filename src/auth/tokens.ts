/** Signed session tokens: HS256 JWTs (jose), subject = user id. */
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { SignJWT, jwtVerify } from 'jose';
import type { Config } from '../config.js';

export interface TokenClaims {
  userId: string;
  role: 'USER' | 'ADMIN';
  /** The user's token version when signed; bumping it in the database revokes the token. */
  version?: number;
}

/** How far in the future an `iat` may be (clock skew between instances). */
const MAX_CLOCK_SKEW_SECONDS = 30;

export interface VerifiedClaims extends TokenClaims {
  version: number;
  /** Milliseconds since the epoch. */
  expiresAt: number;
}

/** Verified tokens remembered, so a client's every request does not pay for a WebCrypto verify. */
const VERIFIED_CACHE = 10_000;

export class Tokens {
  private readonly key: Uint8Array;
  /** token -> its claims; keyed by the whole signed string, so only a token verified before can hit. */
  private readonly verified = new Map<string, VerifiedClaims>();

  constructor(
    secret: string,
    private readonly ttlSeconds: number,
  ) {
    this.key = new TextEncoder().encode(secret);
  }

  async sign(claims: TokenClaims): Promise<string> {
    return new SignJWT({ role: claims.role, ver: claims.version ?? 0 })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(claims.userId)
      .setIssuedAt()
      .setIssuer('pulse')
      .setExpirationTime(Math.floor(Date.now() / 1000) + this.ttlSeconds)
      .sign(this.key);
  }

  /** The claims of a valid token, or null if it is malformed, forged, expired or issued in the future. */
  async verify(token: string): Promise<VerifiedClaims | null> {
    const known = this.verified.get(token);
    if (known) {
      if (known.expiresAt > Date.now()) return known;
      this.verified.delete(token);
    }
    try {
      const { payload } = await jwtVerify(token, this.key, { algorithms: ['HS256'], issuer: 'pulse' });
      if (typeof payload.sub !== 'string' || typeof payload.exp !== 'number') return null;
      if (typeof payload.iat !== 'number' || payload.iat > Date.now() / 1000 + MAX_CLOCK_SKEW_SECONDS) return null;
      const version = payload.ver ?? 0;
      if (typeof version !== 'number' || !Number.isSafeInteger(version)) return null;
      const claims: VerifiedClaims = {
        userId: payload.sub,
        role: payload.role === 'ADMIN' ? 'ADMIN' : 'USER',
        expiresAt: payload.exp * 1000,
        version,
      };
      if (this.verified.size >= VERIFIED_CACHE) this.verified.delete(this.verified.keys().next().value!);
      this.verified.set(token, claims);
      return claims;
    } catch {
      return null;
    }
  }
}

/** `Bearer <token>` -> token; anything else -> null. */
export function bearerToken(header: unknown): string | null {
  if (typeof header !== 'string') return null;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match ? match[1] : null;
}

/**
 * The signing secret: `JWT_SECRET`, or (development only) one generated once and kept beside the
 * embedded database so tokens survive a restart. Returns whether it was generated, for a warning.
 */
export async function resolveJwtSecret(config: Config): Promise<{ secret: string; generated: boolean }> {
  if (config.jwtSecret) return { secret: config.jwtSecret, generated: false };
  const db = config.database;
  if (db.kind === 'pglite' && db.dir) {
    const file = join(dirname(db.dir), 'jwt-secret');
    try {
      const stored = (await readFile(file, 'utf8')).trim();
      if (stored.length >= 32) return { secret: stored, generated: true };
    } catch {
      // not there yet
    }
    const secret = randomBytes(32).toString('base64url');
    await mkdir(dirname(file), { recursive: true });
    await writeFile(file, secret, { mode: 0o600 });
    return { secret, generated: true };
  }
  return { secret: randomBytes(32).toString('base64url'), generated: true };
}
