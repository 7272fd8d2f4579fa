/**
 * Who shares one execution per event (transport/fanout-groups.ts), read from the operation's AST:
 * the cursor variable of the stream field is left out of the key however it is named, unless the
 * document reads it somewhere else too; a viewer-dependent selection groups per viewer.
 */
import { parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import { schema } from '../../src/schema/index.js';
import { GroupKeys } from '../../src/transport/fanout-groups.js';
import type { Operation } from '../../src/transport/fanout-member.js';

const keys = new GroupKeys(schema);

/** The group key of `query` with `variables`, for `viewerId`, whose cursor variable is `after`. */
function keyOf(query: string, variables: Record<string, unknown>, after: string | null, viewerId: string | null = null): string {
  const operation = { query, variables, operationName: null, viewerId, args: { schema, document: parse(query) } } as unknown as Operation;
  return keys.of(operation, after);
}

describe('fan-out group keys', () => {
  const FEED = 'subscription($r: Region!, $from: String) { matchFeed(region: $r, after: $from) { kind match { id } } }';

  it('operations that differ only in their cursor share a group, whatever the variable is called', () => {
    expect(keyOf(FEED, { r: 'EU', from: 'a' }, 'from')).toBe(keyOf(FEED, { r: 'EU', from: 'b' }, 'from'));
    expect(keyOf(FEED, { r: 'EU', from: 'a' }, 'from')).not.toBe(keyOf(FEED, { r: 'NA', from: 'a' }, 'from'));
  });

  it('a cursor variable the document also reads elsewhere stays in the key', () => {
    const reused = 'subscription($r: Region!, $c: String) { matchFeed(region: $r, after: $c) { kind match { id game } } }';
    expect(keyOf(reused, { r: 'EU', c: 'x' }, 'c')).toBe(keyOf(reused, { r: 'EU', c: 'y' }, 'c'));
    const read = 'subscription($r: Region!, $c: String!) { matchFeed(region: $r, after: $c, filter: { games: [$c] }) { kind } }';
    expect(keyOf(read, { r: 'EU', c: 'x' }, 'c')).not.toBe(keyOf(read, { r: 'EU', c: 'y' }, 'c'));
  });

  it('a viewer-dependent selection groups per viewer; a public one does not', () => {
    const notifications = 'subscription { notifications { kind notification { id } } }';
    expect(keyOf(notifications, {}, null, 'u1')).not.toBe(keyOf(notifications, {}, null, 'u2'));
    expect(keyOf(FEED, { r: 'EU' }, 'from', 'u1')).toBe(keyOf(FEED, { r: 'EU' }, 'from', 'u2'));
  });
});
