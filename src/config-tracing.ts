/**
 * The OpenTelemetry part of the configuration: the standard SDK variables (`OTEL_*`), read by
 * `loadConfig` (config.ts) from the environment it is given and validated here. Tracing is on only
 * when an OTLP endpoint is set; unset, `readTracingConfig` returns null and Pulse never loads the SDK.
 */

/** Where and how this instance exports its traces (operations/tracing.ts). */
export interface TracingConfig {
  /** The OTLP/HTTP traces URL (`.../v1/traces`). */
  url: string;
  /** The OTLP encoding: `http/protobuf` (the OpenTelemetry default) or `http/json`. */
  protocol: 'http/protobuf' | 'http/json';
  /** Sent with every export (an API key for a hosted collector). */
  headers: Record<string, string>;
  /** `service.name` of every span. */
  serviceName: string;
  /** More resource attributes (`deployment.environment=prod`, …). */
  resourceAttributes: Record<string, string>;
  /** Which traces are kept: `parentBased` follows an incoming trace's decision, else `root` decides. */
  sampler: { root: 'always_on' | 'always_off' | 'traceidratio'; parentBased: boolean; ratio: number };
}

type Env = Record<string, string | undefined>;
type Fail = (variable: string, message: string) => Error;

const SAMPLERS = ['always_on', 'always_off', 'traceidratio', 'parentbased_always_on', 'parentbased_always_off', 'parentbased_traceidratio'];

/**
 * Tracing from the `OTEL_*` variables; null (off) when neither OTLP endpoint is set, when
 * `OTEL_SDK_DISABLED=true` or when `OTEL_TRACES_EXPORTER=none`. `fail` builds the error naming the variable.
 */
export function readTracingConfig(env: Env, fail: Fail): TracingConfig | null {
  const value = (name: string) => env[name]?.trim() || undefined;
  const disabled = value('OTEL_SDK_DISABLED')?.toLowerCase();
  if (disabled !== undefined && disabled !== 'true' && disabled !== 'false') throw fail('OTEL_SDK_DISABLED', 'must be true or false');
  const exporter = value('OTEL_TRACES_EXPORTER')?.toLowerCase() ?? 'otlp';
  if (exporter !== 'otlp' && exporter !== 'none') throw fail('OTEL_TRACES_EXPORTER', `must be otlp or none, got "${exporter}"`);
  const url = endpoint(value('OTEL_EXPORTER_OTLP_TRACES_ENDPOINT'), value('OTEL_EXPORTER_OTLP_ENDPOINT'), fail);
  if (url === null || disabled === 'true' || exporter === 'none') return null;

  const protocolName = value('OTEL_EXPORTER_OTLP_TRACES_PROTOCOL') ? 'OTEL_EXPORTER_OTLP_TRACES_PROTOCOL' : 'OTEL_EXPORTER_OTLP_PROTOCOL';
  const protocol = value(protocolName) ?? 'http/protobuf';
  if (protocol !== 'http/protobuf' && protocol !== 'http/json') {
    throw fail(protocolName, `must be http/protobuf or http/json (OTLP over HTTP, port 4318), got "${protocol}"`);
  }
  const resourceAttributes = pairs(env, 'OTEL_RESOURCE_ATTRIBUTES', fail);
  return {
    url,
    protocol,
    headers: { ...pairs(env, 'OTEL_EXPORTER_OTLP_HEADERS', fail), ...pairs(env, 'OTEL_EXPORTER_OTLP_TRACES_HEADERS', fail) },
    serviceName: value('OTEL_SERVICE_NAME') ?? resourceAttributes['service.name'] ?? 'pulse',
    resourceAttributes,
    sampler: sampler(value('OTEL_TRACES_SAMPLER') ?? 'parentbased_always_on', value('OTEL_TRACES_SAMPLER_ARG'), fail),
  };
}

/** The traces URL: the signal-specific endpoint as given, else the base endpoint + `/v1/traces` (the SDK's rule). */
function endpoint(traces: string | undefined, base: string | undefined, fail: Fail): string | null {
  const [name, raw] = traces ? ['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', traces] : ['OTEL_EXPORTER_OTLP_ENDPOINT', base];
  if (!raw) return null;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw fail(name, `must be an http(s) URL, got "${raw}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw fail(name, `must be an http(s) URL, got "${raw}"`);
  return traces ? url.toString() : `${raw.replace(/\/+$/, '')}/v1/traces`;
}

/** `key=value,key=value` with percent-encoded values (W3C baggage style, as the SDK reads these variables). */
function pairs(env: Env, name: string, fail: Fail): Record<string, string> {
  const out: Record<string, string> = {};
  for (const entry of (env[name] ?? '').split(',')) {
    if (!entry.trim()) continue;
    const at = entry.indexOf('=');
    const key = entry.slice(0, at).trim();
    if (at <= 0 || !key) throw fail(name, `entries must look like key=value, got "${entry.trim()}"`);
    try {
      out[key] = decodeURIComponent(entry.slice(at + 1).trim());
    } catch {
      throw fail(name, `has a value that is not percent-encoded correctly: "${entry.trim()}"`);
    }
  }
  return out;
}

function sampler(name: string, arg: string | undefined, fail: Fail): TracingConfig['sampler'] {
  if (!SAMPLERS.includes(name)) throw fail('OTEL_TRACES_SAMPLER', `must be one of ${SAMPLERS.join(', ')}, got "${name}"`);
  let ratio = 1;
  if (name.endsWith('traceidratio') && arg !== undefined) {
    ratio = Number(arg);
    if (!/^\d*\.?\d+$/.test(arg) || ratio > 1) throw fail('OTEL_TRACES_SAMPLER_ARG', `must be a ratio between 0 and 1, got "${arg}"`);
  }
  const parentBased = name.startsWith('parentbased_');
  return { root: name.slice(parentBased ? 'parentbased_'.length : 0) as TracingConfig['sampler']['root'], parentBased, ratio };
}
