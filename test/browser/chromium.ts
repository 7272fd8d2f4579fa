/**
 * Headless Debian Chromium driven by playwright-core (no browser download works here), and the web
 * page built once per test file into test/artifacts so the page under test is the current source.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

const run = promisify(execFile);

const CHROMIUM_PATH = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const ARTIFACTS = resolve(import.meta.dirname, '../artifacts');

/**
 * Whether the browser suites run. In CI a missing Chromium is a failure, never a skip: the suite
 * runs and `launchChromium` throws, naming what to install.
 */
export const RUN_BROWSER_TESTS = existsSync(CHROMIUM_PATH) || Boolean(process.env.CI);

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(`Chromium not found at ${CHROMIUM_PATH}: install it with \`apt-get install -y chromium\` (or set CHROMIUM_PATH).`);
  }
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}

/** Builds client/ into test/artifacts/<name> and returns the directory to serve. */
export async function buildPage(name: string): Promise<string> {
  const outDir = resolve(ARTIFACTS, name);
  // The same build as `npm run build:web`, in its own process: vitest's NODE_ENV=test would make
  // a development build in this one.
  const vite = resolve(import.meta.dirname, '../../node_modules/vite/bin/vite.js');
  await run(process.execPath, [vite, 'build', 'client', '--outDir', outDir, '--emptyOutDir', '--logLevel', 'warn'], {
    cwd: resolve(import.meta.dirname, '../..'),
    env: { ...process.env, NODE_ENV: 'production' },
  });
  return outDir;
}

export async function screenshotPath(name: string): Promise<string> {
  await mkdir(ARTIFACTS, { recursive: true });
  return resolve(ARTIFACTS, `${name}.png`);
}

/**
 * Opens the page at `url` in `context`, signs in as the demo user `username` and waits until its
 * socket is connected. Script errors of the page are pushed to `errors` (tests assert there are none).
 */
export async function signIn(context: BrowserContext, url: string, username: string, errors: string[]): Promise<Page> {
  const wait = { timeout: 20_000 };
  const page = await context.newPage();
  page.on('pageerror', (error) => errors.push(`${username}: ${error.message}`));
  await page.goto(new URL('/', url).toString());
  await page.getByTestId('signin-user').selectOption(username);
  await page.getByTestId('signin-submit').click();
  await page.getByTestId('viewer').filter({ hasText: username }).waitFor(wait);
  await page
    .getByTestId('connection-state')
    .filter({ hasText: /^connected$/ })
    .waitFor(wait);
  return page;
}
