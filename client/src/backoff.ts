/**
 * When the typed client tries again: after a lost connection (exponential, equal jitter), at once
 * after a deploy's 1012, and spread over the whole window (full jitter) after an overload signal.
 */

/** WebSocket close code of a server that is restarting or draining for a deploy: reconnect at once. */
export const SERVICE_RESTART = 1012;
/** WebSocket close code of a server over capacity (or without its database): retry later, spread out. */
export const TRY_AGAIN_LATER = 1013;
const RETRY_BASE_MS = 250;
const RETRY_MAX_MS = 10_000;
const OVERLOAD_BASE_MS = 1_000;
const OVERLOAD_MAX_MS = 30_000;

/** Exponential backoff with "equal jitter": half the step fixed, half random, so clients spread out after a restart. */
export function retryDelayMs(retries: number, random = Math.random): number {
  const step = Math.min(RETRY_MAX_MS, RETRY_BASE_MS * 2 ** retries);
  return step / 2 + random() * (step / 2);
}

/**
 * After an overload signal (1013, UNAVAILABLE): exponential backoff with "full jitter" (anywhere from
 * `floorMs` to the step), so thousands of clients refused in the same instant spread over the whole
 * window instead of returning as one herd; never sooner than the server's `retryAfterMs` (`floorMs`).
 */
export function overloadDelayMs(retries: number, floorMs = 0, random = Math.random): number {
  const step = Math.max(floorMs, Math.min(OVERLOAD_MAX_MS, OVERLOAD_BASE_MS * 2 ** retries));
  return floorMs + random() * (step - floorMs);
}
