/**
 * Per-request batching and caching (DataLoader): built with each operation's context (transport/yoga.ts),
 * so every resolver of one request shares one lookup per key, and the lookups of one tick go to the
 * database as one query.
 */
import DataLoader from 'dataloader';
import { memberships } from '../chat/membership.js';
import type { Viewer } from '../auth/viewer.js';
import type { PrismaClient } from '../db/index.js';
import { viewerIdOf } from './viewer.js';

export interface Loaders {
  /** Is the viewer a member of this conversation? (false when signed out) */
  membership: DataLoader<string, boolean>;
}

export function createLoaders(prisma: PrismaClient, viewer: Viewer | null): Loaders {
  return {
    membership: new DataLoader(async (conversationIds: readonly string[]) => {
      const member = await memberships(prisma, viewerIdOf({ viewer }), conversationIds);
      return conversationIds.map((id) => member.has(id));
    }),
  };
}
