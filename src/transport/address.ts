/** The caller's address, for per-address limits (anonymous rate limits, WebSocket connections per address). */

/** The first X-Forwarded-For entry when `trustProxy` says a proxy sets it, else the socket's address. */
export function clientIp(
  trustProxy: boolean,
  forwardedFor: string | string[] | null | undefined,
  socketAddress: string | undefined,
): string | undefined {
  const header = Array.isArray(forwardedFor) ? forwardedFor[0] : forwardedFor;
  return (trustProxy && header?.split(',')[0]?.trim()) || socketAddress;
}
