/**
 * The page's panels for presence, the matchmaking queue, a match's applications, and typing and
 * unread counts in chat, driven by two people in headless Chromium (alice and bob, one instance or
 * two). Every step waits on what the other page shows. The last test leaves every panel populated
 * and takes the screenshot the README shows (test/artifacts/panels-<setup>.png; docs/page.png is the
 * embedded one).
 */
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildPage, launchChromium, RUN_BROWSER_TESTS, screenshotPath } from './chromium.js';
import { bothPagesLive, openPages, PAGE_SETUPS, type Setup } from './two-users.js';

const WAIT = { timeout: 20_000 };

/** Script errors of every page, reported by the last test. */
const pageErrors: string[] = [];

/** `page`'s element `testId` once its text matches `text`. */
const shows = (page: Page, testId: string, text: string | RegExp) =>
  page.getByTestId(testId).filter({ hasText: text }).first().waitFor(WAIT);

/** A person in alice's People panel, with the status it shows. */
const person = (page: Page, name: string, status: 'ONLINE' | 'OFFLINE'): Locator =>
  page.locator(`[data-testid="presence-item"][data-status="${status}"]`, { hasText: name });

async function joinQueue(page: Page, mode: 'duel' | 'squad'): Promise<void> {
  await page.getByTestId('queue-mode').selectOption(mode);
  await page.getByTestId('join-queue').click();
}

