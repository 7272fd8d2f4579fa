// Prisma's schema engine compiled to WASM: loaded once per process, one engine per operation, operations one at a time.
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';

import { bindMigrationAwareSqlAdapterFactory } from '@prisma/driver-adapter-utils';
import type { SchemaEngine } from '@prisma/schema-engine-wasm/schema_engine_bg';

import type { TrackedFactory } from './migration-adapters.js';

// wasm-bindgen's JS glue (`schema_engine_bg.js`) is a singleton module with module-level state:
// the current wasm exports and cached views of its memory. Handing it a second instance with
// `__wbg_set_wasm` would leave those views pointing at the first instance's memory, so there is
// exactly one instance per glue module, shared by all engines (one engine per call, freed after).
// The cache lives on globalThis because test runners may re-evaluate this file while Node's
// own module cache (which holds the glue) survives; it is keyed by the glue module itself.

type Glue = typeof import('@prisma/schema-engine-wasm/schema_engine_bg');

interface WasmCache {
  module?: Promise<WebAssembly.Module>;
  ready: WeakMap<object, Promise<Glue>>;
  /** Tail of the queue that runs engine operations one at a time in this process. */
  queue: Promise<unknown>;
}

const CACHE_KEY = Symbol.for('pulse.db.migrate.schemaEngineWasm');

function wasmCache(): WasmCache {
  const g = globalThis as typeof globalThis & { [CACHE_KEY]?: WasmCache };
  return (g[CACHE_KEY] ??= { ready: new WeakMap(), queue: Promise.resolve() });
}

function compileModule(): Promise<WebAssembly.Module> {
  const cache = wasmCache();
  cache.module ??= (async () => {
    const require = createRequire(import.meta.url);
    const gluePath = require.resolve('@prisma/schema-engine-wasm/schema_engine_bg');
    const bytes = await readFile(path.join(path.dirname(gluePath), 'schema_engine_bg.wasm'));
    return WebAssembly.compile(bytes);
  })();
  cache.module.catch(() => {
    if (wasmCache().module === cache.module) wasmCache().module = undefined;
  });
  return cache.module;
}

/**
 * The engine arms a 10 s timer around taking Prisma's advisory lock and never clears it, which
 * would keep the process alive ~10 s after the work is done. Its timers are unref'd instead;
 * `withEngine` holds a ref'd handle while an operation runs, so an engine that is really waiting
 * on a timer still keeps the process alive.
 */
function withUnrefTimers(imports: WebAssembly.ModuleImports): WebAssembly.ModuleImports {
  const patched: WebAssembly.ModuleImports = { ...imports };
  for (const [name, value] of Object.entries(imports)) {
    if (name.startsWith('__wbg_setTimeout_') && typeof value === 'function') {
      const original = value as (...args: unknown[]) => unknown;
      patched[name] = (...args: unknown[]) => {
        const timer = original(...args);
        (timer as { unref?: () => void } | undefined)?.unref?.();
        return timer;
      };
    }
  }
  return patched;
}

async function loadEngineRuntime(): Promise<Glue> {
  const glue: Glue = await import('@prisma/schema-engine-wasm/schema_engine_bg');
  const cache = wasmCache();
  let ready = cache.ready.get(glue);
  if (!ready) {
    ready = (async () => {
      const module = await compileModule();
      const instance = await WebAssembly.instantiate(module, {
        './schema_engine_bg.js': withUnrefTimers(glue as unknown as WebAssembly.ModuleImports),
      });
      const exports = instance.exports as WebAssembly.Exports & { __wbindgen_start(): void };
      glue.__wbg_set_wasm(exports);
      exports.__wbindgen_start();
      return glue;
    })();
    cache.ready.set(glue, ready);
    ready.catch(() => {
      if (cache.ready.get(glue) === ready) cache.ready.delete(glue);
    });
  }
  return ready;
}

/**
 * Runs one engine operation: a fresh engine on the shared instance, freed afterwards, and every
 * adapter it opened disposed. Operations run one at a time per process: Prisma's advisory lock
 * is re-entrant within one database session, so two concurrent runs on the same PGlite (a single
 * session) would not exclude each other.
 */
export function withEngine<T>(
  tracked: TrackedFactory,
  log: ((msg: string) => void) | undefined,
  run: (engine: SchemaEngine) => Promise<T>,
): Promise<T> {
  const cache = wasmCache();
  const result = cache.queue.then(() => runEngine(tracked, log, run));
  cache.queue = result.catch(() => undefined);
  return result;
}

async function runEngine<T>(
  tracked: TrackedFactory,
  log: ((msg: string) => void) | undefined,
  run: (engine: SchemaEngine) => Promise<T>,
): Promise<T> {
  const keepAlive = setInterval(() => undefined, 60_000);
  try {
    const runtime = await loadEngineRuntime();
    const bound = bindMigrationAwareSqlAdapterFactory(tracked.factory);
    let engine: SchemaEngine | undefined;
    let succeeded = false;
    try {
      engine = await runtime.SchemaEngine.new({ datamodels: undefined }, (line: string) => log?.(formatLogLine(line)), bound);
      const result = await run(engine);
      succeeded = true;
      return result;
    } catch (error) {
      throw explainEngineError(error);
    } finally {
      try {
        engine?.free();
      } finally {
        await tracked.disposeAll(succeeded);
      }
    }
  } finally {
    clearInterval(keepAlive);
  }
}

/** The engine logs JSON lines (tracing); keep level, message and the migration name. */
function formatLogLine(line: string): string {
  try {
    const entry = JSON.parse(line) as { level?: string; fields?: { message?: string } };
    if (entry.fields?.message) return `${entry.level ?? 'INFO'} ${entry.fields.message}`;
  } catch {
    // not JSON: pass it on as it is
  }
  return line.trim();
}

/** Engine errors are Errors (SchemaConnectorError...), but be safe with anything else. */
function explainEngineError(error: unknown): Error {
  if (error instanceof Error) {
    // Database errors come back as "external connector error\n<the database's message>\n<trace>".
    const lines = error.message.split('\n');
    if (lines[0] === 'external connector error' && lines.length > 1) error.message = lines.slice(1).join('\n');
    return error;
  }
  const message =
    error && typeof error === 'object' && typeof (error as { message?: unknown }).message === 'string'
      ? (error as { message: string }).message
      : typeof error === 'string'
        ? error
        : JSON.stringify(error);
  return new Error(`Prisma schema engine: ${message}`, { cause: error });
}
