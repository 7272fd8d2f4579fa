/**
 * GraphiQL at /graphql with its assets served by Pulse itself: Yoga's page loads its bundle from a
 * CDN, which fails on machines without internet access. The same bundle comes from the
 * `@graphql-yoga/graphiql` package and is served at /graphiql/; without the package, Yoga's page is
 * left unchanged (CDN).
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { dirname, extname, join, normalize } from 'node:path';
import { renderGraphiQL, type GraphiQLOptions } from 'graphql-yoga';

export const GRAPHIQL_ASSETS_PATH = '/graphiql/';
const CDN = /https:\/\/unpkg\.com\/@graphql-yoga\/graphiql@[^/]+\/dist\//g;
const FAVICON = /<link rel=icon href=[^>]+>/;
const TYPES: Record<string, string> = { '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8' };

function assetsDir(): string | null {
  try {
    return join(dirname(createRequire(import.meta.url).resolve('@graphql-yoga/graphiql/package.json')), 'dist');
  } catch {
    return null;
  }
}

const root = assetsDir();

/** Yoga's GraphiQL page, pointing at the assets served below. */
export function renderLocalGraphiQL(options: GraphiQLOptions): string {
  const html = renderGraphiQL(options);
  return root ? html.replace(CDN, GRAPHIQL_ASSETS_PATH).replace(FAVICON, '') : html;
}

/** Serves GraphiQL's bundle under /graphiql/; returns false for anything else. */
export function serveGraphiQLAsset(req: IncomingMessage, res: ServerResponse): boolean {
  const path = (req.url ?? '/').split('?')[0];
  if (!root || !path.startsWith(GRAPHIQL_ASSETS_PATH) || (req.method !== 'GET' && req.method !== 'HEAD')) return false;
  const file = normalize(join(root, decodeURIComponent(path.slice(GRAPHIQL_ASSETS_PATH.length))));
  if (!file.startsWith(root + '/') || !existsSync(file) || !TYPES[extname(file)]) return false;
  res.writeHead(200, { 'content-type': TYPES[extname(file)], 'cache-control': 'public, max-age=86400' });
  res.end(req.method === 'HEAD' ? undefined : readFileSync(file));
  return true;
}
