/** The stream envelopes every event type implements (`cursor`, `at`, once), so each domain's event type declares only its own fields. */
import type { GraphQLResolveInfo } from 'graphql';
import type { Context } from '../context.js';
import { encodeCursor, type EventPosition } from '../streams/index.js';
import { builder } from './builder.js';

/** The cursor of a logged event (resume with `after: cursor`); null only for ephemeral events. */
function cursorOf(event: EventPosition): string | null {
  return event.seq === null ? null : encodeCursor(event.topic, event.seq);
}

const CURSOR_HELP = 'Opaque position in this stream: subscribe again with `after: cursor` to resume after this event.';

/** The envelope of a resumable stream's events: every one is logged, so every one has a cursor. */
export const LoggedStreamEvent = builder.interfaceRef<EventPosition>('LoggedStreamEvent').implement({
  description: 'An event of a resumable stream (all logged): `cursor` resumes after it, `at` is when it was committed.',
  fields: (t) => ({
    cursor: t.string({ description: CURSOR_HELP, resolve: (event) => cursorOf(event) ?? '' }),
    at: t.field({ type: 'DateTime', resolve: (event) => event.at }),
  }),
});

/** The envelope of a stream that mixes logged events with ephemeral signals (typing): those have no cursor. */
export const MixedStreamEvent = builder.interfaceRef<EventPosition>('MixedStreamEvent').implement({
  description: 'An event of a stream that also carries ephemeral signals: `cursor` is null for those (they are not replayed).',
  fields: (t) => ({
    cursor: t.string({ nullable: true, description: `${CURSOR_HELP} Null for ephemeral events.`, resolve: cursorOf }),
    at: t.field({ type: 'DateTime', resolve: (event) => event.at }),
  }),
});

/**
 * The entity of an event that has none (GAP, or a kind without that entity). Touches Pothos's
 * `query` so the Prisma plugin does not report it as unused.
 */
export function noEntity(query: object): null {
  void { ...query };
  return null;
}

/**
 * Every stream field's `subscribe` returns its source through here: the transport that runs the
 * operation may take the source over (the WebSocket fan-out, `ctx.adoptStream`), told which variable
 * carries the field's `after` cursor (operations that differ only in it share payloads).
 */
export async function handOver<T>(ctx: Context, info: GraphQLResolveInfo, source: Promise<T> | T): Promise<T> {
  const stream = await source;
  if (ctx.adoptStream) {
    const after = info.fieldNodes[0]?.arguments?.find((a) => a.name.value === 'after')?.value;
    ctx.adoptStream(stream, after?.kind === 'Variable' ? after.name.value : null);
  }
  return stream;
}
