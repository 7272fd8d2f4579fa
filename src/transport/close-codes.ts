/**
 * Every WebSocket close code Pulse sends, in one place: graphql-ws's protocol codes (`CloseCode`:
 * 4400 bad request, 4403 forbidden, 4408 init timeout, 4500 internal error, …) and the RFC 6455 codes
 * it uses beside them (`StandardClose`). docs/API.md lists what a client does with each.
 */
export { CloseCode } from 'graphql-ws';

export const StandardClose = {
  /** 1001: the server stops listening (shutdown after the drain). */
  GoingAway: 1001,
  /** 1012 Service Restart: this instance is stopping; resume at once, elsewhere, from your cursors. */
  ServiceRestart: 1012,
  /** 1013 Try Again Later: overloaded or a dependency is unreachable; retry with backoff. */
  TryAgainLater: 1013,
} as const;
