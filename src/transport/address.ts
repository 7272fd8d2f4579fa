/**
 * The caller's address, for per-address limits (anonymous rate limits, login guesses, WebSocket
 * connections and SSE streams per address).
 *
 * Behind proxies, `X-Forwarded-For` is a list each hop APPENDS to: everything left of the entries
 * that our own proxies wrote was written by the client, who can put anything there. So the address
 * is read from the right: with `trustedHops` proxies in front of Pulse (TRUST_PROXY=N; `true` is 1),
 * it is the N-th entry from the right, the one the outermost trusted proxy appended (the address it
 * saw the connection come from). A header with fewer entries than that (a request that did not pass
 * every proxy) gives its left-most entry; no header, or TRUST_PROXY=false, gives the socket's address.
 */

/** The client's address: the right-most entry the trusted proxies wrote, else the socket's address. */
export function clientIp(
  trustedHops: number,
  forwardedFor: string | string[] | null | undefined,
  socketAddress: string | undefined,
): string | undefined {
  if (trustedHops <= 0 || !forwardedFor) return socketAddress;
  // Several header lines are one list, in order (RFC 9110 5.3).
  const entries = (Array.isArray(forwardedFor) ? forwardedFor.join(',') : forwardedFor)
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
  if (entries.length === 0) return socketAddress;
  return entries[Math.max(0, entries.length - trustedHops)];
}
