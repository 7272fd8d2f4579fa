/**
 * The one place that checks what a caller sends before anything else reads it: every variable and
 * every literal argument, over HTTP, SSE and WebSocket alike (an envelop plugin, so both transports
 * run it). Walks are iterative, so a deeply nested value costs a bounded loop, never the stack.
 * Refusals are BAD_USER_INPUT naming the variable or argument.
 */
import type { Plugin } from '@envelop/core';
import { Kind, TypeInfo, getNamedType, visit, visitWithTypeInfo, type DocumentNode, type GraphQLSchema, type ValueNode } from 'graphql';
import { badInput } from '../errors.js';

const INPUT_LIMITS = {
  /** Nesting of lists and objects in one variable or argument. */
  maxDepth: 16,
  /** Items in one list (or keys in one object). */
  maxListItems: 1000,
  /** Values (strings, numbers, lists, objects...) in one variable or argument. */
  maxValues: 20_000,
  /** Characters in one string. */
  maxStringLength: 100_000,
} as const;

const NUL = '\u0000';

/** Why `value` (parsed JSON) is refused, or null when it is within the limits. */
function inputProblem(value: unknown): string | null {
  const stack: [unknown, number][] = [[value, 0]];
  let count = 0;
  while (stack.length > 0) {
    const [current, depth] = stack.pop()!;
    if (++count > INPUT_LIMITS.maxValues) return `Too many values (at most ${INPUT_LIMITS.maxValues}).`;
    if (typeof current === 'string') {
      if (current.length > INPUT_LIMITS.maxStringLength) return `Text is too long (at most ${INPUT_LIMITS.maxStringLength} characters).`;
      if (current.includes(NUL)) return 'Text may not contain NUL (\\u0000) characters.';
      continue;
    }
    if (current === null || typeof current !== 'object') continue;
    if (depth >= INPUT_LIMITS.maxDepth) return `Values may nest at most ${INPUT_LIMITS.maxDepth} levels deep.`;
    const entries = Array.isArray(current) ? current : Object.entries(current);
    if (entries.length > INPUT_LIMITS.maxListItems) return `Lists may hold at most ${INPUT_LIMITS.maxListItems} items.`;
    if (Array.isArray(current)) for (const item of current) stack.push([item, depth + 1]);
    else
      for (const [key, item] of entries as [string, unknown][]) {
        if (key.includes(NUL)) return 'Names may not contain NUL (\\u0000) characters.';
        stack.push([item, depth + 1]);
      }
  }
  return null;
}

/** Why a literal argument is refused, or null. Variables inside it are checked with the variables. */
function literalProblem(node: ValueNode): string | null {
  const stack: [ValueNode, number][] = [[node, 0]];
  while (stack.length > 0) {
    const [current, depth] = stack.pop()!;
    if (current.kind === Kind.STRING) {
      if (current.value.length > INPUT_LIMITS.maxStringLength)
        return `Text is too long (at most ${INPUT_LIMITS.maxStringLength} characters).`;
      if (current.value.includes(NUL)) return 'Text may not contain NUL (\\u0000) characters.';
    } else if (current.kind === Kind.LIST || current.kind === Kind.OBJECT) {
      if (depth >= INPUT_LIMITS.maxDepth) return `Values may nest at most ${INPUT_LIMITS.maxDepth} levels deep.`;
      const items = current.kind === Kind.LIST ? current.values : current.fields.map((f) => f.value);
      if (items.length > INPUT_LIMITS.maxListItems) return `Lists may hold at most ${INPUT_LIMITS.maxListItems} items.`;
      for (const item of items) stack.push([item, depth + 1]);
    }
  }
  return null;
}

/**
 * Connection cursors are Pothos's `GPC:S:<id>` in base64 (every connection here pages by a string id).
 * Anything else is forged or from another API, and would otherwise reach Prisma as a wrong-typed id.
 */
function isConnectionCursor(value: unknown): boolean {
  if (typeof value !== 'string' || value.length > 200) return false;
  const decoded = Buffer.from(value, 'base64').toString('utf8');
  return /^GPC:S:[A-Za-z0-9_-]{1,64}$/.test(decoded);
}

interface Checked {
  schema: GraphQLSchema;
  document: DocumentNode;
  variableValues?: Record<string, unknown> | null;
}

/** The first refused input as a BAD_USER_INPUT error, or null. */
function validateInput(args: Checked) {
  const variables = args.variableValues ?? {};
  if (typeof variables !== 'object' || Array.isArray(variables)) return badInput('variables', 'Variables must be a JSON object.');
  for (const [name, value] of Object.entries(variables)) {
    const problem = inputProblem(value);
    if (problem) return badInput(name, `$${name}: ${problem}`);
  }
  let refused: ReturnType<typeof badInput> | null = null;
  const typeInfo = new TypeInfo(args.schema);
  visit(
    args.document,
    visitWithTypeInfo(typeInfo, {
      Argument(node) {
        if (refused) return false;
        const problem = literalProblem(node.value);
        if (problem) {
          refused = badInput(node.name.value, `${node.name.value}: ${problem}`);
          return false;
        }
        if (node.name.value !== 'after' && node.name.value !== 'before') return;
        const returned = typeInfo.getFieldDef()?.type;
        if (!returned || !getNamedType(returned).name.endsWith('Connection')) return;
        const value =
          node.value.kind === Kind.VARIABLE ? variables[node.value.name.value] : node.value.kind === Kind.STRING ? node.value.value : null;
        if (value !== null && value !== undefined && !isConnectionCursor(value)) {
          refused = badInput(node.name.value, `${node.name.value} is not a cursor this list returned.`);
        }
        return false;
      },
    }),
  );
  return refused;
}

/** Refuses oversized, over-nested, NUL-bearing or forged input up front, for every operation. */
export function validateInputs(): Plugin {
  return {
    onExecute({ args, setResultAndStopExecution }) {
      const error = validateInput(args as Checked);
      if (error) setResultAndStopExecution({ errors: [error] });
    },
    onSubscribe({ args, setResultAndStopExecution }) {
      const error = validateInput(args as Checked);
      if (error) setResultAndStopExecution({ errors: [error] });
    },
  };
}
