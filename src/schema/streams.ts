/** Fields every stream envelope shares (`cursor`, `at`), so each domain's event type declares only its own. */
import type { ObjectRef } from '@pothos/core';
import { encodeCursor, type EventPosition } from '../streams/index.js';
import { builder } from './builder.js';

type Types = typeof builder extends PothosSchemaTypes.SchemaBuilder<infer T> ? T : never;

/** The cursor of a logged event (resume with `after: cursor`); null only for ephemeral events. */
export function cursorOf(event: EventPosition): string | null {
  return event.seq === null ? null : encodeCursor(event.topic, event.seq);
}

const CURSOR_HELP = 'Opaque position in this stream: subscribe again with `after: cursor` to resume after this event.';

/** Adds `cursor: String!` and `at: DateTime!` to the envelope of a stream whose events are all logged. */
export function addLoggedEnvelopeFields<Shape extends EventPosition>(ref: ObjectRef<Types, Shape>): void {
  builder.objectFields(ref, (t) => ({
    cursor: t.string({ description: CURSOR_HELP, resolve: (event) => cursorOf(event) ?? '' }),
    at: t.field({ type: 'DateTime', resolve: (event) => event.at }),
  }));
}

/** Adds `cursor: String` (null for ephemeral events, which are not replayed) and `at: DateTime!`. */
export function addMixedEnvelopeFields<Shape extends EventPosition>(ref: ObjectRef<Types, Shape>): void {
  builder.objectFields(ref, (t) => ({
    cursor: t.string({ nullable: true, description: `${CURSOR_HELP} Null for ephemeral events.`, resolve: cursorOf }),
    at: t.field({ type: 'DateTime', resolve: (event) => event.at }),
  }));
}

/**
 * The entity of an event that has none (GAP, or a kind without that entity). Touches Pothos's
 * `query` so the Prisma plugin does not report it as unused.
 */
export function noEntity(query: object): null {
  void { ...query };
  return null;
}
