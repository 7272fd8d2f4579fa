/**
 * The web page in headless Chromium, two browser contexts signed in as two demo users: what one
 * does appears live in the other's panels (match board, seats, chat, post likes and notifications).
 * Embedded mode (one instance, PGlite); with PostgreSQL and Redis also two instances, one user on each.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildPage, launchChromium, RUN_BROWSER_TESTS, screenshotPath } from './chromium.js';
import { openPages, PAGE_SETUPS, type Setup } from './two-users.js';

const WAIT = { timeout: 20_000 };

/** Script errors of every page, reported by the last test. */
const pageErrors: string[] = [];

describe.runIf(RUN_BROWSER_TESTS).each(PAGE_SETUPS)('web page, %s', (name, start) => {
  let browser: Browser;
  let setup: Setup;
  let alice: Page;
  let bob: Page;
  const tag = name.split(' ')[0];

  beforeAll(async () => {
    const web = await buildPage(`web-${tag}`);
    [browser, setup] = await Promise.all([launchChromium(), start(web)]);
    ({ alice, bob } = await openPages(browser, setup, pageErrors));
  });
  afterAll(async () => {
    for (const [user, page] of [
      ['alice', alice],
      ['bob', bob],
    ] as const) {
      if (page) await page.screenshot({ path: await screenshotPath(`page-${tag}-${user}`), fullPage: true }).catch(() => {});
    }
    await browser?.close();
    await setup?.stop();
  });

  it('a match posted by one user appears on the other one’s board', async () => {
    const game = `Rocket League ${Math.random().toString(36).slice(2, 7)}`;
    await alice.getByTestId('post-match-game').fill(game);
    await alice.getByTestId('post-match-submit').click();
    const card = bob.getByTestId('match-item').filter({ hasText: game });
    await card.waitFor(WAIT);
    expect(await card.textContent()).toContain('by Alice');
  });

  it('a seat booked by one user updates the other one’s count, and so does cancelling it', async () => {
    const seats = async (page: Page) => Number(await page.getByTestId('seats-available').textContent());
    const before = await seats(alice);
    expect(await seats(bob)).toBe(before);
    await bob.getByTestId('book-seat').click();
    await alice
      .getByTestId('seats-available')
      .filter({ hasText: new RegExp(`^${before - 1}$`) })
      .waitFor(WAIT);
    await bob.getByTestId('my-booking').waitFor(WAIT);
    await bob.getByTestId('cancel-booking').click();
    await alice
      .getByTestId('seats-available')
      .filter({ hasText: new RegExp(`^${before}$`) })
      .waitFor(WAIT);
    await bob
      .getByTestId('seats-available')
      .filter({ hasText: new RegExp(`^${before}$`) })
      .waitFor(WAIT);
  });

  it('a chat message sent by one user appears in the other one’s conversation, after a typing indicator', async () => {
    const text = `hello bob ${Math.random().toString(36).slice(2, 7)}`;
    await alice.getByTestId('chat-input').pressSequentially('hello', { delay: 10 });
    await bob.getByTestId('typing').filter({ hasText: 'Alice is typing' }).waitFor(WAIT);
    await alice.getByTestId('chat-input').fill(text);
    await alice.getByTestId('chat-send').click();
    await bob.getByTestId('chat-message').filter({ hasText: text }).waitFor(WAIT);
    await alice.getByTestId('chat-message').filter({ hasText: text }).waitFor(WAIT);
    expect(await alice.getByTestId('chat-message').filter({ hasText: text }).count()).toBe(1);
  });

  it('a like on bob’s post updates his count and notifies him', async () => {
    await alice.getByTestId('like-toggle').filter({ hasText: 'Like' }).click();
    await bob.getByTestId('post-like-count').filter({ hasText: /^1$/ }).waitFor(WAIT);
    await bob.getByTestId('notification').filter({ hasText: /Alice/ }).first().waitFor(WAIT);
    await alice.getByTestId('like-toggle').filter({ hasText: 'Unlike' }).waitFor(WAIT);
  });

  it('raised no script error in either page', () => {
    expect(pageErrors).toEqual([]);
  });
});