describe.runIf(RUN_BROWSER_TESTS).each(PAGE_SETUPS)('web page panels, %s', (name, start) => {
  let browser: Browser;
  let setup: Setup;
  let alice: Page;
  let bob: Page;
  const tag = name.split(' ')[0];

  beforeAll(async () => {
    const web = await buildPage(`web-panels-${tag}`);
    [browser, setup] = await Promise.all([launchChromium(), start(web)]);
    ({ alice, bob } = await openPages(browser, setup, pageErrors));
  });
  afterAll(async () => {
    await browser?.close();
    await setup?.stop();
  });

  it('presence: alice sees bob online, offline when he signs out, and online again when he signs back in', async () => {
    await person(alice, 'Bob', 'ONLINE').waitFor(WAIT);
    await person(alice, 'Carol', 'OFFLINE').waitFor(WAIT);
    await person(bob, 'Alice', 'ONLINE').waitFor(WAIT);

    await bob.getByRole('button', { name: 'Sign out' }).click();
    await person(alice, 'Bob', 'OFFLINE').waitFor(WAIT);
    await shows(alice, 'presence-summary', /^0 of 2 online$/);

    await bob.getByTestId('signin-user').selectOption('bob');
    await bob.getByTestId('signin-submit').click();
    await person(alice, 'Bob', 'ONLINE').waitFor(WAIT);
    await shows(alice, 'presence-summary', /^1 of 2 online$/);
    await bothPagesLive(setup);
  });

  it('matchmaking: positions in a queue move live, a full duel queue finds a match, and both see the game start and end', async () => {
    // squad (4 players) never fills with two: positions, and one moving up when the one ahead leaves.
    await joinQueue(alice, 'squad');
    await shows(alice, 'queue-position', /^1$/);
    await joinQueue(bob, 'squad');
    await shows(bob, 'queue-position', /^2$/);
    await alice.getByTestId('leave-queue').click();
    await shows(alice, 'matchmaking-status', 'Not in a queue');
    await shows(bob, 'queue-position', /^1$/);
    await shows(bob, 'matchmaking-signal', 'Now at position 1');
    await bob.getByTestId('leave-queue').click();
    await shows(bob, 'matchmaking-status', 'Not in a queue');

    await joinQueue(alice, 'duel');
    await shows(alice, 'queue-position', /^1$/);
    await joinQueue(bob, 'duel');
    await shows(alice, 'matchmaking-status', /Match found: duel in NA with Bob/);
    await shows(bob, 'matchmaking-status', /Match found: duel in NA with Alice/);
    await shows(alice, 'matchmaking-signal', 'Match found');

    await alice.getByTestId('start-game').click();
    await shows(bob, 'matchmaking-status', /Game in progress.*STARTED/);
    await shows(bob, 'matchmaking-signal', 'Game started');
    await alice.getByTestId('live-game').waitFor(WAIT);

    // The live game: each move reaches both players, in the same order.
    await alice.getByTestId('game-move-send').and(alice.locator(':enabled')).waitFor(WAIT);
    await bob.getByTestId('game-move-send').and(bob.locator(':enabled')).waitFor(WAIT);
    await alice.getByTestId('game-move-input').fill('e4');
    await alice.getByTestId('game-move-send').click();
    await shows(bob, 'game-moves', 'Alice: e4');
    await bob.getByTestId('game-move-input').fill('e5');
    await bob.getByTestId('game-move-send').click();
    await shows(alice, 'game-moves', /Alice: e4\s*Bob: e5/);
    await shows(bob, 'game-moves', /Alice: e4\s*Bob: e5/);

    await bob.getByTestId('end-game').click();
    await shows(alice, 'game-ended', 'Bob won');
    await shows(alice, 'matchmaking-signal', 'Game ended: Bob won');
    await shows(alice, 'matchmaking-status', 'Not in a queue');
    await shows(bob, 'game-ended', 'Bob won');
  });

  it('applications: bob applies to alice’s match, she sees it live and accepts, and bob sees it accepted', async () => {
    const game = `Apex ${Math.random().toString(36).slice(2, 7)}`;
    await alice.getByTestId('post-match-game').fill(game);
    await alice.getByTestId('post-match-submit').click();
    // alice opens her match first: bob's application has to arrive in the open view.
    await alice.getByTestId('match-item').filter({ hasText: game }).getByTestId('match-open').click();
    await shows(alice, 'match-applications', 'No applications yet');

    await bob.getByTestId('match-item').filter({ hasText: game }).getByTestId('match-open').click();
    await shows(bob, 'match-applications', 'You have not applied');
    await bob.getByTestId('apply-message').fill('I can tank');
    await bob.getByTestId('apply-to-match').click();
    await bob.locator('[data-testid="application"][data-status="PENDING"]').waitFor(WAIT);

    const application = alice.locator('[data-testid="application"]', { hasText: 'Bob' });
    await application.filter({ hasText: 'I can tank' }).filter({ hasText: 'PENDING' }).waitFor(WAIT);
    await application.getByTestId('accept-application').click();
    await alice.locator('[data-testid="application"][data-status="ACCEPTED"]', { hasText: 'Bob' }).waitFor(WAIT);
    await bob.locator('[data-testid="application"][data-status="ACCEPTED"]').waitFor(WAIT);
    await bob.getByTestId('match-item').filter({ hasText: game }).filter({ hasText: '1/2 open' }).waitFor(WAIT);
    expect(await alice.getByTestId('accept-application').count()).toBe(0);
  });

  it('chat: bob typing shows in alice’s chat; his message raises her unread count, and reading sets it to 0', async () => {
    const unread = async () => Number(await alice.getByTestId('chat-unread').textContent());
    const before = await unread();
    await bob.getByTestId('chat-input').pressSequentially('on my', { delay: 10 });
    await shows(alice, 'typing', 'Bob is typing');

    const text = `on my way ${Math.random().toString(36).slice(2, 7)}`;
    await bob.getByTestId('chat-input').fill(text);
    await bob.getByTestId('chat-send').click();
    await shows(alice, 'chat-message', text);
    await shows(alice, 'chat-unread', new RegExp(`^${before + 1}$`));
    await alice
      .getByTestId('conversation-select')
      .locator('option', { hasText: `Lobby (${before + 1})` })
      .waitFor({ ...WAIT, state: 'attached' });

    await alice.getByTestId('chat-mark-read').click();
    await shows(alice, 'chat-unread', /^0$/);
    await bob.getByTestId('chat-input').fill('one more');
    await bob.getByTestId('chat-send').click();
    await shows(alice, 'chat-unread', /^1$/);
    // Bob's own messages are never unread for him.
    await shows(bob, 'chat-message', 'one more');
    expect(await bob.getByTestId('chat-unread').textContent()).toBe('0');
  });

  it('every panel populated: a game in progress, an accepted player, unread chat, bob typing (the README screenshot)', async () => {
    await joinQueue(alice, 'duel');
    await shows(alice, 'queue-position', /^1$/);
    await joinQueue(bob, 'duel');
    await alice.getByTestId('start-game').click();
    await shows(bob, 'matchmaking-status', /Game in progress/);
    await alice.getByTestId('live-game').waitFor(WAIT);
    await bob.getByTestId('game-move-send').and(bob.locator(':enabled')).waitFor(WAIT);
    await bob.getByTestId('game-move-input').fill('B2 to B4');
    await bob.getByTestId('game-move-send').click();
    await shows(alice, 'game-moves', 'Bob: B2 to B4');
    await bob.getByTestId('chat-input').pressSequentially('gg', { delay: 10 });
    await shows(alice, 'typing', 'Bob is typing');
    await alice.screenshot({ path: await screenshotPath(`panels-${tag}`), fullPage: true });
  });

  it('raised no script error in either page', () => {
    expect(pageErrors).toEqual([]);
  });
});
