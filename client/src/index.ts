/**
 * The Pulse client library: `createPulseClient`, the typed documents of every operation in
 * ./operations, and (as `Types`) the generated result, variable, enum and input types.
 */
export { overloadDelayMs, retryDelayMs, SERVICE_RESTART, TRY_AGAIN_LATER } from './backoff.js';
export {
  createPulseClient,
  type ConnectionState,
  type PulseClient,
  type PulseClientOptions,
} from './pulse-client.js';
export * from './operations/bookings.js';
export * from './operations/chat.js';
export * from './operations/games.js';
export * from './operations/matches.js';
export * from './operations/matchmaking.js';
export * from './operations/notifications.js';
export * from './operations/operations.js';
export * from './operations/presence.js';
export * from './operations/session.js';
export * from './operations/social.js';
export type * as Types from './gql/graphql.js';

import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import type * as bookings from './operations/bookings.js';
import type * as chat from './operations/chat.js';
import type * as games from './operations/games.js';
import type * as matches from './operations/matches.js';
import type * as matchmaking from './operations/matchmaking.js';
import type * as notifications from './operations/notifications.js';
import type * as operations from './operations/operations.js';
import type * as presence from './operations/presence.js';
import type * as session from './operations/session.js';
import type * as social from './operations/social.js';

type Operations = typeof bookings &
  typeof chat &
  typeof games &
  typeof matches &
  typeof matchmaking &
  typeof notifications &
  typeof operations &
  typeof presence &
  typeof session &
  typeof social;
/** The names of operations whose text matches no generated document (a field not in the schema, or codegen not run). */
type Untyped = { [K in keyof Operations]: Operations[K] extends TypedDocumentNode<unknown, never> ? never : K }[keyof Operations];
// Fails `npm run typecheck` naming the stale operation, even if nothing uses it yet.
export const everyOperationIsTyped: [Untyped] extends [never] ? true : `stale operation: ${Untyped}` = true;
