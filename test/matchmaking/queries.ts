/** GraphQL documents and small helpers shared by the matchmaking tests. */
import { expect } from 'vitest';
import type { TestServer } from '../support/server.js';
import { waitUntil } from '../support/wait.js';

const GAME_FIELDS = 'id mode region status players { id } winner { id }';
export const MATCHMAKING = `subscription { matchmaking { kind position at game { ${GAME_FIELDS} } } }`;
export const JOIN = `mutation($mode: String!, $region: Region!) { joinQueue(mode: $mode, region: $region) { id mode region position game { ${GAME_FIELDS} } } }`;
export const LEAVE = `mutation { leaveQueue }`;
export const START = `mutation($gameId: ID!) { startGame(gameId: $gameId) { ${GAME_FIELDS} } }`;
export const END = `mutation($gameId: ID!, $winnerId: ID) { endGame(gameId: $gameId, winnerId: $winnerId) { ${GAME_FIELDS} } }`;
export const TICKET = `{ queueTicket { id mode region position } }`;
export const CURRENT_GAME = `{ currentGame { ${GAME_FIELDS} } }`;

interface Game {
  id: string;
  mode: string;
  region: string;
  status: string;
  players: { id: string }[];
  winner: { id: string } | null;
}
export interface MatchmakingEvent {
  matchmaking: { kind: string; position: number | null; at: string; game: Game | null };
}

/** `[kind, position]` of each event, or `[kind, sorted player ids]` for game events: easy to compare. */
export function summary(events: MatchmakingEvent[]): (string | number | null | string[])[][] {
  return events.map(({ matchmaking: e }) => (e.game ? [e.kind, e.game.players.map((p) => p.id).sort()] : [e.kind, e.position]));
}

/** Asserts the first error's code (and field, when given). */
export async function expectError(request: Promise<{ errors?: { extensions?: Record<string, any> }[] }>, code: string, field?: string) {
  const result = await request;
  expect(result.errors?.[0]?.extensions, JSON.stringify(result)).toMatchObject(field ? { code, field } : { code });
}

/** Waits (no sleeps) until `predicate` holds for the server, e.g. a connection count after a close. */
export function until(server: TestServer, predicate: (s: TestServer) => boolean, what: string, ms = 10_000): Promise<void> {
  return waitUntil(() => predicate(server), what, ms);
}
