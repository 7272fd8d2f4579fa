/**
 * `matchFeed` filters: which of a region's events a subscriber wants, judged from the facts the event
 * carries as of its commit (`game`, `openSlots`, `openSlotsBefore`: streams/topics.ts `MatchFacts`), so
 * no match is loaded to decide. The stream applies the predicate before an event reaches the
 * subscriber's queue, replayed or live (streams/subscription.ts `check`), so a filtered-out event costs
 * no execution and no send; GAP always passes.
 *
 * `minOpenSlots` holds when the match had that many open slots after the event OR just before it: the
 * UPDATED or CLOSED that takes a match a subscriber was shown below its bar still reaches it (else its
 * list would keep a full or closed match forever); the events after that do not. Events logged before
 * a fact was added pass the condition on it (an UPDATED without `openSlotsBefore` is judged on `openSlots`).
 */
import { badInput } from '../errors.js';
import type { AnyEventOf, Verdict } from '../streams/index.js';

export const MATCH_FEED_KINDS = ['POSTED', 'UPDATED', 'CLOSED'] as const;
export type MatchFeedKind = (typeof MATCH_FEED_KINDS)[number];

export interface MatchFilter {
  games?: readonly string[] | null;
  minOpenSlots?: number | null;
  kinds?: readonly string[] | null;
}

const MAX_GAMES = 20;
const MAX_GAME_LENGTH = 80;
const MAX_SLOTS = 50;

/** The predicate of a filter (null when it lets everything through); BAD_USER_INPUT naming the field for a bad one. */
export function matchFeedCheck(filter: MatchFilter | null | undefined): ((event: AnyEventOf<'region'>) => Verdict) | null {
  if (!filter) return null;
  const { games, minOpenSlots, kinds } = filter;
  if (games) {
    if (games.length === 0 || games.length > MAX_GAMES) throw badInput('filter.games', `Name 1-${MAX_GAMES} games (or leave games out).`);
    if (games.some((g) => g.trim().length === 0 || g.length > MAX_GAME_LENGTH)) {
      throw badInput('filter.games', `A game name has 1-${MAX_GAME_LENGTH} characters.`);
    }
  }
  if (minOpenSlots !== null && minOpenSlots !== undefined && (minOpenSlots < 0 || minOpenSlots > MAX_SLOTS)) {
    throw badInput('filter.minOpenSlots', `minOpenSlots is 0-${MAX_SLOTS}.`);
  }
  if (kinds) {
    if (kinds.length === 0) throw badInput('filter.kinds', 'Name at least one kind (or leave kinds out).');
    if (kinds.some((k) => !(MATCH_FEED_KINDS as readonly string[]).includes(k))) {
      throw badInput('filter.kinds', `Kinds are ${MATCH_FEED_KINDS.join(', ')} (GAP is always delivered).`);
    }
  }
  const gameSet = games ? new Set(games.map((g) => g.trim().toLowerCase())) : null;
  const kindSet = kinds ? new Set(kinds) : null;
  const min = minOpenSlots ?? null;
  if (!gameSet && !kindSet && min === null) return null;
  return (event) => {
    if (event.kind === 'GAP') return 'deliver';
    if (kindSet && !kindSet.has(event.kind)) return 'skip';
    const { game, openSlots, openSlotsBefore } = event.data;
    if (gameSet && game !== undefined && !gameSet.has(game.trim().toLowerCase())) return 'skip';
    if (min !== null && openSlots !== undefined && openSlots < min && (openSlotsBefore ?? openSlots) < min) return 'skip';
    return 'deliver';
  };
}
