/** Embedded PGlite has one connection: concurrent transactions must still be isolated and gap-free. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorCode, gql, gqlOk, registerUser } from '../support/client.js';
import { makeAdmin, startTestServer, type TestServer } from '../support/server.js';

describe('embedded mode under concurrency', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ database: 'pglite' });
  });
  afterAll(() => server?.stop());

  it('50 concurrent appends to one topic produce seqs 1..50 and 50 stored notifications', async () => {
    const admin = await makeAdmin(server, (await registerUser(server.url, 'admin')).username);
    const user = await registerUser(server.url, 'target');
    await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        gqlOk(
          server.url,
          `mutation($input: BroadcastInput!) { broadcast(input: $input) }`,
          { input: { userIds: [user.id], message: `m${i}` } },
          admin,
        ),
      ),
    );
    const { prisma } = server.pulse.services;
    const seqs = (await prisma.streamEvent.findMany({ where: { topic: `user:${user.id}` }, orderBy: { seq: 'asc' } })).map((e) => e.seq);
    expect(seqs).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    expect(await prisma.notification.count({ where: { userId: user.id } })).toBe(50);
  });

  it('rate limits operations per user with RATE_LIMITED and retryAfterMs', async () => {
    const limited = await startTestServer({ database: 'pglite', config: { rateLimitPerMinute: 3 } });
    try {
      const user = await registerUser(limited.url, 'busy'); // 1 (anonymous, by IP)
      for (let i = 0; i < 3; i++) await gqlOk(limited.url, `{ viewer { id } }`, {}, user.token);
      const fourth = await gql(limited.url, `{ viewer { id } }`, {}, user.token);
      expect(errorCode(fourth)).toBe('RATE_LIMITED');
      expect(fourth.errors?.[0].extensions?.retryAfterMs).toBeGreaterThan(0);
      // Another user has their own budget.
      const someone = await limited.pulse.services.prisma.user.create({
        data: { username: 'someone-else', displayName: 'Someone', passwordHash: 'x' },
      });
      const other = await limited.pulse.services.tokens.sign({ userId: someone.id, role: 'USER' });
      expect(errorCode(await gql(limited.url, `{ serverStats { instanceId } }`, {}, other))).toBeUndefined();
    } finally {
      await limited.stop();
    }
  });
});
