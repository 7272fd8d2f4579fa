/**
 * The fuzzer's operations, generated from the schema: every root field (but SKIPPED) with arguments
 * that are usually plausible and often adversarial (wrong types, huge, nested, NUL, unicode, boundary
 * numbers and dates), passed as variables or as literals, over HTTP or WebSocket, signed in or not.
 */
import fc from 'fast-check';
import {
  getNamedType,
  isEnumType,
  isInputObjectType,
  isListType,
  isNonNullType,
  isObjectType,
  isScalarType,
  type GraphQLArgument,
  type GraphQLField,
  type GraphQLInputType,
} from 'graphql';
import { schema } from '../../src/schema/index.js';

/** Fields the fuzzer leaves alone: revoking its own tokens would only make the rest of the run anonymous. */
const SKIPPED = new Set(['revokeTokens']);

/** Ids of real objects (the suite adds them before the run); ID arguments pick from them. */
export const ids = { known: [] as string[] };
const nul = fc.constant('a\u0000b');
const unicode = fc.string({ unit: 'grapheme', maxLength: 40 });
const huge = fc.integer({ min: 1_001, max: 120_000 }).map((n) => 'x'.repeat(n));
const boundaryInt = fc.constantFrom(0, -1, 1, 2 ** 31 - 1, -(2 ** 31), 2 ** 31, -(2 ** 31) - 1, Number.MAX_SAFE_INTEGER, 1e308, 0.5, -0);
const boundaryDate = fc.constantFrom(
  '1970-01-01T00:00:00Z',
  '0000-01-01T00:00:00Z',
  '10000-01-01T00:00:00Z',
  '+275760-09-13T00:00:00Z',
  '-271821-04-20T00:00:00Z',
  '2030-02-30T00:00:00Z',
  '9999-12-31T23:59:59.999Z',
  '2030-01-01',
  'tomorrow',
  '',
  '2030-01-01T00:00:00+25:00',
);
const nested = fc.integer({ min: 17, max: 3_000 }).map((depth) => {
  let value: unknown = 'x';
  for (let i = 0; i < depth; i++) value = [value];
  return value;
});
const wrong: fc.Arbitrary<unknown> = fc.oneof(fc.jsonValue({ maxDepth: 3 }), nul, huge, nested, boundaryInt, fc.constant(null));

/** A value for an input type: usually plausible, often adversarial. */
function valueFor(type: GraphQLInputType, depth = 0): fc.Arbitrary<unknown> {
  if (isNonNullType(type)) return valueFor(type.ofType, depth);
  if (isListType(type)) {
    const item = valueFor(type.ofType, depth + 1);
    return fc.oneof(
      { weight: 4, arbitrary: fc.array(item, { maxLength: 3 }) },
      { weight: 1, arbitrary: fc.integer({ min: 1_001, max: 2_000 }).map((n) => Array.from({ length: n }, (_, i) => `id-${i}`)) },
      { weight: 1, arbitrary: wrong },
    );
  }
  let plausible: fc.Arbitrary<unknown>;
  if (isEnumType(type)) plausible = fc.constantFrom(...type.getValues().map((v) => v.name));
  else if (isInputObjectType(type)) {
    if (depth > 3) return fc.constant(null);
    const fields = Object.values(type.getFields());
    plausible = fc.record(Object.fromEntries(fields.map((f) => [f.name, valueFor(f.type, depth + 1)])), {
      requiredKeys: fields.filter((f) => isNonNullType(f.type)).map((f) => f.name),
    });
  } else if (isScalarType(type)) {
    switch (type.name) {
      case 'Int':
        plausible = fc.oneof(fc.integer({ min: -5, max: 120 }), boundaryInt);
        break;
      case 'Float':
        plausible = fc.double();
        break;
      case 'Boolean':
        plausible = fc.boolean();
        break;
      case 'ID':
        plausible = fc.oneof(fc.constantFrom(...(ids.known.length ? ids.known : ['x'])), unicode, nul);
        break;
      case 'DateTime':
        plausible = fc.oneof(
          fc.date({ min: new Date('1800-01-01'), max: new Date('2200-01-01'), noInvalidDate: true }).map((d) => d.toISOString()),
          boundaryDate,
        );
        break;
      default:
        plausible = fc.oneof(unicode, fc.string({ maxLength: 10 }), nul, huge);
    }
  } else plausible = wrong;
  return fc.oneof({ weight: 5, arbitrary: plausible }, { weight: 1, arbitrary: wrong });
}

