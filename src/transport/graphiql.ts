/**
 * GraphiQL at /graphql with its assets served by Pulse itself: Yoga's page loads its bundle from a
 * CDN, which fails on machines without internet access. The same bundle comes from the
 * `@graphql-yoga/graphiql` package and is served at /graphiql/; without the package, Yoga's page is
 * left unchanged (CDN).
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { dirname, join, normalize } from 'node:path';
import { renderGraphiQL, type GraphiQLOptions } from 'graphql-yoga';
import { DEMO_PASSWORD } from '../seed.js';
import { contentTypeOf, sendFile } from './static-files.js';

const GRAPHIQL_ASSETS_PATH = '/graphiql/';
const CDN = /https:\/\/unpkg\.com\/@graphql-yoga\/graphiql@[^/]+\/dist\//g;
const FAVICON = /<link rel=icon href=[^>]+>/;

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
  const html = withDefaultQuery(renderGraphiQL(options), options.defaultQuery);
  return root ? html.replace(CDN, GRAPHIQL_ASSETS_PATH).replace(FAVICON, '') : html;
}

/**
 * Yoga's GraphiQL page starts from `?query=` or its welcome text and passes `defaultQuery` on to an
 * editor that ignores it; so a page opened without `?query=` gets the default put there first.
 */
function withDefaultQuery(html: string, defaultQuery: string | undefined): string {
  if (!defaultQuery) return html;
  const text = JSON.stringify(defaultQuery).replace(/</g, '\\u003c');
  const script = `<script>(function(){var u=new URL(location.href);if(!u.searchParams.get('query')){u.searchParams.set('query',${text});history.replaceState(null,'',u)}})()</script>`;
  return html.replace('<head>', `<head>${script}`);
}

/** Serves GraphiQL's bundle under /graphiql/; returns false for anything else. */
export function serveGraphiQLAsset(req: IncomingMessage, res: ServerResponse): boolean {
  const path = (req.url ?? '/').split('?')[0];
  if (!root || !path.startsWith(GRAPHIQL_ASSETS_PATH) || (req.method !== 'GET' && req.method !== 'HEAD')) return false;
  const file = normalize(join(root, decodeURIComponent(path.slice(GRAPHIQL_ASSETS_PATH.length))));
  // GraphiQL's bundle is scripts and styles only.
  if (!file.startsWith(`${root}/`) || !existsSync(file) || !/^text\/(javascript|css)/.test(contentTypeOf(file) ?? '')) return false;
  sendFile(req, res, file, { 'cache-control': 'public, max-age=86400' });
  return true;
}

/** What GraphiQL opens with: a live subscription and the mutations that make it fire. */
export const GRAPHIQL_DEFAULT_QUERY = `# Pulse: one real-time GraphQL API. Run "Board" (the play button lists the operations): it
# watches the NA match board live over WebSocket. Then run "SignIn", put the token in Headers as
# {"Authorization": "Bearer <token>"}, and run "Post": the match appears in the Board tab.
# Contract: docs/API.md. Demo users (development): alice, bob, carol, admin / ${DEMO_PASSWORD}

subscription Board {
  matchFeed(region: NA) {
    kind
    cursor
    at
    match { id game slots status creator { displayName } }
  }
}

mutation SignIn {
  login(username: "alice", password: "${DEMO_PASSWORD}") { token user { id role } }
}

mutation Post {
  postMatch(input: { game: "Rocket League", region: NA, slots: 2, mode: "duel" }) { id game status }
}
`;
