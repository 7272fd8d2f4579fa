/**
 * The web page across a server restart (same PGlite data directory, same port): the header shows
 * `reconnecting`, and once the socket is back every panel shows what happened while it was away,
 * once. The page's WebSocket is routed through Playwright so the test decides when it may reconnect:
 * the events "while away" are certainly committed before the page resubscribes, so they can only
 * arrive by resuming from the cursors it kept. The queue's signals are ephemeral (not replayed): the
 * match found while away shows because the page reads the queue's state again once it is back.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedDemoData } from '../../src/seed.js';
import { gqlOk } from '../support/client.js';
import type { TestDatabase } from '../support/database.js';
import { startTestServer, waitForSubscriptions, type TestServer } from '../support/server.js';
import { buildPage, launchChromium, RUN_BROWSER_TESTS, screenshotPath } from './chromium.js';

const WAIT = { timeout: 30_000 };

describe.runIf(RUN_BROWSER_TESTS)('web page across a server restart', () => {
  let browser: Browser;
  let database: TestDatabase;
  let web: string;
  const servers: TestServer[] = [];

  beforeAll(async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pulse-page-restart-'));
    database = { target: { kind: 'pglite', dir }, name: 'page_restart', drop: () => rm(dir, { recursive: true, force: true }) };
    [browser, web] = await Promise.all([launchChromium(), buildPage('web-reconnect')]);
  });
  afterAll(async () => {
    await browser?.close();
    for (const server of servers) await server.stop();
    await database?.drop();
  });

  it('shows reconnecting, then resumes every panel with the events it missed, once', async () => {
    const first = await startTestServer({ database, web });
    servers.push(first);
    await seedDemoData(first.pulse.services.prisma);

    // bob acts over HTTP; alice watches in the browser.
    const login = await gqlOk(first.url, 'mutation { login(username: "bob", password: "pulse-demo-password") { token } }');
    const bob = login.login.token as string;
    const act = async (server: TestServer, tag: string) => {
      await gqlOk(
        server.url,
        'mutation($input: PostMatchInput!) { postMatch(input: $input) { id } }',
        { input: { game: `Match ${tag}`, region: 'NA', slots: 2 } },
        bob,
      );
      const { events } = await gqlOk(server.url, '{ events(first: 1) { edges { node { id } } } }', {}, bob);
      await gqlOk(server.url, 'mutation($id: ID!) { bookSeats(eventId: $id, seats: 2) { id } }', { id: events.edges[0].node.id }, bob);
      const { conversations } = await gqlOk(server.url, '{ conversations(first: 1) { edges { node { id } } } }', {}, bob);
      await gqlOk(
        server.url,
        'mutation($id: ID!, $text: String!) { sendMessage(conversationId: $id, text: $text) { id } }',
        { id: conversations.edges[0].node.id, text: `Chat ${tag}` },
        bob,
      );
    };

    let offline = false;
    const context = await browser.newContext();
    await context.routeWebSocket(/\/graphql$/, (ws) => {
      // 1012 "service restart": graphql-ws backs off and tries again, as after a real outage.
      if (offline) ws.close({ code: 1012, reason: 'test: network down' });
      else ws.connectToServer();
    });
    const alice: Page = await context.newPage();
    await alice.goto(new URL('/', first.url).toString());
    await alice.getByTestId('signin-user').selectOption('alice');
    await alice.getByTestId('signin-submit').click();
    await alice
      .getByTestId('connection-state')
      .filter({ hasText: /^connected$/ })
      .waitFor(WAIT);
    await waitForSubscriptions(first, 5);

    // One event on each stream first: a subscription resumes from the last cursor it delivered.
    await act(first, 'before');
    await alice.getByTestId('match-item').filter({ hasText: 'Match before' }).waitFor(WAIT);
    await alice.getByTestId('seats-available').filter({ hasText: /^48$/ }).waitFor(WAIT);
    await alice.getByTestId('chat-message').filter({ hasText: 'Chat before' }).waitFor(WAIT);
    // alice waits in the duel queue; a server shutting down does not take her out of it.
    await alice.getByTestId('join-queue').click();
    await alice.getByTestId('queue-position').filter({ hasText: /^1$/ }).waitFor(WAIT);

    offline = true;
    await first.stop();
    await alice
      .getByTestId('connection-state')
      .filter({ hasText: /^reconnecting$/ })
      .waitFor(WAIT);
    const second = await startTestServer({ database, web, config: { port: Number(new URL(first.url).port) } });
    servers.push(second);
    await act(second, 'while away');
    // Her MATCH_FOUND signal goes to nobody: she is not connected.
    await gqlOk(second.url, 'mutation { joinQueue(mode: "duel", region: NA) { id } }', {}, bob);
    await alice.screenshot({ path: await screenshotPath('page-reconnecting') });
    offline = false;

    await alice
      .getByTestId('connection-state')
      .filter({ hasText: /^connected$/ })
      .waitFor(WAIT);
    await alice.getByTestId('match-item').filter({ hasText: 'Match while away' }).waitFor(WAIT);
    await alice.getByTestId('seats-available').filter({ hasText: /^46$/ }).waitFor(WAIT);
    await alice.getByTestId('chat-message').filter({ hasText: 'Chat while away' }).waitFor(WAIT);
    await alice.getByTestId('matchmaking-status').filter({ hasText: 'Match found: duel in NA with Bob' }).waitFor(WAIT);
    await waitForSubscriptions(second, 5);

    // And live again afterwards; nothing was delivered twice.
    await act(second, 'after');
    await alice.getByTestId('chat-message').filter({ hasText: 'Chat after' }).waitFor(WAIT);
    await alice.getByTestId('seats-available').filter({ hasText: /^44$/ }).waitFor(WAIT);
    for (const tag of ['before', 'while away', 'after']) {
      for (const [testId, label] of [
        ['match-item', 'Match'],
        ['chat-message', 'Chat'],
      ]) {
        expect(
          await alice
            .getByTestId(testId)
            .filter({ hasText: `${label} ${tag}` })
            .count(),
        ).toBe(1);
      }
    }
    await alice.screenshot({ path: await screenshotPath('page-resumed'), fullPage: true });
  });
});
