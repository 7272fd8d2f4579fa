/**
 * Incremental delivery: `@defer` and `@stream` (Yoga's defer-stream plugin; the 2022-08-24 format
 * Apollo Client's `Defer20220824Handler` reads). The rules, the same over every transport:
 *
 * - they take effect only where the response can carry several parts: an HTTP request that accepts
 *   `multipart/mixed` (Apollo Client, GraphiQL) or `text/event-stream`, named explicitly. Any other
 *   HTTP request (`application/json`, or only a wildcard) and every WebSocket operation runs as if
 *   they were absent and gets one complete result, which the incremental delivery proposal allows;
 * - they are refused in subscriptions (BAD_USER_INPUT, at validation): every event is delivered whole,
 *   executed once per group of subscribers (fanout.ts); and, by Yoga's plugin, on a mutation's root fields;
 * - nothing else changes: the query-shape limits count deferred fields as any others, trusted
 *   documents and input checks see the whole document, a request counts once against the rate limit
 *   however many parts it has, and errors in later parts are coded like all others (plugins.ts).
 */
import type { Plugin } from '@envelop/core';
import { type ASTVisitor, type DocumentNode, GraphQLError, type ASTNode, OperationTypeNode, type ValidationContext, visit } from 'graphql';
import { ErrorCode } from '../errors.js';

type PluginContext = { request?: Request };

const INCREMENTAL = new Set(['defer', 'stream']);
/** The media types whose responses carry several parts (Yoga's multipart and SSE result processors). */
const IN_PARTS = new Set(['multipart/mixed', 'text/event-stream']);

/** The document without `@defer` and `@stream`, or null when it has neither (kept per parsed document). */
const withoutDirectives = new WeakMap<DocumentNode, DocumentNode | null>();

function stripped(document: DocumentNode): DocumentNode | null {
  let result = withoutDirectives.get(document);
  if (result === undefined) {
    let found = false;
    const edited = visit(document, {
      Directive(node) {
        if (!INCREMENTAL.has(node.name.value)) return undefined;
        found = true;
        return null;
      },
    });
    result = found ? edited : null;
    withoutDirectives.set(document, result);
  }
  return result;
}

/**
 * Whether the request names a media type that carries several parts. Parsed as Yoga does (parameters
 * other than a UTF-8 charset do not matter; another charset rules the type out), but a wildcard is
 * not enough: a client that sends `@defer` with `Accept: *\/*` (curl, a bare fetch) gets plain JSON.
 */
export function acceptsIncremental(request: Request): boolean {
  for (const accepted of (request.headers.get('accept') ?? '').replace(/\s/g, '').toLowerCase().split(',')) {
    const [type, ...params] = accepted.split(';');
    const charset = params.find((param) => param.startsWith('charset='));
    if (IN_PARTS.has(type) && (!charset || charset === 'charset=utf-8')) return true;
  }
  return false;
}

/** Where a subscription document uses `@defer` or `@stream`: the nodes to report. */
function incrementalIn(nodes: readonly ASTNode[]): ASTNode[] {
  const found: ASTNode[] = [];
  for (const node of nodes) {
    visit(node, {
      Directive(directive) {
        if (INCREMENTAL.has(directive.name.value)) found.push(directive);
      },
    });
  }
  return found;
}

/** A validation rule: no `@defer` or `@stream` anywhere in a subscription, its fragments included. */
export function NoIncrementalInSubscriptionsRule(context: ValidationContext): ASTVisitor {
  return {
    OperationDefinition(operation) {
      if (operation.operation !== OperationTypeNode.SUBSCRIPTION) return false;
      const nodes = incrementalIn([operation.selectionSet, ...context.getRecursivelyReferencedFragments(operation)]);
      if (nodes.length > 0) {
        context.reportError(
          new GraphQLError(
            '@defer and @stream are not supported in subscriptions: every event is delivered whole. Remove the directive, or query the deferred part separately.',
            { nodes, extensions: { code: ErrorCode.BAD_USER_INPUT } },
          ),
        );
      }
      return false;
    },
  };
}

/**
 * The rules above, beside `useDeferStream()` (which adds the spec's own validation rules): refuses the
 * directives in subscriptions, and runs a document without them where the response is one JSON result.
 */
export function incrementalDelivery(): Plugin<PluginContext> {
  return {
    onValidate({ addValidationRule }) {
      addValidationRule(NoIncrementalInSubscriptionsRule);
    },
    onExecute({ args, executeFn, setExecuteFn }) {
      const request = args.contextValue.request;
      if (request && acceptsIncremental(request)) return;
      const document = stripped(args.document);
      if (document) setExecuteFn((execution) => executeFn({ ...execution, document }));
    },
  };
}
