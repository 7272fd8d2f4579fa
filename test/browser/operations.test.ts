/**
 * The operations panel in headless Chromium, on a server that runs trusted documents only
 * (PERSISTED_DOCUMENTS=only), so the whole page also proves it works by hash: the ADMIN sees the
 * panel's figures move while the test generates load (typed client, 20 subscribers of the NA board,
 * matches posted), and a non-admin's page has no panel.
 */
import { print } from 'graphql';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createPulseClient, LoginDocument, MatchFeedDocument, PostMatchDocument, type PulseClient } from '../../client/src/index.js';
import { DEMO_PASSWORD, seedDemoData } from '../../src/seed.js';
import { disposers } from '../support/setup.js';
import { startTestServer, waitForSubscriptions, type TestServer } from '../support/server.js';
import { buildPage, launchChromium, RUN_BROWSER_TESTS, screenshotPath, signIn } from './chromium.js';

const WAIT = { timeout: 20_000 };

describe.runIf(RUN_BROWSER_TESTS)('operations panel (trusted documents only)', () => {
  const cleanup = disposers();
  let browser: Browser;
  let server: TestServer;
  const pageErrors: string[] = [];

  const signInAs = async (username: string): Promise<Page> => signIn(await browser.newContext(), server.url, username, pageErrors);

  beforeAll(async () => {
    const web = await buildPage('web-operations');
    [browser, server] = await Promise.all([
      launchChromium(),
      startTestServer({ web, config: { persistedDocuments: 'only', instanceId: 'ops-page' } }),
    ]);
    await seedDemoData(server.pulse.services.prisma);
  });
  afterAll(async () => {
    await cleanup.run();
    await browser?.close();
    await server?.stop();
  });

  it('an ADMIN watches the figures move under load; the page works by hash only', async () => {
    const admin = await signInAs('admin');
    const panel = admin.getByTestId('operations-panel');
    await panel.waitFor(WAIT);
    await panel.getByTestId('operations-instance').filter({ hasText: 'ops-page' }).waitFor(WAIT);
    // Another panel of the page loaded its data by hash too.
    await admin.getByTestId('match-board').waitFor(WAIT);

    // Load from outside the page: the typed client (hashes only), 20 subscribers of the NA board.
    let token: string | null = null;
    const load: PulseClient = createPulseClient({ url: server.url, getToken: () => token, webSocketImpl: WebSocket });
    cleanup.defer(() => load.dispose());
    token = (await load.mutate({ mutation: LoginDocument, variables: { username: 'carol', password: DEMO_PASSWORD } })).data!.login.token;
    const live = server.pulse.services.subscriptionStats.liveCount();
    // Straight on the client's socket (Apollo would merge identical subscriptions into one), by hash.
    const sha256Hash = (MatchFeedDocument as unknown as { __meta__: { hash: string } }).__meta__.hash;
    for (let i = 0; i < 20; i++) {
      const payload = {
        query: print(MatchFeedDocument),
        variables: { region: 'NA' },
        extensions: { persistedQuery: { version: 1, sha256Hash } },
      };
      cleanup.defer(load.ws.subscribe(payload, { next: () => {}, error: () => {}, complete: () => {} }));
    }
    await waitForSubscriptions(server, live + 20);

    const delivered = panel.getByTestId('ops-delivered');
    let posted = 0;
    const deadline = Date.now() + 30_000;
    // Post until the panel shows deliveries and a latency, and its sparkline has drawn several samples.
    for (;;) {
      await load.mutate({ mutation: PostMatchDocument, variables: { input: { game: `Load ${posted++}`, region: 'NA', slots: 3 } } });
      const rate = Number(await delivered.textContent());
      const latency = await panel.getByTestId('ops-latency').textContent();
      const path = await panel.locator('.figure').nth(2).locator('svg path').getAttribute('d');
      if (rate > 0 && latency !== '–' && (path?.split('L').length ?? 0) >= 5) break;
      if (Date.now() > deadline) throw new Error(`the panel did not move: delivered/s ${rate}, latency ${latency}, path ${path}`);
      await admin.waitForTimeout(250); // pacing the load, not waiting for a result
    }
    expect(await panel.getByTestId('ops-subscriptions').textContent()).toMatch(/region \d+/);
    expect(Number(await panel.getByTestId('ops-connections').textContent())).toBeGreaterThanOrEqual(2);
    await admin.screenshot({ path: await screenshotPath('operations-panel'), fullPage: true });
  });

  it('a non-admin page has no operations panel', async () => {
    const bob = await signInAs('bob');
    await bob.getByTestId('match-board').waitFor(WAIT);
    await bob.getByTestId('social-panel').waitFor(WAIT);
    expect(await bob.getByTestId('operations-panel').count()).toBe(0);
    expect(pageErrors).toEqual([]);
  });
});
