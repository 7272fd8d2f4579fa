/**
 * Snapshot cursors: a query's data and its stream's cursor from one database snapshot.
 *
 * `readWithCursor` runs a REPEATABLE READ transaction, reads the topic's head first, then the data.
 * PostgreSQL fixes a REPEATABLE READ transaction's snapshot at its first statement, and every event
 * is appended in the same transaction as the change it describes, so the data shows exactly the
 * changes of events 1..head: subscribing with `after` = this cursor delivers exactly what committed
 * after the read, nothing missed (as reading the head after the data could) and nothing repeated
 * (as reading it before the data in separate READ COMMITTED statements could).
 */
import type { PrismaClient, Tx } from '../db/index.js';
import { encodeCursor } from './cursor.js';
import { head } from './log.js';

export async function readWithCursor<T>(
  db: PrismaClient,
  topic: string,
  read: (tx: Tx) => Promise<T>,
): Promise<{ value: T; cursor: string }> {
  return db.$transaction(
    async (tx) => {
      const { seq } = await head(tx as Tx, topic);
      return { value: await read(tx as Tx), cursor: encodeCursor(topic, seq) };
    },
    { isolationLevel: 'RepeatableRead' },
  );
}
