/** Demo data for a fresh database: a few users (one ADMIN) and something to look at in each domain. */
import type { PrismaClient } from './db/index.js';
import { register } from './users/service.js';

export const DEMO_PASSWORD = 'pulse-demo-password';
export const DEMO_USERS = [
  { username: 'alice', displayName: 'Alice' },
  { username: 'bob', displayName: 'Bob' },
  { username: 'carol', displayName: 'Carol' },
  { username: 'admin', displayName: 'Admin', role: 'ADMIN' as const },
];

/** Seeds only an empty database; returns whether it did. */
export async function seedDemoData(prisma: PrismaClient): Promise<boolean> {
  if ((await prisma.user.count()) > 0) return false;
  const [alice, bob, carol] = await Promise.all(DEMO_USERS.map((u) => register(prisma, { ...u, password: DEMO_PASSWORD })));
  await prisma.event.create({
    data: {
      title: 'Pulse launch party',
      startsAt: new Date(Date.now() + 7 * 86400_000),
      venue: 'Main hall',
      capacity: 50,
      organizerId: alice.id,
    },
  });
  await prisma.post.create({ data: { content: 'Hello from Pulse! Like this post to see live counts.', authorId: bob.id } });
  await prisma.match.create({
    data: { game: 'Rocket League', region: 'NA', slots: 2, mode: 'duel', description: 'Chill 1v1s', creatorId: carol.id },
  });
  await prisma.conversation.create({
    data: {
      kind: 'GROUP',
      title: 'Lobby',
      isPrivate: false,
      members: { create: [alice, bob, carol].map((u) => ({ userId: u.id })) },
    },
  });
  return true;
}
