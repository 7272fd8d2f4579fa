/**
 * Token revocation: each user has a token version (in the database); tokens carry the version they
 * were signed with, and `authenticate` refuses older ones. Revoking bumps the version and signals
 * every instance, which closes that user's open WebSocket connections (4403) at once.
 */
import { Topics, type StreamEvent } from '../streams/topics.js';
import type { PrismaClient } from '../db/index.js';
import type { Streams } from '../streams/index.js';
import type { TokenVersions } from './versions.js';
import type { Viewer } from './viewer.js';
import { forbidden, notFound } from '../errors.js';

/** What this module's functions use of the instance's services (context.ts `Services` has them all). */
interface Deps {
  prisma: PrismaClient;
  streams: Streams;
  versions: TokenVersions;
}

/** The bus topic every instance listens on for revocations. */
const REVOCATIONS = Topics.session('revoked');

/**
 * `actor` revokes every token of `userId` issued so far (their own; another user's: ADMIN only,
 * FORBIDDEN otherwise; NOT_FOUND for an unknown user); returns the new version.
 */
export async function revokeTokens(app: Deps, actor: Viewer, userId: string): Promise<number> {
  if (userId !== actor.id && actor.role !== 'ADMIN') throw forbidden("Only an ADMIN may revoke another user's tokens.");
  if (userId !== actor.id && !(await app.prisma.user.findUnique({ where: { id: userId }, select: { id: true } }))) {
    throw notFound('User', userId);
  }
  const { tokenVersion } = await app.prisma.user.update({
    where: { id: userId },
    data: { tokenVersion: { increment: 1 } },
    select: { tokenVersion: true },
  });
  app.versions.revoked(userId, tokenVersion);
  // If the signal is lost (bus down), connections still end at their next connect; tokens are refused now.
  await app.streams.signal(REVOCATIONS, 'REVOKED', { userId, version: tokenVersion });
  return tokenVersion;
}

/**
 * Listens for revocations on the bus; `revoked(userId, version)` runs on every instance for each.
 * Resolves with a function that stops listening.
 */
export function onRevocation(app: Deps, revoked: (userId: string, version: number) => void): Promise<() => void> {
  return app.streams.bus.subscribe(REVOCATIONS.name, (event) => {
    const { kind, data } = event as StreamEvent<'session'>;
    if (kind !== 'REVOKED') return;
    const { userId, version } = data;
    revoked(userId, version);
  });
}
