/** The presence document, the short timings the presence suites run with, and their small helpers. */
import type { TestSubscription } from '../support/ws.js';
import type { TestServer } from '../support/server.js';
import { waitUntil } from '../support/wait.js';

export const PRESENCE = `subscription($ids: [ID!]!) { presence(userIds: $ids) { user { id } status at } }`;
// Short, so that ping timeouts and expiries happen within a test.
export const HEARTBEAT_MS = 200;
export const PRESENCE_TTL_MS = 1000;

export type Watcher = TestSubscription;

/** The next `count` presence events as [userId, status]. */
export async function nextStatuses(sub: Watcher, count = 1): Promise<[string, string][]> {
  return (await sub.take(count)).map((e) => [e.presence.user.id, e.presence.status]);
}

/** Waits until `server` has processed closed connections down to `open`, and stored and announced the result. */
export async function settle(server: TestServer, open: number): Promise<void> {
  await waitUntil(() => server.pulse.services.connections.count <= open, `${open} open connections`);
  await server.pulse.services.presence.settled();
}
