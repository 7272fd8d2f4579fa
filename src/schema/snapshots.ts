/**
 * Carries a snapshot cursor (streams/snapshot.ts) from the root field that read it to the field that
 * shows it: `Event.seatsCursor`, `Conversation.eventsCursor`, `Post.activityCursor` (kept on the
 * returned row) and `streamCursor` on the matches and notifications connections (kept per field
 * arguments object, which Pothos hands to the connection). Null wherever the parent was not read by a
 * root field with a snapshot: a cursor taken at another time could miss events.
 */
import type { Context } from '../context.js';
import type { Tx } from '../db/index.js';
import { readWithCursor } from '../streams/snapshot.js';

const onRow = new WeakMap<object, string>();

/**
 * `read`'s result and `topic`'s cursor from one database snapshot (streams/snapshot.ts), the cursor
 * kept for the field that shows it: on `key` (a connection field's `args` object), else on the row read.
 */
export async function readAtCursor<T>(ctx: Context, topic: { name: string }, read: (tx: Tx) => Promise<T>, key?: object): Promise<T> {
  const { value, cursor } = await readWithCursor(ctx.app.prisma, topic.name, read);
  const holder = key ?? value;
  if (typeof holder === 'object' && holder !== null) onRow.set(holder, cursor);
  return value;
}

export function snapshotOf(key: object | null | undefined): string | null {
  return key ? (onRow.get(key) ?? null) : null;
}

export const SNAPSHOT_HELP =
  "The stream's cursor as of this read (same database snapshot): subscribe with `after` set to it to receive exactly what happened since. Null where the object was not read by its root query.";
