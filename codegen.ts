/**
 * graphql-codegen (client preset): typed documents for every operation written with `graphql(...)`
 * in client/src, generated into client/src/gql from the printed schema. `npm run codegen` writes
 * them; `npm run codegen:check` fails when the committed output is stale.
 */
import type { CodegenConfig } from '@graphql-codegen/cli';
import { addTypenameSelectionDocumentTransform } from '@graphql-codegen/client-preset';

const config: CodegenConfig = {
  schema: 'schema/schema.graphql',
  documents: ['client/src/**/*.{ts,tsx}', '!client/src/gql/**'],
  // A client document that does not match the schema (a wrong field name) stops generation.
  ignoreNoDocuments: false,
  silent: true,
  generates: {
    'client/src/gql/': {
      preset: 'client',
      // persistedDocuments: client/src/gql/persisted-documents.json, the server's trusted documents
      // (src/transport/persisted.ts). They carry __typename as Apollo's cache asks for it, so the
      // stored document is exactly what the typed client would have sent.
      presetConfig: { fragmentMasking: false, persistedDocuments: true },
      documentTransforms: [addTypenameSelectionDocumentTransform],
      config: {
        // NodeNext resolution (Node tests import the client) needs explicit extensions.
        importExtension: '.js',
        useTypeImports: true,
        enumsAsTypes: true,
        scalars: { DateTime: 'string', JSON: 'unknown' },
        strictScalars: true,
        avoidOptionals: { field: true, inputValue: false, object: true, defaultValue: false },
      },
    },
  },
};

export default config;
