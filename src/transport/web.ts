/** Serves the web page (client/dist, built by `npm run build:web`) at `/`. */
import { existsSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, normalize, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sendFile } from './static-files.js';

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
    sendFile(req, res, file);
    return true;
  };
}