/** A GraphQL literal for a JSON value, or null when it has none (then the case goes as a variable). */
function literal(value: unknown, type: GraphQLInputType, depth = 0): string | null {
  if (depth > 40) return null; // deeper nesting goes as a variable
  const named = getNamedType(type);
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'string') return isEnumType(named) && /^[A-Za-z_]\w*$/.test(value) ? value : JSON.stringify(value);
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : null;
  if (typeof value === 'boolean') return String(value);
  const inner = isNonNullType(type) ? type.ofType : type;
  if (Array.isArray(value)) {
    if (value.length > 2_000) return null;
    const items = value.map((v) => literal(v, isListType(inner) ? inner.ofType : inner, depth + 1));
    return items.includes(null) ? null : `[${items.join(', ')}]`;
  }
  const entries = Object.entries(value as Record<string, unknown>);
  const fields = isInputObjectType(named) ? named.getFields() : {};
  const parts: string[] = [];
  for (const [k, v] of entries) {
    const text = /^[A-Za-z_]\w*$/.test(k) ? literal(v, fields[k]?.type ?? named, depth + 1) : null;
    if (text === null) return null;
    parts.push(`${k}: ${text}`);
  }
  return `{ ${parts.join(', ')} }`;
}

function selectionFor(field: GraphQLField<unknown, unknown>): string {
  const named = getNamedType(field.type);
  if (!isObjectType(named)) return '';
  const scalar = Object.values(named.getFields()).find(
    (f) => isScalarType(getNamedType(f.type)) && f.args.length === 0 && !/^(bus|events)/.test(f.name),
  );
  return `{ __typename ${scalar ? scalar.name : ''} }`;
}

export interface Case {
  kind: 'query' | 'mutation' | 'subscription';
  field: string;
  document: string;
  variables: Record<string, unknown>;
  transport: 'http' | 'ws' | 'sse';
  signedIn: boolean;
}

const roots = (['query', 'mutation', 'subscription'] as const).flatMap((kind) => {
  const type = kind === 'query' ? schema.getQueryType() : kind === 'mutation' ? schema.getMutationType() : schema.getSubscriptionType();
  return Object.values(type!.getFields())
    .filter((f) => !SKIPPED.has(f.name))
    .map((field) => ({ kind, field }));
});

export const operation: fc.Arbitrary<Case> = fc.constantFrom(...roots).chain(({ kind, field }) =>
  fc
    .record({
      args: fc.tuple(...field.args.map((a: GraphQLArgument) => fc.option(valueFor(a.type), { freq: 6, nil: undefined }))),
      asLiteral: fc.boolean(),
      transport: kind === 'subscription' ? fc.constantFrom('ws' as const, 'sse' as const) : fc.constantFrom('http' as const, 'ws' as const),
      signedIn: fc.boolean(),
    })
    .map(({ args, asLiteral, transport, signedIn }): Case => {
      const variables: Record<string, unknown> = {};
      const declared: string[] = [];
      const passed: string[] = [];
      field.args.forEach((arg, i) => {
        const value = args[i];
        if (value === undefined) return;
        const text = asLiteral ? literal(value, arg.type) : null;
        if (text !== null) passed.push(`${arg.name}: ${text}`);
        else {
          variables[arg.name] = value;
          declared.push(`$${arg.name}: ${String(arg.type)}`);
          passed.push(`${arg.name}: $${arg.name}`);
        }
      });
      const head = declared.length ? `${kind} F(${declared.join(', ')})` : kind;
      const call = passed.length ? `${field.name}(${passed.join(', ')})` : field.name;
      return { kind, field: field.name, document: `${head} { ${call} ${selectionFor(field)} }`, variables, transport, signedIn };
    }),
);
