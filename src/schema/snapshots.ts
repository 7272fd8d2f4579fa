/**
 * Carries a snapshot cursor (streams/snapshot.ts) from the root field that read it to the field that
 * shows it: `Event.seatsCursor`, `Conversation.eventsCursor`, `Post.activityCursor` (kept on the
 * returned row) and `streamCursor` on the matches and notifications connections (kept per field
 * arguments object, which Pothos hands to the connection). Null wherever the parent was not read by a
 * root field with a snapshot: a cursor taken at another time could miss events.
 */
const onRow = new WeakMap<object, string>();

/** Remembers `cursor` for `key` (a returned row, or a connection field's `args` object) and returns `value`. */
export function withSnapshot<T>(key: object, cursor: string, value: T): T {
  onRow.set(key, cursor);
  return value;
}

export function snapshotOf(key: object | null | undefined): string | null {
  return key ? (onRow.get(key) ?? null) : null;
}

export const SNAPSHOT_HELP =
  "The stream's cursor as of this read (same database snapshot): subscribe with `after` set to it to receive exactly what happened since. Null where the object was not read by its root query.";
