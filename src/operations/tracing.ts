/**
 * OpenTelemetry traces from a GraphQL operation to every delivery it causes, on every instance.
 *
 * Loaded only when an OTLP endpoint is configured (config-tracing.ts): app.ts imports this module
 * dynamically, so an instance without tracing loads no OpenTelemetry code, and the streams and the
 * fan-out hold null instead of these hooks.
 *
 * The spans of one trace:
 * - the operation (`@envelop/opentelemetry`): `mutation.postMatch`, with `graphql.execute.operationName`
 *   and `graphql.execute.operationType`, plus `graphql.error.codes` when it answered with errors. An HTTP
 *   request's `traceparent` header continues the caller's trace;
 * - `pulse.commit`: each transaction attempt of a write, a child of the operation;
 * - `pulse.publish`: the bus publish of the write's events, a child of the operation. Its context rides
 *   with each event as `traceparent` (streams/trace-hooks.ts);
 * - `pulse.deliver`: on each instance, one event delivered to one group of WebSocket subscribers (one
 *   execution, the sends to its sockets), a child of the publish span, whichever instance published it.
 * Writes outside a traced operation (background work) and replayed events make no spans.
 *
 * Process-wide and per instance: OpenTelemetry's context manager is global by design, so the
 * AsyncLocalStorage one is registered once per process and never removed. The tracer provider is
 * per instance and never registered globally: several instances in one process (tests) each export
 * their own spans, and an instance without tracing exports nothing.
 */
import { context, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Context as TraceContext, type SpanContext } from '@opentelemetry/api';
import { handleStreamOrSingleExecutionResult, isAsyncIterable, type Plugin } from '@envelop/core';
import { getCurrentOtelContext, setCurrentOtelContext, useOpenTelemetry } from '@envelop/opentelemetry';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { parseTraceParent, setGlobalErrorHandler } from '@opentelemetry/core';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  BasicTracerProvider,
  BatchSpanProcessor,
  ParentBasedSampler,
  TraceIdRatioBasedSampler,
  type Sampler,
  type SpanExporter,
} from '@opentelemetry/sdk-trace-base';
import { type ExecutionArgs, type ExecutionResult, getOperationAST } from 'graphql';
import type { Logger } from 'pino';
import type { TracingConfig } from '../config-tracing.js';
import type { DeliveryTracing, StreamTracing } from '../streams/trace-hooks.js';

/** One instance's tracing: the hooks the streams and the fan-out call, the envelop plugins, and the flush at shutdown. */
export interface Tracing extends StreamTracing, DeliveryTracing {
  /** For the GraphQL pipeline (transport/yoga.ts), in this order. */
  readonly plugins: readonly [Plugin<{ request?: Request }>, ReturnType<typeof useOpenTelemetry>];
  /** Exports every span ended so far. */
  flush(): Promise<void>;
  /** Flushes, then stops exporting. */
  shutdown(): Promise<void>;
}

export interface TracingOptions {
  instanceId: string;
  /** The bus the events travel on (`messaging.system` of publish and delivery spans). */
  bus: 'memory' | 'redis';
  logger: Logger;
}

let processWide = false;

/** The context manager (and where the SDK reports export failures): once per process, see the module head. */
function registerProcessWide(logger: Logger): void {
  if (processWide) return;
  processWide = true;
  const manager = new AsyncLocalStorageContextManager().enable();
  // false: one is registered already (this module loaded again in the same process); it serves.
  if (!context.setGlobalContextManager(manager)) manager.disable();
  setGlobalErrorHandler((err) => logger.warn({ err }, 'OpenTelemetry SDK error (usually: the OTLP endpoint did not take the spans)'));
}

