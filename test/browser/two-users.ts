/**
 * Two people on the web page: alice and bob in two browser contexts, on one embedded instance, or
 * (with PostgreSQL and Redis) on two instances of one deployment, one each. `openPages` returns once
 * every panel's subscription of both pages is live on its server, so a test may act at once.
 */
import type { Browser, Page } from 'playwright-core';
import { seedDemoData } from '../../src/seed.js';
import { createTestDatabase, DATABASE_KINDS, TEST_DATABASE_URL, TEST_REDIS_URL } from '../support/database.js';
import { startTestServer, waitForSubscriptions, type TestServer } from '../support/server.js';
import { signIn } from './chromium.js';

/**
 * Live subscriptions one signed-in page holds: notifications, match feed, seats, conversation, post,
 * presence and matchmaking.
 */
export const SUBSCRIPTIONS_PER_PAGE = 7;

export interface Setup {
  /** The servers alice's and bob's pages are served by (the same one in embedded mode). */
  servers: [TestServer, TestServer];
  stop(): Promise<void>;
}

/** [name, start(web directory)] of every deployment this run can start. */
export const PAGE_SETUPS: [string, (web: string) => Promise<Setup>][] = [];
if (DATABASE_KINDS.includes('pglite')) {
  PAGE_SETUPS.push([
    'embedded (one instance, PGlite)',
    async (web) => {
      const server = await startTestServer({ database: 'pglite', web });
      return { servers: [server, server], stop: () => server.stop() };
    },
  ]);
}
if (TEST_DATABASE_URL && TEST_REDIS_URL) {
  PAGE_SETUPS.push([
    'scaled (two instances, PostgreSQL + Redis)',
    async (web) => {
      const database = await createTestDatabase('postgres');
      const a = await startTestServer({ database, redis: true, web, config: { instanceId: 'page-a' } });
      const b = await startTestServer({ database, redis: true, web, config: { instanceId: 'page-b' } });
      return {
        servers: [a, b],
        async stop() {
          await Promise.all([a.stop(), b.stop()]);
          await database.drop();
        },
      };
    },
  ]);
}

/** Waits until both pages' subscriptions are live: after signing in, or signing in again. */
export async function bothPagesLive(setup: Setup): Promise<void> {
  const [a, b] = setup.servers;
  if (a === b) await waitForSubscriptions(a, 2 * SUBSCRIPTIONS_PER_PAGE);
  else await Promise.all([a, b].map((s) => waitForSubscriptions(s, SUBSCRIPTIONS_PER_PAGE)));
}

/** Seeds the demo data, signs alice in on the first server and bob on the second, and waits until both pages are live. */
export async function openPages(browser: Browser, setup: Setup, errors: string[]): Promise<{ alice: Page; bob: Page }> {
  await seedDemoData(setup.servers[0].pulse.services.prisma);
  const viewport = { width: 1280, height: 900 };
  const alice = await signIn(await browser.newContext({ viewport }), setup.servers[0].url, 'alice', errors);
  const bob = await signIn(await browser.newContext({ viewport }), setup.servers[1].url, 'bob', errors);
  await bothPagesLive(setup);
  return { alice, bob };
}
