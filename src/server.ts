/**
 * Transport: one node:http server on one port. Composes the GraphQL pipeline (transport/yoga.ts),
 * the HTTP routes (transport/http.ts) and graphql-ws on the upgrade (transport/websocket.ts), and
 * owns listening, draining and a graceful stop.
 */
import { createServer as createHttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Services } from './context.js';
import { createRequestHandler, type StaticHandler } from './transport/http.js';
import { attachWebSocket } from './transport/websocket.js';
import { createPipeline } from './transport/yoga.js';

export interface HttpServer {
  /** Listens on `port` (0: any free port); resolves with the URLs. */
  listen(port: number, host?: string): Promise<{ port: number; url: string; wsUrl: string }>;
  /** Deploys: /readyz answers 503 from now on (the load balancer stops sending clients); everything else keeps serving. */
  drain(): void;
  /** Graceful: stop accepting, close sockets with 1012 (service restart: resume elsewhere now), wait for in-flight mutations. */
  close(): Promise<void>;
}

export function createServer(app: Services, options: { staticHandler?: StaticHandler } = {}): HttpServer {
  let draining = false;
  const pipeline = createPipeline(app);
  const http = createHttpServer(createRequestHandler(app, pipeline, { staticHandler: options.staticHandler, draining: () => draining }));
  const websocket = attachWebSocket(http, app, pipeline);
  // Idle keep-alive sockets outlive the client's and the load balancer's idle timeouts (undici: 4 s,
  // deploy/haproxy.cfg: 5 s): otherwise a request sent on a socket the server is closing at that
  // moment is reset (Node's default is 5 s, and a busy event loop closes late).
  http.keepAliveTimeout = 65_000;
  http.headersTimeout = 66_000;

  return {
    listen(port, host = app.config.host) {
      return new Promise((resolve, reject) => {
        http.once('error', reject);
        // A deep accept queue: a reconnect storm (every client after a restart) must not be reset by the kernel.
        http.listen({ port, host, backlog: 16_384 }, () => {
          http.off('error', reject);
          const { port: actual } = http.address() as AddressInfo;
          const shown = host === '0.0.0.0' || host === '::' ? 'localhost' : host;
          resolve({ port: actual, url: `http://${shown}:${actual}/graphql`, wsUrl: `ws://${shown}:${actual}/graphql` });
        });
      });
    },
    drain() {
      draining = true;
    },
    async close() {
      draining = true;
      const closed = new Promise<void>((resolve) => http.close(() => resolve()));
      await websocket.close();
      pipeline.close();
      const deadline = Date.now() + 10_000;
      while (pipeline.inFlight.mutations > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      http.closeIdleConnections();
      setTimeout(() => http.closeAllConnections(), 2_000).unref();
      await closed;
    },
  };
}
