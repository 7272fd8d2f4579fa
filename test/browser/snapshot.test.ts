/**
 * Acceptance 2 of issue 12 through Chromium: the page queries an event's seats, and a booking commits
 * after that query but before the page's subscription reaches the server (the test holds the page's
 * WebSocket, commits, then lets it through). The page shows the booking's count, because it
 * subscribed from the query's snapshot cursor; it refetches nothing (no refetch happens for others'
 * bookings), so only the replay can have brought it.
 */
import type { Browser, WebSocketRoute } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_PASSWORD, seedDemoData } from '../../src/seed.js';
import { gqlOk } from '../support/client.js';
import { startTestServer, waitForSubscriptions, type TestServer } from '../support/server.js';
import { buildPage, launchChromium, RUN_BROWSER_TESTS } from './chromium.js';

const WAIT = { timeout: 20_000 };

describe.runIf(RUN_BROWSER_TESTS)('web page: query, then subscribe from the query’s cursor', () => {
  let browser: Browser;
  let server: TestServer;
  beforeAll(async () => {
    const web = await buildPage('web-snapshot');
    [browser, server] = await Promise.all([launchChromium(), startTestServer({ database: 'pglite', web })]);
    await seedDemoData(server.pulse.services.prisma);
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('shows a booking committed between the page’s query and its subscription, exactly once', async () => {
    const errors: string[] = [];
    const page = await (await browser.newContext()).newPage();
    page.on('pageerror', (error) => errors.push(error.message));
    // Hold the page's WebSockets: queue what the page sends until the test lets it through.
    const routes: { ws: WebSocketRoute; queued: (string | Buffer)[]; release(): void }[] = [];
    let released = false;
    await page.routeWebSocket(/\/graphql$/, (ws) => {
      const route = {
        ws,
        queued: [] as (string | Buffer)[],
        release() {
          const upstream = ws.connectToServer();
          ws.onMessage((message) => upstream.send(message));
          upstream.onMessage((message) => ws.send(message));
          upstream.onClose((code, reason) => ws.close({ code, reason }));
          ws.onClose((code, reason) => upstream.close({ code, reason }));
          for (const message of route.queued.splice(0)) upstream.send(message);
        },
      };
      routes.push(route);
      if (released) route.release();
      else ws.onMessage((message) => route.queued.push(message));
    });
    const held = () => routes.length;

    await page.goto(new URL('/', server.url).toString());
    await page.getByTestId('signin-user').selectOption('alice');
    await page.getByTestId('signin-submit').click();
    const seats = page.getByTestId('seats-available');
    await seats.waitFor(WAIT);
    const shown = Number(await seats.textContent());
    await expect.poll(held, WAIT).toBeGreaterThan(0);
    expect(server.pulse.services.subscriptionStats.liveCount()).toBe(0); // nothing subscribed yet

    // Commit between the query and the subscription.
    const carol = (
      await gqlOk(server.url, `mutation($p: String!) { login(username: "carol", password: $p) { token } }`, { p: DEMO_PASSWORD })
    ).login.token;
    const eventId = (await gqlOk(server.url, `query { events(first: 1) { edges { node { id } } } }`)).events.edges[0].node.id;
    await gqlOk(server.url, `mutation($id: ID!) { bookSeats(eventId: $id, seats: 3) { id } }`, { id: eventId }, carol);

    released = true;
    for (const route of routes) route.release();
    await waitForSubscriptions(server, 5);
    await page
      .getByTestId('seats-available')
      .filter({ hasText: new RegExp(`^${shown - 3}$`) })
      .waitFor(WAIT);
    // Exactly once: the next booking moves the count by its own seats only.
    await gqlOk(server.url, `mutation($id: ID!) { bookSeats(eventId: $id, seats: 1) { id } }`, { id: eventId }, carol);
    await page
      .getByTestId('seats-available')
      .filter({ hasText: new RegExp(`^${shown - 4}$`) })
      .waitFor(WAIT);
    expect(errors).toEqual([]);
  });
});
