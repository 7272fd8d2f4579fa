/** The Pothos builder: configuration only. Domains add their types and fields in their own files. */
import { valueFromASTUntyped } from 'graphql';
import SchemaBuilder from '@pothos/core';
import PrismaPlugin from '@pothos/plugin-prisma';
import RelayPlugin from '@pothos/plugin-relay';
import ScopeAuthPlugin from '@pothos/plugin-scope-auth';
import { isProductionBuild } from '../config.js';
import type { Context, Viewer } from '../context.js';
import { badInput, forbidden, unauthenticated } from '../errors.js';
import type PrismaTypes from '../generated/pothos-prisma-types.js';
import { getDatamodel } from '../generated/pothos-prisma-types.js';

export const builder = new SchemaBuilder<{
  Context: Context;
  PrismaTypes: PrismaTypes;
  AuthScopes: { signedIn: boolean; admin: boolean };
  /** Fields built with `t.withAuth({ signedIn: true })` get a context whose viewer is set, by type. */
  AuthContexts: { signedIn: Context & { viewer: Viewer }; admin: Context & { viewer: Viewer } };
  Scalars: {
    /** IDs arrive as strings (graphql-js coerces them), so resolvers need no `args.id`. */
    ID: { Input: string; Output: string };
    DateTime: { Input: Date; Output: Date | string };
    JSON: { Input: unknown; Output: unknown };
  };
  DefaultFieldNullability: false;
  DefaultInputFieldRequiredness: true;
}>({
  plugins: [ScopeAuthPlugin, PrismaPlugin, RelayPlugin],
  defaultFieldNullability: false,
  defaultInputFieldRequiredness: true,
  scopeAuth: {
    authorizeOnSubscribe: true,
    authScopes: (ctx) => ({ signedIn: ctx.viewer !== null, admin: ctx.viewer?.role === 'ADMIN' }),
    unauthorizedError: (_parent, ctx) => (ctx.viewer ? forbidden() : unauthenticated()),
  },
  prisma: {
    client: (ctx) => ctx.app.prisma,
    dmmf: getDatamodel(),
    filterConnectionTotalCount: true,
    onUnusedQuery: isProductionBuild ? null : 'warn',
  },
  relay: {
    clientMutationId: 'omit',
    cursorType: 'String',
    nodeQueryOptions: false,
    nodesQueryOptions: false,
  },
});

builder.queryType({});
builder.mutationType({});
builder.subscriptionType({});

const ISO_8601 = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?)?$/;
const MIN_DATE = Date.UTC(1900, 0, 1);
const MAX_DATE = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

builder.scalarType('DateTime', {
  description: 'An ISO-8601 date-time in UTC.',
  serialize: (value) => (value instanceof Date ? value.toISOString() : new Date(value).toISOString()),
  parseValue: (value) => {
    const date = typeof value === 'string' && ISO_8601.test(value) ? new Date(value) : new Date(Number.NaN);
    // A PulseError, not a TypeError: a bad date from a client is BAD_USER_INPUT, not an unexpected (masked) error.
    if (Number.isNaN(date.getTime())) throw badInput(null, 'DateTime must be an ISO-8601 string.');
    // Years outside 1900-9999 are not dates anyone means, and not all of them survive storage and ISO output.
    if (date.getTime() < MIN_DATE || date.getTime() > MAX_DATE) {
      throw badInput(null, 'DateTime must be between 1900-01-01 and 9999-12-31.');
    }
    return date;
  },
});

builder.scalarType('JSON', {
  description: 'Any JSON value (an object, array, string, number, boolean or null).',
  serialize: (value) => value,
  parseValue: (value) => value,
  parseLiteral: (ast, variables) => valueFromASTUntyped(ast, variables ?? undefined),
});
