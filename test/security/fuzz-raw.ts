/**
 * The fuzzer's raw inputs, for what well-behaved clients never send: HTTP requests (bodies, content
 * types, accepts, methods), URL path segments, and graphql-ws frame sequences (with or without
 * connection_init, some carrying the schema-generated operations).
 */
import fc from 'fast-check';
import { operation } from './fuzz-operations.js';

// ---------- HTTP ----------

export const bodies = fc.oneof(
  fc.string({ maxLength: 200 }),
  fc.string({ unit: 'binary', maxLength: 200 }),
  fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)),
  fc
    .record(
      {
        query: fc.oneof(fc.string(), fc.jsonValue(), fc.constant('{ viewer { id } }')),
        variables: fc.jsonValue(),
        operationName: fc.jsonValue(),
        extensions: fc.jsonValue(),
      },
      { requiredKeys: [] },
    )
    .map((v) => JSON.stringify(v)),
  fc.integer({ min: 10, max: 50_000 }).map((n) => `{"query":"{ viewer { id } }","variables":{"x":${'['.repeat(n)}${']'.repeat(n)}}}`),
  fc.integer({ min: 10, max: 50_000 }).map((n) => `{"query":"${'{'.repeat(n)}"}`),
  fc.constantFrom(
    '{"query":"{ viewer { id } }"',
    '{"query":null}',
    '[]',
    '[{"query":"{ viewer { id } }"}]',
    'null',
    '"\\u0000"',
    '{"query":"{ viewer { id } }","variables":"x"}',
  ),
);
export const contentTypes = fc.constantFrom(
  'application/json',
  'application/graphql',
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/json; charset=latin1',
  '',
);
export const accepts = fc.constantFrom(
  'application/json',
  'text/event-stream',
  'multipart/mixed',
  '*/*',
  'text/html',
  'application/graphql-response+json',
  '',
);
export const methods = fc.constantFrom('POST', 'PUT', 'PATCH', 'DELETE');

export const segment = fc.oneof(
  fc.string({ maxLength: 12 }).map(encodeURIComponent),
  fc.constantFrom('%', '%E0%A4%A', '%ZZ', '%00', '..', '%2e%2e', 'graphql', 'graphiql', 'metrics', 'healthz', '%C0%AF'),
);

// ---------- graphql-ws ----------

const id = fc.oneof(fc.constantFrom('1', '2', ''), fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 1 }));
const subscribePayload = fc.oneof(
  operation.map((c) => ({ query: c.document, variables: c.variables })),
  fc.jsonValue({ maxDepth: 3 }),
  fc.constant({ query: 'subscription { matchFeed(region: NA) { kind } }' }),
  fc.constant({ query: '{ viewer { id } }' }),
);
const frame = fc.oneof(
  fc.record(
    {
      type: fc.constant('connection_init'),
      payload: fc.oneof(
        fc.constant({}),
        fc.record({ authorization: fc.oneof(fc.string(), fc.jsonValue(), fc.constant(`Bearer ${'x'}`)) }),
        fc.jsonValue(),
      ),
    },
    { requiredKeys: ['type'] },
  ),
  fc.record({ id, type: fc.constant('subscribe'), payload: subscribePayload }, { requiredKeys: ['type'] }),
  fc.record({ id, type: fc.constant('complete') }, { requiredKeys: ['type'] }),
  fc.record(
    { type: fc.constantFrom('ping', 'pong', 'next', 'error', 'connection_ack', 'unknown'), payload: fc.jsonValue({ maxDepth: 2 }) },
    { requiredKeys: ['type'] },
  ),
  fc.jsonValue({ maxDepth: 3 }),
  fc.string({ maxLength: 60 }),
  fc
    .integer({ min: 10, max: 5_000 })
    .map((n) => `{"id":"d","type":"subscribe","payload":{"query":"{ viewer { id } }","variables":{"x":${'['.repeat(n)}${']'.repeat(n)}}}}`),
);
export const sequence = fc.tuple(fc.boolean(), fc.array(frame, { minLength: 1, maxLength: 8 }));

/**
 * X-Forwarded-For as a client might forge it (the fuzz server trusts one proxy): none, addresses,
 * garbage, empty entries, very many entries.
 */
export const forwardedFor = fc.option(
  fc.oneof(
    fc.ipV4(),
    fc
      .array(
        fc.oneof(
          fc.ipV4(),
          fc.ipV6(),
          fc.constant(''),
          fc.string({ maxLength: 20 }).filter((s) => !/[\r\n\0]/.test(s)),
        ),
        {
          minLength: 1,
          maxLength: 40,
        },
      )
      .map((entries) => entries.join(',')),
  ),
  { nil: undefined },
);
