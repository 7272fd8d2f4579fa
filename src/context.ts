/**
 * What every resolver receives: the services of this instance and who is asking.
 * Built per HTTP request, and per WebSocket operation from the connection's authenticated viewer.
 */
import type { RedisCommands } from './redis/clients.js';
import type { Logger } from 'pino';
import type { Tokens } from './auth/tokens.js';
import type { Viewer } from './auth/viewer.js';
import type { TokenVersions } from './auth/versions.js';
import type { TypingIndicators } from './chat/typing.js';
import type { BookingBatches } from './bookings/group-commit.js';
import type { Config } from './config.js';
import type { Database, PrismaClient } from './db/index.js';
import type { SharedReads } from './db/shared-reads.js';
import type { OperationsMonitor } from './operations/monitor.js';
import type { Tracing } from './operations/tracing.js';
import type { Presence } from './presence/service.js';
import type { LikeBatches } from './social/service.js';
import type { Loaders } from './schema/loaders.js';
import type { Streams } from './streams/index.js';
import type { SubscriptionStats } from './streams/stats.js';
import type { Connections } from './presence/connections.js';
import type { Metrics } from './transport/metrics.js';
import type { RateLimiters } from './transport/rate-limiter.js';

export type { Viewer };

/** Everything one Pulse instance has, built and closed by the composition root (app.ts). */
export interface Services {
  config: Config;
  logger: Logger;
  database: Database;
  prisma: PrismaClient;
  /** The command connection to Redis in scaled mode (presence, rate limits): a node or a cluster; null when embedded. */
  redis: RedisCommands | null;
  streams: Streams;
  /** This instance's group commits (streams/batch.ts): bookings by event, likes by post. */
  bookingBatches: BookingBatches;
  likeBatches: LikeBatches;
  /** Subscription figures of this instance (streams and presence feeds): /metrics, the operations view. */
  subscriptionStats: SubscriptionStats;
  connections: Connections;
  presence: Presence;
  typing: TypingIndicators;
  /** Samples this instance's figures for the operations view and collects the other instances'. */
  monitor: OperationsMonitor;
  tokens: Tokens;
  /** Token versions known here, kept true by the revocation signal (auth/versions.ts). */
  versions: TokenVersions;
  /** Reads shared per instance (single flight; facts that never change back kept): db/shared-reads.ts. */
  reads: SharedReads;
  /** Operations per minute: shared through Redis, and per instance for WebSocket subscriptions (transport/rate-limiter.ts). */
  rateLimiters: RateLimiters;
  metrics: Metrics;
  /** OpenTelemetry traces (operations/tracing.ts); null when OTEL_* configures no endpoint. */
  tracing: Tracing | null;
  startedAt: Date;
}

export interface Context {
  app: Services;
  viewer: Viewer | null;
  requestId: string;
  /** The WebSocket connection the operation runs on, if any. */
  connectionId: string | null;
  /** The caller's address (per-IP rate limits for anonymous callers). */
  ip: string | undefined;
  /** Per-request batched lookups (schema/loaders.ts). */
  loaders: Loaders;
  /**
   * Set by the WebSocket transport for its operations: a stream field hands its source here
   * (schema/streams.ts `handOver`), naming the variable that carries its `after` cursor, so the
   * fan-out sends that stream's events (transport/fanout.ts). Absent over HTTP and SSE.
   */
  adoptStream?: (source: unknown, afterVariable: string | null) => void;
}
