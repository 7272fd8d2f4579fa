/**
 * Trusted (persisted) documents: the operations of the typed client, hashed by graphql-codegen into
 * client/src/gql/persisted-documents.json. A request names one with
 * `extensions.persistedQuery.sha256Hash` (Apollo's persisted query link, or by hand); what runs then
 * is the stored document, never text the caller sent. `PERSISTED_DOCUMENTS` decides the rest:
 *
 * - `off`: hashes are not looked up (a hash-only request gets PERSISTED_QUERY_NOT_SUPPORTED, so
 *   Apollo's link falls back to sending text); any document runs;
 * - `allow`: known hashes run their stored document; any other document runs too;
 * - `only`: known hashes only. An unknown hash is PERSISTED_QUERY_NOT_FOUND, a document without a
 *   hash is PERSISTED_QUERY_ONLY.
 *
 * One rule for every transport: `persistedOperations` plugs it into Yoga (HTTP and SSE), and
 * `resolvePersisted` is the WebSocket path's one call before it parses.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { Config } from '../config.js';

export type PersistedMode = Config['persistedDocuments'];

/** Codes of the errors below; Apollo's persisted query link retries with the text on the first two. */
export const PersistedErrorCode = {
  /** The hash names no trusted document. */
  NOT_FOUND: 'PERSISTED_QUERY_NOT_FOUND',
  /** `PERSISTED_DOCUMENTS=off`: hashes are not looked up; send the document text. */
  NOT_SUPPORTED: 'PERSISTED_QUERY_NOT_SUPPORTED',
  /** `PERSISTED_DOCUMENTS=only`: a document was sent as text, without a hash. */
  ONLY: 'PERSISTED_QUERY_ONLY',
} as const;

/** The generated list, found from the project root both from src/ (tsx) and dist/ (compiled). */
const PERSISTED_DOCUMENTS_FILE = join(dirname(fileURLToPath(import.meta.url)), '../../client/src/gql/persisted-documents.json');

/** What an operation request carries that this module reads (graphql-ws SubscribePayload and Yoga's params both fit). */
export interface OperationParams {
  query?: string | null;
  operationName?: string | null;
  variables?: Record<string, unknown> | null;
  extensions?: Record<string, unknown> | null;
}

export interface PersistedDocuments {
  readonly mode: PersistedMode;
  readonly size: number;
  /** The params to run (the stored document in place of any text), or the error to answer with. */
  resolve<P extends OperationParams>(params: P): P | GraphQLError;
}

/** Loads the trusted documents (`sha256:<hex>` or bare hex keys; both spellings are accepted in requests). */
export function loadPersistedDocuments(mode: PersistedMode, file = PERSISTED_DOCUMENTS_FILE): PersistedDocuments {
  const documents = new Map<string, string>();
  if (mode !== 'off') {
    const list = JSON.parse(readFileSync(file, 'utf8')) as Record<string, string>;
    for (const [hash, text] of Object.entries(list)) documents.set(bareHash(hash), text);
  }
  return {
    mode,
    size: documents.size,
    resolve(params) {
      const hash = requestedHash(params.extensions);
      if (hash === null) {
        if (mode === 'only') {
          return error(
            PersistedErrorCode.ONLY,
            'This server runs trusted documents only: send extensions.persistedQuery.sha256Hash of a known document.',
          );
        }
        return params;
      }
      if (mode === 'off') {
        if (params.query) return params;
        return error(
          PersistedErrorCode.NOT_SUPPORTED,
          'PersistedQueryNotSupported: this server does not look up document hashes; send the query text.',
        );
      }
      const stored = documents.get(bareHash(hash));
      if (stored !== undefined) return { ...params, query: stored };
      if (mode === 'allow' && params.query) return params;
      return error(PersistedErrorCode.NOT_FOUND, 'PersistedQueryNotFound: no trusted document has this hash.');
    },
  };
}

/** Yoga plugin: resolves every HTTP and SSE request's document before Yoga parses it. */
export function persistedOperations(documents: PersistedDocuments): Plugin {
  return {
    onParams({ params, setParams }) {
      const resolved = documents.resolve(params);
      if (resolved instanceof GraphQLError) throw resolved;
      if (resolved !== params) setParams(resolved);
    },
  };
}

/** For the WebSocket path: the payload to run, or the errors to answer its subscribe message with. */
export function resolvePersisted<P extends OperationParams>(documents: PersistedDocuments, payload: P): P | GraphQLError[] {
  const resolved = documents.resolve(payload);
  return resolved instanceof GraphQLError ? [resolved] : resolved;
}

function requestedHash(extensions: OperationParams['extensions']): string | null {
  const persisted = extensions?.persistedQuery as { sha256Hash?: unknown } | undefined;
  return typeof persisted?.sha256Hash === 'string' && persisted.sha256Hash ? persisted.sha256Hash : null;
}

function bareHash(hash: string): string {
  return hash.startsWith('sha256:') ? hash.slice('sha256:'.length) : hash;
}

function error(code: string, message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code } });
}
