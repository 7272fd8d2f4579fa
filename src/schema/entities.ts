/**
 * The entity behind a stream event (the match of a `matchFeed` event, the message of a chat event),
 * loaded at most once per event per instance and shared by every subscriber that selects it.
 *
 * Live events reach every local subscriber as one object (the bus fans one message out), so a memo
 * keyed by that object and the load's shape (model + Pothos selection, + viewer when the load filters
 * by viewer) turns N subscribers into one query. A replayed event belongs to a page read from the log
 * (`pageOf`): its first load fetches the entities of the whole page in one query.
 */
import { pageOf } from '../streams/index.js';

type Rows = Map<string, unknown>;
const memo = new WeakMap<object, Map<string, Promise<Rows>>>();

export interface EntityLoad<E, T extends { id: string }> {
  /** What shapes the rows: model, selection, and the viewer when the load filters by viewer. */
  key: string;
  /** The entity id an event refers to, or null when it has none (GAP, another kind). */
  idOf(event: E): string | null;
  /** Loads the rows of these ids in one query; each row carries its `id`. */
  load(ids: string[]): Promise<T[]>;
}

/** The entity of `event`, from one load shared by every subscriber of this event (or its replay page). */
export async function entityOf<E extends object, T extends { id: string }>(event: E, spec: EntityLoad<E, T>): Promise<T | null> {
  const id = spec.idOf(event);
  if (id === null) return null;
  const page = pageOf(event) as E[] | undefined;
  const anchor: object = page ?? event;
  let loads = memo.get(anchor);
  if (!loads) memo.set(anchor, (loads = new Map()));
  let rows = loads.get(spec.key);
  if (!rows) {
    const ids = page ? [...new Set(page.map((e) => spec.idOf(e)).filter((x): x is string => x !== null))] : [id];
    rows = spec.load(ids).then((list) => new Map(list.map((row) => [row.id, row])));
    // A failed load is not remembered: the next subscriber tries again.
    rows.catch(() => loads!.get(spec.key) === rows && loads!.delete(spec.key));
    loads.set(spec.key, rows);
  }
  return ((await rows).get(id) as T | undefined) ?? null;
}

/** A Pothos prisma `query` that also selects `id` (needed to match rows of a batched load to events). */
export function withId<Q extends object>(query: Q): Q {
  const select = (query as { select?: object }).select;
  return select ? ({ ...query, select: { ...select, id: true } } as Q) : query;
}

/** The memo key of a Pothos selection. */
export function selectionKey(model: string, query: object, ...more: (string | null | undefined)[]): string {
  return `${model}|${JSON.stringify(query)}|${more.join('|')}`;
}
