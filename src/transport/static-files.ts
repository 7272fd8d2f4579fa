/** Sending a file from disk: the one content-type map of the static routes (the page, GraphiQL's bundle). */
import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname } from 'node:path';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
};

/** The content type of a file by its extension, or undefined for one we do not serve. */
export function contentTypeOf(file: string): string | undefined {
  return CONTENT_TYPES[extname(file)];
}

/** Answers a GET or HEAD with `file` (which must exist). */
export function sendFile(req: IncomingMessage, res: ServerResponse, file: string, headers: Record<string, string> = {}): void {
  res.writeHead(200, { 'content-type': contentTypeOf(file) ?? 'application/octet-stream', ...headers });
  res.end(req.method === 'HEAD' ? undefined : readFileSync(file));
}
