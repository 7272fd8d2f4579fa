/**
 * Layers stay one-way: no module under src/ imports one that imports it back, directly or through
 * others (type-only imports included: a circle of types is a circle of knowledge). Generated code is
 * left out. The graph is read from the import/export statements; a found circle is printed.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { expect, it } from 'vitest';

const SRC = normalize(join(import.meta.dirname, '../../src'));
const SPECIFIER = /(?:^|\n)\s*(?:import|export)\s[^;]*?from\s+'(\.[^']+)'|import\('(\.[^']+)'\)/g;

function modules(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'generated' ? [] : modules(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

function graph(): Map<string, string[]> {
  const edges = new Map<string, string[]>();
  for (const file of modules(SRC)) {
    const targets = [...readFileSync(file, 'utf8').matchAll(SPECIFIER)]
      .map((m) => normalize(join(dirname(file), (m[1] ?? m[2]).replace(/\.js$/, '.ts'))))
      .filter((target) => !target.includes(`${SRC}/generated`));
    edges.set(file, targets);
  }
  return edges;
}

/** One circle through the graph, as a path of files, or null. */
function findCircle(edges: Map<string, string[]>): string[] | null {
  const state = new Map<string, 'open' | 'done'>();
  const path: string[] = [];
  const visit = (file: string): string[] | null => {
    state.set(file, 'open');
    path.push(file);
    for (const next of edges.get(file) ?? []) {
      if (state.get(next) === 'open') return [...path.slice(path.indexOf(next)), next];
      if (!state.has(next) && edges.has(next)) {
        const circle = visit(next);
        if (circle) return circle;
      }
    }
    path.pop();
    state.set(file, 'done');
    return null;
  };
  for (const file of edges.keys()) {
    if (state.has(file)) continue;
    const circle = visit(file);
    if (circle) return circle;
  }
  return null;
}

it('src has no import circle', () => {
  const edges = graph();
  expect(edges.size).toBeGreaterThan(50); // the reader found the modules
  const circle = findCircle(edges);
  expect(circle?.map((file) => relative(SRC, file)).join(' -> ') ?? null).toBeNull();
});

/** The domain directories: they may use streams, storage and each other, never the layers above them. */
const DOMAINS = ['auth', 'bookings', 'chat', 'matches', 'matchmaking', 'notifications', 'presence', 'social', 'users'];
const ABOVE_DOMAINS = ['schema/', 'transport/', 'context.ts', 'app.ts', 'server.ts', 'main.ts'];

it('domains import nothing above them (schema, transport, the context, the composition root)', () => {
  const edges = graph();
  const upward: string[] = [];
  for (const [file, targets] of edges) {
    const from = relative(SRC, file);
    if (!DOMAINS.includes(from.split('/')[0])) continue;
    for (const target of targets) {
      const to = relative(SRC, target);
      if (ABOVE_DOMAINS.some((above) => to === above || to.startsWith(above))) upward.push(`${from} -> ${to}`);
    }
  }
  expect([...edges.keys()].filter((file) => DOMAINS.includes(relative(SRC, file).split('/')[0])).length).toBeGreaterThan(20);
  expect(upward).toEqual([]);
});
