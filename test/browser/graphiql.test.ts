/**
 * GraphiQL at /graphql in headless Chromium, with its bundle served by Pulse (no CDN): it runs a
 * subscription over WebSocket, a mutation sent over HTTP commits, and the event shows in the result pane;
 * a query with `@defer` shows its deferred part too.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gqlOk, registerUser } from '../support/client.js';
import { startTestServer, waitForSubscriptions, type TestServer } from '../support/server.js';
import { launchChromium, RUN_BROWSER_TESTS, screenshotPath } from './chromium.js';

describe.runIf(RUN_BROWSER_TESTS)('GraphiQL', () => {
  let browser: Browser;
  let server: TestServer;

  beforeAll(async () => {
    [browser, server] = await Promise.all([launchChromium(), startTestServer()]);
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('runs a subscription in the browser and shows the event a mutation over HTTP caused', async () => {
    const organiser = await registerUser(server.url, 'organiser');
    const { createEvent } = await gqlOk(
      server.url,
      'mutation($input: CreateEventInput!) { createEvent(input: $input) { id } }',
      { input: { title: 'GraphiQL night', startsAt: new Date(Date.now() + 86400_000).toISOString(), capacity: 12 } },
      organiser.token,
    );
    const subscription = `subscription { seatUpdates(eventId: "${createEvent.id}") { kind availableSeats capacity } }`;

    const page = await browser.newPage();
    const offsite: string[] = [];
    page.on('request', (request) => {
      if (!request.url().startsWith(new URL(server.url).origin) && !request.url().startsWith('blob:')) offsite.push(request.url());
    });
    await page.goto(`${server.url}?query=${encodeURIComponent(subscription)}`);
    await page.locator('.graphiql-execute-button').waitFor({ timeout: 30_000 });
    await page.locator('.graphiql-query-editor').getByText('seatUpdates').waitFor({ timeout: 30_000 });
    await page.locator('.graphiql-execute-button').click();
    await waitForSubscriptions(server, 1, 30_000);

    const booker = await registerUser(server.url, 'booker');
    await gqlOk(server.url, 'mutation($id: ID!) { bookSeats(eventId: $id, seats: 3) { id } }', { id: createEvent.id }, booker.token);

    const response = page.locator('.graphiql-response');
    await response.getByText('"BOOKED"').waitFor({ timeout: 20_000 });
    const text = (await response.innerText()).replace(/\s+/g, ' ');
    expect(text).toContain('"availableSeats": 9');
    expect(text).toContain('"capacity": 12');
    await page.screenshot({ path: await screenshotPath('graphiql'), fullPage: true });
    // Everything GraphiQL loaded came from Pulse itself.
    expect(offsite).toEqual([]);
  });

  it('runs a query with @defer over multipart: the deferred fields join the event in the result pane', async () => {
    const organiser = await registerUser(server.url, 'deferring');
    const { createEvent } = await gqlOk(
      server.url,
      'mutation($input: CreateEventInput!) { createEvent(input: $input) { id } }',
      { input: { title: 'Deferred night', startsAt: new Date(Date.now() + 86400_000).toISOString(), capacity: 5 } },
      organiser.token,
    );
    const query = `{ event(id: "${createEvent.id}") { title ... @defer { availableSeats organizer { username } } } }`;

    const page = await (await browser.newContext()).newPage();
    const answeredAs: string[] = [];
    page.on('response', (answer) => {
      const request = answer.request();
      if (request.method() === 'POST' && request.postData()?.includes('@defer')) answeredAs.push(answer.headers()['content-type'] ?? '');
    });
    await page.goto(`${server.url}?query=${encodeURIComponent(query)}`);
    await page.locator('.graphiql-query-editor').getByText('availableSeats').waitFor({ timeout: 30_000 });
    await page.locator('.graphiql-execute-button').click();
    const response = page.locator('.graphiql-response');
    await response.getByText(organiser.username).waitFor({ timeout: 20_000 });
    const text = (await response.innerText()).replace(/\s+/g, ' ');
    expect(text).toContain('"title": "Deferred night"');
    expect(text).toContain('"availableSeats": 5');
    // The answer came in parts (test/foundation/defer.test.ts looks into them), merged by GraphiQL.
    expect(answeredAs).toHaveLength(1);
    expect(answeredAs[0]).toMatch(/^multipart\/mixed/);
  });

  it('opens with an example subscription and mutation, not the welcome text', async () => {
    const page = await (await browser.newContext()).newPage();
    await page.goto(server.url);
    const editor = page.locator('.graphiql-query-editor');
    // CodeMirror renders one element per token: wait for one, then read the whole text.
    await editor.getByText('matchFeed').first().waitFor({ timeout: 30_000 });
    const text = (await editor.innerText()).replace(/\s+/g, ' ');
    expect(text).toContain('subscription Board');
    expect(text).toContain('matchFeed(region: NA)');
    expect(text).toContain('mutation Post');
    expect(text).not.toContain('Welcome to GraphiQL');
  });
});
