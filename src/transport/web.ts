/** Serves the web page (client/dist, built by `npm run build:web`) at `/`. */
import { existsSync, readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, normalize, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
};

export function webHandler(root = resolve(fileURLToPath(new URL('../../client/dist', import.meta.url)))) {
  return (req: IncomingMessage, res: ServerResponse): boolean => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return false;
    const path = decodeURIComponent((req.url ?? '/').split('?')[0]);
    if (!existsSync(join(root, 'index.html'))) {
      if (path !== '/') return false;
      res.writeHead(302, { location: '/graphql' }).end();
      return true;
    }
    let file = normalize(join(root, path === '/' ? 'index.html' : path));
    if (!file.startsWith(root)) return false;
    if (!existsSync(file) || !extname(file)) file = join(root, 'index.html'); // single-page app routes
    res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' });
    res.end(req.method === 'HEAD' ? undefined : readFileSync(file));
    return true;
  };
}
