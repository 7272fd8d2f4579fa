/**
 * What every resolver receives: the services of this instance and who is asking.
 * Built per HTTP request, and per WebSocket operation from the connection's authenticated viewer.
 */
import type { Logger } from 'pino';
import type { Tokens } from './auth/tokens.js';
import type { Config } from './config.js';
import type { Database, PrismaClient } from './db/index.js';
import type { Streams } from './streams/index.js';
import type { Connections } from './transport/connections.js';

export interface Viewer {
  id: string;
  role: 'USER' | 'ADMIN';
}

/** Long-lived services of one Pulse instance. */
export interface Services {
  config: Config;
  database: Database;
  prisma: PrismaClient;
  streams: Streams;
  tokens: Tokens;
  logger: Logger;
  connections: Connections;
  startedAt: Date;
}

export interface Context {
  app: Services;
  viewer: Viewer | null;
  requestId: string;
  /** The WebSocket connection the operation runs on, if any. */
  connectionId: string | null;
}
