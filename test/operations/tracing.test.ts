/**
 * OpenTelemetry traces through a real OTLP/HTTP receiver: a mutation, its commit and publish, and
 * every delivery it causes (on the instance that wrote it and on another one, through Redis) are one
 * trace; a subscriber and the log never see trace data; with the variables unset nothing is exported
 * and no OpenTelemetry code is loaded.
 */
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { context, createContextKey, ROOT_CONTEXT } from '@opentelemetry/api';
import { parse } from 'graphql';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';
import { startTracing } from '../../src/operations/tracing.js';
import { schema } from '../../src/schema/index.js';
import type { BusEvent } from '../../src/streams/index.js';
import { errorCode, gqlOk, registerUser, type TestUser } from '../support/client.js';
import { createTestDatabase, describeOnPGlite, TEST_DATABASE_URL, TEST_REDIS_URL } from '../support/database.js';
import { startTestServer, waitForSubscriptions, type TestServer } from '../support/server.js';
import { rawSocket } from '../support/ws.js';
import { startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from './otlp-receiver.js';

const POST_MATCH = 'mutation PostMatch($input: PostMatchInput!) { postMatch(input: $input) { id region } }';
const FEED = 'subscription Feed($region: Region!) { matchFeed(region: $region) { kind cursor match { id } } }';
const input = (region: string) => ({ input: { game: 'CS2', region, slots: 2 } });

/** The variables a deployment sets to export to `receiver` as OTLP/HTTP JSON. */
const otel = (receiver: OtlpReceiver, serviceName: string) => ({
  OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
  OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
  OTEL_SERVICE_NAME: serviceName,
});

/** A raw graphql-transport-ws subscriber of a region's feed: its frames exactly as sent. */
async function feedSubscriber(server: TestServer, region: string) {
  const socket = rawSocket(server.wsUrl);
  await socket.opened;
  socket.send({ type: 'connection_init', payload: {} });
  await socket.waitFor((m) => m.type === 'connection_ack');
  socket.send({ id: 'feed', type: 'subscribe', payload: { query: FEED, variables: { region } } });
  return socket;
}

function one(spans: ReceivedSpan[], name: string): ReceivedSpan {
  const found = spans.filter((span) => span.name === name);
  expect(found.map((span) => span.name)).toEqual([name]);
  return found[0];
}

// First in the file: nothing traced has run in this process yet.
describeOnPGlite('tracing off (no OTLP endpoint in the configuration)', () => {
  it('exports nothing and registers nothing, even with OTEL_* in the process environment', async () => {
    const receiver = await startOtlpReceiver();
    // Only loadConfig's env counts (startTestServer passes its own): a library reading these would export to the receiver.
    vi.stubEnv('OTEL_EXPORTER_OTLP_ENDPOINT', receiver.url);
    vi.stubEnv('OTEL_EXPORTER_OTLP_PROTOCOL', 'http/json');
    const server = await startTestServer({ env: { OTEL_SERVICE_NAME: 'pulse-off', OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' } });
    try {
      expect(server.pulse.services.tracing).toBeNull();
      const user = await registerUser(server.url, 'untraced');
      const socket = await feedSubscriber(server, 'NA');
      await waitForSubscriptions(server, 1);
      await gqlOk(server.url, POST_MATCH, input('NA'), user.token);
      expect((await socket.waitFor((m) => m.type === 'next')).payload.data.matchFeed.kind).toBe('POSTED');
      socket.socket.close();
    } finally {
      await server.stop();
      vi.unstubAllEnvs();
    }
    expect(receiver.requests).toEqual([]);
    // No context manager was registered: OpenTelemetry's default one does not carry a value into a callback.
    const key = createContextKey('probe');
    expect(context.with(ROOT_CONTEXT.setValue(key, 1), () => context.active().getValue(key))).toBeUndefined();
    await receiver.close();
  });
});

describe('tracing configuration (the standard OTEL_* variables)', () => {
  const tracing = (env: Record<string, string>) => loadConfig({ NODE_ENV: 'test', ...env }).tracing;

  it('is off unless an endpoint is set, and when the SDK or the exporter is disabled', () => {
    expect(tracing({})).toBeNull();
    expect(tracing({ OTEL_SERVICE_NAME: 'pulse', OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' })).toBeNull();
    expect(tracing({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', OTEL_SDK_DISABLED: 'true' })).toBeNull();
    expect(tracing({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', OTEL_TRACES_EXPORTER: 'none' })).toBeNull();
  });

  it('reads the endpoints, protocol, headers, resource and sampler as the SDK does', () => {
    expect(tracing({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/' })).toEqual({
      url: 'http://collector:4318/v1/traces',
      protocol: 'http/protobuf',
      headers: {},
      serviceName: 'pulse',
      resourceAttributes: {},
      sampler: { root: 'always_on', parentBased: true, ratio: 1 },
    });
    expect(
      tracing({
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://ignored:4318',
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://collector.example/otlp/traces',
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
        OTEL_EXPORTER_OTLP_HEADERS: 'x-api-key=a%20b,x-team=pulse',
        OTEL_EXPORTER_OTLP_TRACES_HEADERS: 'x-team=traces',
        OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment=prod,service.name=from-resource',
        OTEL_TRACES_SAMPLER: 'traceidratio',
        OTEL_TRACES_SAMPLER_ARG: '0.25',
      }),
    ).toEqual({
      url: 'https://collector.example/otlp/traces',
      protocol: 'http/json',
      headers: { 'x-api-key': 'a b', 'x-team': 'traces' },
      serviceName: 'from-resource',
      resourceAttributes: { 'deployment.environment': 'prod', 'service.name': 'from-resource' },
      sampler: { root: 'traceidratio', parentBased: false, ratio: 0.25 },
    });
  });

  it('refuses what it cannot honour, naming the variable', () => {
    const refused = (env: Record<string, string>) => {
      try {
        tracing({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', ...env });
      } catch (error) {
        return error instanceof ConfigError ? error.variable : error;
      }
      return 'accepted';
    };
    expect(refused({ OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' })).toBe('OTEL_EXPORTER_OTLP_PROTOCOL');
    expect(refused({ OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'grpc' })).toBe('OTEL_EXPORTER_OTLP_TRACES_PROTOCOL');
    expect(refused({ OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318' })).toBe('OTEL_EXPORTER_OTLP_ENDPOINT');
    expect(refused({ OTEL_TRACES_SAMPLER: 'sometimes' })).toBe('OTEL_TRACES_SAMPLER');
    expect(refused({ OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: '2' })).toBe('OTEL_TRACES_SAMPLER_ARG');
    expect(refused({ OTEL_EXPORTER_OTLP_HEADERS: 'novalue' })).toBe('OTEL_EXPORTER_OTLP_HEADERS');
    expect(refused({ OTEL_TRACES_EXPORTER: 'zipkin' })).toBe('OTEL_TRACES_EXPORTER');
  });

  it('loads OpenTelemetry only dynamically, from operations/tracing.ts', () => {
    const files = readdirSync('src', { recursive: true, encoding: 'utf8' }).filter((file) => file.endsWith('.ts'));
    const offending = files.filter((file) => {
      const text = readFileSync(`src/${file}`, 'utf8');
      const staticImports = [...text.matchAll(/^import\s+(?!type\b)[^;]*?from\s+'([^']+)'/gm)].map((match) => match[1]);
      const sdk = staticImports.some((from) => /^@opentelemetry\/|^@envelop\/opentelemetry$/.test(from));
      return (sdk && file !== 'operations/tracing.ts') || staticImports.some((from) => from.endsWith('/tracing.js'));
    });
    expect(offending).toEqual([]);
  });

  it('exports OTLP/HTTP protobuf (the default protocol) too', async () => {
    const receiver = await startOtlpReceiver();
    const config = loadConfig({ NODE_ENV: 'test', OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url }).tracing!;
    const tracing = await startTracing(config, { instanceId: 'unit', bus: 'memory', logger: pino({ level: 'silent' }) });
    const traceparent = `00-${randomBytes(16).toString('hex')}-${randomBytes(8).toString('hex')}-01`;
    const event: BusEvent = { topic: 'region:EU', seq: 1, kind: 'GAP', data: {}, at: new Date().toISOString(), traceparent };
    await tracing.deliver(event, { schema, document: parse(FEED) }, async () => 0);
    await tracing.shutdown();
    expect(receiver.requests).toEqual([{ path: '/v1/traces', contentType: 'application/x-protobuf' }]);
    await receiver.close();
  });
});

describeOnPGlite('tracing on one instance (PGlite, in-process bus)', () => {
  let receiver: OtlpReceiver;
  let server: TestServer;
  let user: TestUser;
  beforeAll(async () => {
    receiver = await startOtlpReceiver();
    server = await startTestServer({ env: otel(receiver, 'pulse-one'), config: { instanceId: 'traced-one' } });
    user = await registerUser(server.url, 'tracer');
  });
  afterAll(async () => {
    await server?.stop();
    await receiver?.close();
  });

  it('makes the mutation, its commit and publish and the delivery to its subscribers one trace', async () => {
    // Two subscribers with the same operation: one group, one execution, one delivery span.
    const sockets = [await feedSubscriber(server, 'EU'), await feedSubscriber(server, 'EU')];
    await waitForSubscriptions(server, 2);
    const { postMatch } = await gqlOk(server.url, POST_MATCH, input('EU'), user.token);
    for (const socket of sockets) {
      const frame = await socket.waitFor((m) => m.type === 'next');
      expect(frame.payload.data.matchFeed).toMatchObject({ kind: 'POSTED', match: { id: postMatch.id } });
    }
    await server.pulse.services.tracing!.flush();

    const operation = one(receiver.spans, 'mutation.PostMatch');
    expect(operation.attributes).toMatchObject({
      'graphql.execute.operationName': 'PostMatch',
      'graphql.execute.operationType': 'mutation',
    });
    expect(operation.attributes['graphql.error.codes']).toBeUndefined();
    expect(operation.resource).toMatchObject({ 'service.name': 'pulse-one', 'service.instance.id': 'traced-one' });
    const trace = receiver.spans.filter((span) => span.traceId === operation.traceId);
    const commit = one(trace, 'pulse.commit');
    const publish = one(trace, 'pulse.publish');
    const deliver = one(trace, 'pulse.deliver');
    expect([commit.parentSpanId, publish.parentSpanId, deliver.parentSpanId]).toEqual([operation.spanId, operation.spanId, publish.spanId]);
    expect(publish.attributes).toMatchObject({ 'messaging.system': 'memory', 'messaging.destination.name': 'region:EU' });
    expect(deliver.attributes).toMatchObject({
      'messaging.destination.name': 'region:EU',
      'pulse.event.kind': 'POSTED',
      'graphql.execute.operationName': 'Feed',
      'pulse.fanout.sockets': 2,
    });

    // The trace context travelled beside the event: not in what the subscribers got, not in the log.
    for (const socket of sockets) {
      expect(JSON.stringify(socket.messages)).not.toMatch(new RegExp(`traceparent|${operation.traceId}`));
      socket.socket.close();
    }
    const logged = await server.pulse.services.prisma.streamEvent.findMany({ where: { topic: 'region:EU' } });
    expect(logged).toHaveLength(1);
    expect(JSON.stringify(logged)).not.toMatch(new RegExp(`traceparent|${operation.traceId}`));
  });

  it("continues an HTTP caller's trace and records the error codes an operation answered with", async () => {
    const traceId = randomBytes(16).toString('hex');
    const parentId = randomBytes(8).toString('hex');
    const response = await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', traceparent: `00-${traceId}-${parentId}-01` },
      body: JSON.stringify({ query: POST_MATCH, variables: input('EU') }),
    });
    const code = errorCode(await response.json());
    expect(code).toBe('UNAUTHENTICATED');
    await server.pulse.services.tracing!.flush();
    const operation = one(
      receiver.spans.filter((span) => span.traceId === traceId),
      'mutation.PostMatch',
    );
    expect(operation.parentSpanId).toBe(parentId);
    expect(operation.attributes['graphql.error.codes']).toEqual([code]);
  });

  it('exports the spans still buffered when the instance stops', async () => {
    await gqlOk(server.url, POST_MATCH, input('OCE'), user.token);
    const before = receiver.spans.length;
    await server.stop();
    const exported = receiver.spans.slice(before).map((span) => span.name);
    expect(exported).toEqual(expect.arrayContaining(['mutation.PostMatch', 'pulse.commit', 'pulse.publish']));
  });
});

describe.runIf(TEST_DATABASE_URL && TEST_REDIS_URL)('tracing across two instances (PostgreSQL + Redis)', () => {
  it('a postMatch on A and its delivery on B are one trace, each instance exporting its own spans', async () => {
    const [receiverA, receiverB] = await Promise.all([startOtlpReceiver(), startOtlpReceiver()]);
    const database = await createTestDatabase('postgres');
    const start = (receiver: OtlpReceiver, id: string) =>
      startTestServer({ database, redis: true, env: otel(receiver, `pulse-${id}`), config: { instanceId: `traced-${id}` } });
    const [a, b] = [await start(receiverA, 'a'), await start(receiverB, 'b')];
    try {
      const user = await registerUser(a.url, 'tracer');
      const socket = await feedSubscriber(b, 'EU');
      await waitForSubscriptions(b, 1);
      const { postMatch } = await gqlOk(a.url, POST_MATCH, input('EU'), user.token);
      const frame = await socket.waitFor((m) => m.type === 'next');
      expect(frame.payload.data.matchFeed).toMatchObject({ kind: 'POSTED', match: { id: postMatch.id } });
      await Promise.all([a.pulse.services.tracing!.flush(), b.pulse.services.tracing!.flush()]);

      const operation = one(receiverA.spans, 'mutation.PostMatch');
      expect(operation.attributes).toMatchObject({
        'graphql.execute.operationName': 'PostMatch',
        'graphql.execute.operationType': 'mutation',
      });
      const publish = one(
        receiverA.spans.filter((span) => span.traceId === operation.traceId),
        'pulse.publish',
      );
      expect(publish.attributes['messaging.system']).toBe('redis');
      const deliver = one(receiverB.spans, 'pulse.deliver');
      expect(deliver).toMatchObject({ traceId: operation.traceId, parentSpanId: publish.spanId });
      expect(deliver.resource).toMatchObject({ 'service.name': 'pulse-b', 'service.instance.id': 'traced-b' });
      // Each instance exported its own spans only.
      expect(receiverA.spans.map((span) => span.name)).not.toContain('pulse.deliver');
      expect(receiverB.spans.map((span) => span.name)).not.toContain('mutation.PostMatch');
      expect(JSON.stringify(socket.messages)).not.toMatch(new RegExp(`traceparent|${operation.traceId}`));
      socket.socket.close();
    } finally {
      await Promise.all([a.stop(), b.stop()]);
      await database.drop();
      await Promise.all([receiverA.close(), receiverB.close()]);
    }
  });
});
