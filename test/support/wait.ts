/** The one poll helper of the test suites: waits for a condition without sleeping. */

/**
 * Polls `condition` on every turn of the event loop until it holds (it may be async), or throws
 * after `ms` naming `what` was awaited. Use it for state the test cannot be told about directly
 * (a server's counters after a close); prefer deferreds and `TestSubscription.take` for events.
 */
export async function waitUntil(condition: () => boolean | Promise<boolean>, what: string, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setImmediate(resolve));
  }
}
