// Which WebSocket subscribers share one execution per event: an operation's group key, per viewer when its selection depends on the viewer.
import { TypeInfo, visit, visitWithTypeInfo, type DocumentNode, type GraphQLSchema } from 'graphql';
import type { Operation } from './fanout-member.js';

/** The group keys of one schema's operations; whether a document depends on the viewer is worked out once per query. */
export class GroupKeys {
  private readonly viewerDependence = new Map<string, boolean>();
  /** One string per group key, so its members share it instead of each holding a copy of the query (bounded: a miss only costs memory). */
  private readonly interned = new Map<string, string>();

  constructor(private readonly schema: GraphQLSchema) {}

  /**
   * Who shares payloads: same document, operation and variables (the `after` cursor aside, when only
   * the subscription field reads it), and the same viewer when the selection depends on the viewer.
   */
  of(operation: Operation, after: string | null): string {
    const variables = { ...(operation.variables ?? {}) };
    if (after && usesOf(operation.args.document, after) === 1) delete variables[after];
    const perViewer = this.dependsOnViewer(operation.query, operation.args.document);
    const key = JSON.stringify([
      operation.query,
      operation.operationName ?? null,
      variables,
      perViewer ? (operation.viewerId ?? '-') : '*',
    ]);
    const known = this.interned.get(key);
    if (known !== undefined) return known;
    if (this.interned.size >= 10_000) this.interned.clear();
    this.interned.set(key, key);
    return key;
  }

  private dependsOnViewer(query: string, document: DocumentNode): boolean {
    let known = this.viewerDependence.get(query);
    if (known === undefined) {
      known = selectsViewerDependentField(this.schema, document);
      if (this.viewerDependence.size >= 1_000) this.viewerDependence.clear();
      this.viewerDependence.set(query, known);
    }
    return known;
  }
}

/** How many times the document reads variable `name` (its definition aside): read from the AST, not the text. */
function usesOf(document: DocumentNode, name: string): number {
  let uses = 0;
  visit(document, {
    VariableDefinition() {
      return false; // the definition's own `$name` is not a use
    },
    Variable(node) {
      if (node.name.value === name) uses++;
    },
  });
  return uses;
}

/** Whether a document selects a field whose value depends on who is looking. */
function selectsViewerDependentField(schema: GraphQLSchema, document: DocumentNode): boolean {
  const typeInfo = new TypeInfo(schema);
  const root = schema.getSubscriptionType();
  let found = false;
  visit(
    document,
    visitWithTypeInfo(typeInfo, {
      Field() {
        const extensions = typeInfo.getFieldDef()?.extensions as
          | { viewerDependent?: boolean; pothosOptions?: { authScopes?: unknown } }
          | undefined;
        if (extensions?.viewerDependent) found = true;
        // A field guarded by its own scopes answers per viewer (the root field's scopes are checked on subscribe).
        if (extensions?.pothosOptions?.authScopes && typeInfo.getParentType() !== root) found = true;
      },
    }),
  );
  return found;
}
