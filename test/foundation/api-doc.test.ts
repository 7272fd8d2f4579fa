/**
 * docs/API.md is kept true of the schema: its operation index names exactly the schema's queries,
 * mutations and subscriptions, each with its kind, and each is also described in its domain's section.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { buildSchema, type GraphQLObjectType } from 'graphql';
import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../src/errors.js';
import { PersistedErrorCode } from '../../src/transport/persisted.js';

const root = resolve(import.meta.dirname, '../..');
const doc = readFileSync(resolve(root, 'docs/API.md'), 'utf8');
const schema = buildSchema(readFileSync(resolve(root, 'schema/schema.graphql'), 'utf8'));

const KINDS = { query: schema.getQueryType(), mutation: schema.getMutationType(), subscription: schema.getSubscriptionType() } as const;
type Kind = keyof typeof KINDS;

/** Rows of the "Operation index" table: `name` | kind | who. */
function indexRows(): { name: string; kind: string }[] {
  const section = doc.split(/^## Operation index$/m)[1]?.split(/^## /m)[0];
  if (!section) throw new Error('docs/API.md has no "## Operation index" section');
  return [...section.matchAll(/^\|\s*`(\w+)`\s*\|\s*(\w+)\s*\|/gm)].map(([, name, kind]) => ({ name, kind }));
}

const key = (kind: string, name: string) => `${kind} ${name}`;

describe('docs/API.md', () => {
  it('indexes exactly the operations of schema/schema.graphql, each with its kind', () => {
    const documented = indexRows()
      .map((row) => key(row.kind, row.name))
      .sort();
    const inSchema = (Object.entries(KINDS) as [Kind, GraphQLObjectType | null | undefined][])
      .flatMap(([kind, type]) => Object.keys(type?.getFields() ?? {}).map((name) => key(kind, name)))
      .sort();
    expect(documented.length).toBeGreaterThan(0);
    expect(new Set(documented).size, 'an operation is indexed twice').toBe(documented.length);
    expect(
      documented.filter((op) => !inSchema.includes(op)),
      'indexed in docs/API.md but not in the schema',
    ).toEqual([]);
    expect(
      inSchema.filter((op) => !documented.includes(op)),
      'in the schema but not indexed in docs/API.md',
    ).toEqual([]);
  });

  it('describes every indexed operation outside the index, in its domain section', () => {
    const prose = doc.split(/^## Operation index$/m)[0];
    const undescribed = indexRows().filter(
      ({ name }) => !new RegExp(`\`${name}[(:\`]`).test(prose) && !new RegExp(`\`${name} \\{`).test(prose),
    );
    expect(undescribed.map((row) => row.name)).toEqual([]);
  });

  it('has a row in its Errors table for every error code the server sends', () => {
    const codes = [...Object.values(ErrorCode), ...Object.values(PersistedErrorCode), 'INTERNAL_SERVER_ERROR'];
    const missing = codes.filter((code) => !new RegExp(`^\\|\\s*\`${code}\`\\s*\\|`, 'm').test(doc));
    expect(missing).toEqual([]);
  });
});
