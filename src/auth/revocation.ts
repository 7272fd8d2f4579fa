/**
 * Token revocation: each user has a token version (in the database); tokens carry the version they
 * were signed with, and `authenticate` refuses older ones. Revoking bumps the version and signals
 * every instance, which closes that user's open WebSocket connections (4403) at once.
 */
import type { Services } from '../context.js';
import { Topics, type StreamEvent } from '../streams/topics.js';

/** The bus topic every instance listens on for revocations. */
const REVOCATIONS = Topics.session('revoked');

/** Revokes every token of `userId` issued so far; returns the new version. */
export async function revokeTokens(app: Services, userId: string): Promise<number> {
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
export function onRevocation(app: Services, revoked: (userId: string, version: number) => void): Promise<() => void> {
  return app.streams.bus.subscribe(REVOCATIONS.name, (event) => {
    const { kind, data } = event as StreamEvent<'session'>;
    if (kind !== 'REVOKED') return;
    const { userId, version } = data;
    revoked(userId, version);
  });
}
