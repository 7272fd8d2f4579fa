/**
 * The durable event log. `append` runs inside the caller's transaction: it takes the topic's next
 * seq under the topic row's lock (so seqs are gap-free and in commit order per topic) and stores the
 * event beside the change it describes. Retention trims old entries and remembers how far it trimmed.
 */
import { Prisma, type PrismaClient, type Tx } from '../db/index.js';
import type { Family, KindOf, BusEvent, StreamEvent, StreamPayloads, Topic } from './topics.js';

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
  const keepFrom = trimDue(seq, Number(row.trimmedThrough), retention);
  if (keepFrom !== null) await trim(tx, topic.name, keepFrom);
  return { topic: topic.name, seq, kind, data, at: new Date(row.createdAt).toISOString() } as StreamEvent<F, K>;
}

/**
 * Appends several events to one topic in one statement (a group commit's events): they take
 * consecutive seqs under the topic row's lock, in the order given.
 */
export async function appendMany<F extends Family>(
  tx: Tx,
  topic: Topic<F>,
  events: readonly { kind: KindOf<F>; data: unknown }[],
  retention: number,
): Promise<StreamEvent<F>[]> {
  if (events.length === 0) return [];
  const n = events.length;
  const kinds = events.map((e) => e.kind as string);
  const datas = events.map((e) => JSON.stringify(e.data));
  const rows = await tx.$queryRaw<{ seq: number; trimmedThrough: number; createdAt: Date }[]>`
    WITH next AS (
      INSERT INTO "StreamTopic" ("topic", "seq") VALUES (${topic.name}, ${n}::int)
      ON CONFLICT ("topic") DO UPDATE SET "seq" = "StreamTopic"."seq" + ${n}::int
      RETURNING "seq", "trimmedThrough"
    )
    INSERT INTO "StreamEvent" ("topic", "seq", "kind", "data")
    SELECT ${topic.name}, next."seq" - ${n}::int + e.ord::int, e.kind, e.data::jsonb
    FROM next, unnest(${kinds}::text[], ${datas}::text[]) WITH ORDINALITY AS e(kind, data, ord)
    RETURNING "seq", "createdAt", (SELECT "trimmedThrough" FROM next) AS "trimmedThrough"`;
  const last = Math.max(...rows.map((r) => Number(r.seq)));
  const keepFrom = trimDue(last, Number(rows[0].trimmedThrough), retention);
  if (keepFrom !== null) await trim(tx, topic.name, keepFrom);
  const at = new Date(rows[0].createdAt).toISOString();
  return events.map((e, i) => {
    const event: BusEvent = { topic: topic.name, seq: last - n + 1 + i, kind: e.kind, data: e.data, at };
    return event as StreamEvent<F>;
  });
}

/**
 * Appending inside a larger statement, so a change and its events are one round trip: CTEs `log_next`
 * and `log_rows` that append every row of the CTE named `source` (columns `ord` 1..n, `kind`, `data`
 * jsonb) to `topic` with n consecutive seqs taken under the topic row's lock, in `ord` order. Nothing
 * is appended when `source` is empty. Select `LOG_HEAD` in the statement's result, and give it to
 * `loggedEvents`: what is published is what the statement stored, never a second computation of it.
 */
export function appendCtes(topic: string, source: string): Prisma.Sql {
  const src = Prisma.raw(`"${source.replace(/"/g, '')}"`);
  return Prisma.sql`log_next AS (
      INSERT INTO "StreamTopic" ("topic", "seq") SELECT ${topic}, count(*)::int FROM ${src} HAVING count(*) > 0
      ON CONFLICT ("topic") DO UPDATE SET "seq" = "StreamTopic"."seq" + EXCLUDED."seq"
      RETURNING "seq", "trimmedThrough"
    ), log_rows AS (
      INSERT INTO "StreamEvent" ("topic", "seq", "kind", "data")
      SELECT ${topic}, log_next."seq" - (SELECT count(*) FROM ${src})::int + s."ord"::int, s."kind", s."data"
      FROM log_next, ${src} s
      RETURNING "seq", "kind", "data", "createdAt"
    )`;
}

