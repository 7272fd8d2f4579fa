/**
 * The durable event log. `append` runs inside the caller's transaction: it takes the topic's next
 * seq under the topic row's lock (so seqs are gap-free and in commit order per topic) and stores the
 * event beside the change it describes. Retention trims old entries and remembers how far it trimmed.
 */
import type { PrismaClient, Tx } from '../db/index.js';
import type { Family, KindOf, StreamEvent, StreamPayloads, Topic } from './topics.js';

type Reader = Pick<PrismaClient, 'streamEvent' | 'streamTopic'>;

export async function append<F extends Family, K extends KindOf<F>>(
  tx: Tx,
  topic: Topic<F>,
  kind: K,
  data: StreamPayloads[F][K],
  retention: number,
): Promise<StreamEvent<F, K>> {
  // One statement: take the next seq under the topic row's lock and store the event.
  const [row] = await tx.$queryRaw<{ seq: number; trimmedThrough: number; createdAt: Date }[]>`
    WITH next AS (
      INSERT INTO "StreamTopic" ("topic", "seq") VALUES (${topic.name}, 1)
      ON CONFLICT ("topic") DO UPDATE SET "seq" = "StreamTopic"."seq" + 1
      RETURNING "seq", "trimmedThrough"
    )
    INSERT INTO "StreamEvent" ("topic", "seq", "kind", "data")
    SELECT ${topic.name}, next."seq", ${kind}, ${JSON.stringify(data)}::jsonb FROM next
    RETURNING "seq", "createdAt", (SELECT "trimmedThrough" FROM next) AS "trimmedThrough"`;
  const seq = Number(row.seq);
  // Trim in batches of a tenth of the retention, so most appends do no extra work.
  const keepFrom = seq - retention;
  if (keepFrom - Number(row.trimmedThrough) >= Math.max(1, Math.ceil(retention / 10))) {
    await tx.streamEvent.deleteMany({ where: { topic: topic.name, seq: { lte: keepFrom } } });
    await tx.streamTopic.update({ where: { topic: topic.name }, data: { trimmedThrough: keepFrom } });
  }
  return { topic: topic.name, seq, kind, data, at: new Date(row.createdAt).toISOString() } as StreamEvent<F, K>;
}

/** The last seq handed out for a topic and the highest seq trimmed away (0 and 0 for a new topic). */
export async function head(db: Reader, topic: string): Promise<{ seq: number; trimmedThrough: number }> {
  const row = await db.streamTopic.findUnique({ where: { topic } });
  return { seq: row?.seq ?? 0, trimmedThrough: row?.trimmedThrough ?? 0 };
}

/** Logged events with `after < seq < before` (no upper bound when `before` is null), in order, at most `limit`. */
export async function readRange(
  db: Reader,
  topic: string,
  after: number,
  before: number | null = null,
  limit = 500,
): Promise<StreamEvent[]> {
  const rows = await db.streamEvent.findMany({
    where: { topic, seq: before === null ? { gt: after } : { gt: after, lt: before } },
    orderBy: { seq: 'asc' },
    take: limit,
  });
  const page = rows.map((row) => ({
    topic: row.topic,
    seq: row.seq,
    kind: row.kind,
    data: row.data,
    at: row.createdAt.toISOString(),
  })) as StreamEvent[];
  // Not enumerable: never serialized, only seen by loaders that batch a page's entities.
  for (const event of page) Object.defineProperty(event, PAGE_OF, { value: page });
  return page;
}

const PAGE_OF = Symbol('page');

/** The page of log events a replayed event was read with (its entities load together), if any. */
export function pageOf(event: object): readonly StreamEvent[] | undefined {
  return (event as { [PAGE_OF]?: StreamEvent[] })[PAGE_OF];
}