/** Builds an instance's tracer provider and exporter (nothing is registered globally but the context manager). */
export async function startTracing(config: TracingConfig, options: TracingOptions): Promise<Tracing> {
  registerProcessWide(options.logger);
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({
      'service.instance.id': options.instanceId,
      ...config.resourceAttributes,
      'service.name': config.serviceName,
    }),
    sampler: samplerOf(config.sampler),
    spanProcessors: [new BatchSpanProcessor(await exporterOf(config))],
  });
  const tracer = provider.getTracer('pulse');
  const messaging = { 'messaging.system': options.bus };

  return {
    plugins: [operationOutcome(), useOpenTelemetry({ resolvers: false, variables: false, result: false }, provider, SpanKind.SERVER)],

    async commit(run, attempt) {
      const parent = context.active();
      if (!trace.getSpan(parent)?.isRecording()) return run();
      const span = tracer.startSpan('pulse.commit', { attributes: { 'pulse.attempt': attempt } }, parent);
      try {
        return await context.with(trace.setSpan(parent, span), run);
      } catch (error) {
        span.recordException(error as Error);
        span.setStatus({ code: SpanStatusCode.ERROR });
        throw error;
      } finally {
        span.end();
      }
    },

    async publish(events, send) {
      const parent = context.active();
      if (events.length === 0 || !trace.getSpan(parent)?.isRecording()) {
        await send(events);
        return;
      }
      const topics = [...new Set(events.map((event) => event.topic))];
      const span = tracer.startSpan(
        'pulse.publish',
        {
          kind: SpanKind.PRODUCER,
          attributes: {
            ...messaging,
            'messaging.operation.type': 'send',
            'messaging.destination.name': topics.join(','),
            'messaging.batch.message_count': events.length,
          },
        },
        parent,
      );
      const traceparent = formatTraceParent(span.spanContext());
      try {
        const failed = await context.with(trace.setSpan(parent, span), () => send(events.map((event) => ({ ...event, traceparent }))));
        // The log keeps them: subscribers fill the gap, so this is an error of the bus, not of the write.
        if (failed > 0) span.setStatus({ code: SpanStatusCode.ERROR, message: `${failed} of ${events.length} events not published` });
      } finally {
        span.end();
      }
    },

    async deliver(event, args, deliver) {
      const parent = remoteContext(event.traceparent);
      if (!parent) {
        await deliver();
        return;
      }
      const span = tracer.startSpan(
        'pulse.deliver',
        {
          kind: SpanKind.CONSUMER,
          attributes: {
            ...messaging,
            'messaging.operation.type': 'process',
            'messaging.destination.name': event.topic,
            'pulse.event.kind': event.kind,
            ...(event.seq === null ? {} : { 'pulse.event.seq': event.seq }),
            'graphql.execute.operationName': operationName(args),
          },
        },
        parent,
      );
      try {
        span.setAttribute('pulse.fanout.sockets', await context.with(trace.setSpan(parent, span), deliver));
      } finally {
        span.end();
      }
    },

    flush: () => provider.forceFlush(),
    shutdown: () => provider.shutdown(),
  };
}

/**
 * Runs before `useOpenTelemetry` in the pipeline: an HTTP request's `traceparent` becomes the
 * operation span's parent, and the documented codes of the errors it answered with become the
 * span's `graphql.error.codes` (masking has coded them by then: transport/plugins.ts runs first).
 * Also ends the span of a subscription refused before it started, which the plugin leaves open.
 */
function operationOutcome(): Plugin<{ request?: Request }> {
  const spanOf = (contextValue: unknown) => trace.getSpan(getCurrentOtelContext(contextValue));
  const record = (contextValue: unknown, result: ExecutionResult) => {
    const codes = result.errors?.map((error) => String(error.extensions?.code ?? 'INTERNAL_SERVER_ERROR'));
    if (codes?.length) spanOf(contextValue)?.setAttribute('graphql.error.codes', codes);
  };
  return {
    onExecute({ args }) {
      const incoming = remoteContext(args.contextValue.request?.headers.get('traceparent') ?? undefined);
      if (incoming) setCurrentOtelContext(args.contextValue, incoming);
      return {
        onExecuteDone: (payload) => handleStreamOrSingleExecutionResult(payload, ({ result }) => record(args.contextValue, result)),
      };
    },
    onSubscribe({ args }) {
      return {
        onSubscribeResult({ result }) {
          if (isAsyncIterable(result)) return;
          record(args.contextValue, result);
          const span = spanOf(args.contextValue);
          span?.setStatus({ code: SpanStatusCode.ERROR });
          span?.end();
        },
      };
    },
  };
}

async function exporterOf(config: TracingConfig): Promise<SpanExporter> {
  const options = { url: config.url, headers: config.headers };
  if (config.protocol === 'http/json') return new (await import('@opentelemetry/exporter-trace-otlp-http')).OTLPTraceExporter(options);
  return new (await import('@opentelemetry/exporter-trace-otlp-proto')).OTLPTraceExporter(options);
}

function samplerOf({ root, parentBased, ratio }: TracingConfig['sampler']): Sampler {
  const decide =
    root === 'always_on' ? new AlwaysOnSampler() : root === 'always_off' ? new AlwaysOffSampler() : new TraceIdRatioBasedSampler(ratio);
  return parentBased ? new ParentBasedSampler({ root: decide }) : decide;
}

/** `traceparent` (W3C Trace Context, version 00) of a span. */
function formatTraceParent({ traceId, spanId, traceFlags }: SpanContext): string {
  return `00-${traceId}-${spanId}-${(traceFlags & 0xff).toString(16).padStart(2, '0')}`;
}

/** A context whose parent is the span a `traceparent` names (null when there is none or it is malformed). */
function remoteContext(traceparent: string | undefined): TraceContext | null {
  const parent = traceparent ? parseTraceParent(traceparent) : null;
  return parent ? trace.setSpanContext(ROOT_CONTEXT, { ...parent, isRemote: true }) : null;
}

/** The operation's name, else its first root field (`matchFeed`): what a delivery span is labelled with. */
function operationName(args: ExecutionArgs): string {
  const operation = getOperationAST(args.document, args.operationName);
  const field = operation?.selectionSet.selections.find((selection) => selection.kind === 'Field');
  return operation?.name?.value ?? (field?.kind === 'Field' ? field.name.value : 'anonymous');
}