/** The columns a statement with `appendCtes` selects for `loggedEvents`: the rows it appended and the topic's head. */
export const LOG_HEAD = Prisma.sql`(SELECT "trimmedThrough" FROM log_next) AS "logTrimmed",
  (SELECT json_agg(json_build_object('seq', "seq", 'kind', "kind", 'data', "data", 'at', "createdAt" AT TIME ZONE 'UTC') ORDER BY "seq") FROM log_rows) AS "logRows"`;

export interface LogHead {
  logTrimmed: number | null;
  /** Null when nothing was appended. */
  logRows: { seq: number; kind: string; data: unknown; at: string }[] | null;
}

/** What a statement with `appendCtes` appended: the events (the `source` rows, in order) and the topic's head. */
export interface Logged {
  events: BusEvent[];
  seq: number;
  trimmedThrough: number;
  topic: string;
}

/** The events a statement appended through `appendCtes`, as it stored them, in seq order (null: none). */
export function loggedEvents(topic: string, head: LogHead): Logged | null {
  const rows = head.logRows;
  if (!rows || rows.length === 0) return null;
  const events = rows.map(
    (row): BusEvent => ({ topic, seq: Number(row.seq), kind: row.kind, data: row.data, at: new Date(row.at).toISOString() }),
  );
  return { events, seq: events[events.length - 1].seq!, trimmedThrough: Number(head.logTrimmed), topic };
}

/** `trimIfDue` inside the caller's transaction. */
export async function trimInIfDue(tx: Tx, topic: string, seq: number, trimmedThrough: number, retention: number): Promise<void> {
  const keepFrom = trimDue(seq, trimmedThrough, retention);
  if (keepFrom !== null) await trim(tx, topic, keepFrom);
}

/** Trims a topic's log after an append that left it `seq` long, when a tenth of the retention has piled up. */
export async function trimIfDue(db: PrismaClient, topic: string, seq: number, trimmedThrough: number, retention: number): Promise<void> {
  const keepFrom = trimDue(seq, trimmedThrough, retention);
  if (keepFrom !== null) await db.$transaction((tx) => trim(tx as Tx, topic, keepFrom));
}

/**
 * The one retention rule: a topic `seq` long keeps its last `retention` events, trimmed in batches of
 * a tenth of the retention so most appends do no extra work. The seq to keep from when a trim is due, else null.
 */
function trimDue(seq: number, trimmedThrough: number, retention: number): number | null {
  const keepFrom = seq - retention;
  return keepFrom - trimmedThrough >= Math.max(1, Math.ceil(retention / 10)) ? keepFrom : null;
}

/** Deletes a topic's events up to `keepFrom` and records it (never moving the mark back). */
async function trim(tx: Tx, topic: string, keepFrom: number): Promise<void> {
  await tx.streamEvent.deleteMany({ where: { topic, seq: { lte: keepFrom } } });
  await tx.streamTopic.updateMany({ where: { topic, trimmedThrough: { lt: keepFrom } }, data: { trimmedThrough: keepFrom } });
}

/** The last seq handed out for a topic and the highest seq trimmed away (0 and 0 for a new topic). */
export async function head(db: Reader, topic: string): Promise<{ seq: number; trimmedThrough: number }> {
  const row = await db.streamTopic.findUnique({ where: { topic } });
  return { seq: row?.seq ?? 0, trimmedThrough: row?.trimmedThrough ?? 0 };
}

/** The heads of several topics in one statement; a topic nothing was appended to yet is absent. */
export async function heads(db: Reader, topics: string[]): Promise<Map<string, { seq: number; trimmedThrough: number }>> {
  const rows = await db.streamTopic.findMany({ where: { topic: { in: topics } } });
  return new Map(rows.map((row) => [row.topic, { seq: row.seq, trimmedThrough: row.trimmedThrough }]));
}

/** Logged events with `after < seq < before` (no upper bound when `before` is null), in order, at most `limit`. */
export async function readRange(db: Reader, topic: string, after: number, before: number | null = null, limit = 500): Promise<BusEvent[]> {
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
  })) as BusEvent[];
  // Not enumerable: never serialized, only seen by loaders that batch a page's entities.
  for (const event of page) Object.defineProperty(event, PAGE_OF, { value: page });
  return page;
}

const PAGE_OF = Symbol('page');

/** The page of log events a replayed event was read with (its entities load together), if any. */
export function pageOf(event: object): readonly BusEvent[] | undefined {
  return (event as { [PAGE_OF]?: BusEvent[] })[PAGE_OF];
}
