/**
 * The one typed map of stream topics: every publisher and every subscriber imports from here.
 * A topic is `<family>:<key>`; each family declares its event kinds and their small-fact payloads.
 * Logged families are durable and resumable; ephemeral kinds go on the bus only (no seq, no replay).
 */
import type { NotificationKind } from '../generated/prisma/enums.js';

export interface StreamPayloads {
  /** `region:<Region>`: the looking-for-group board of one region. */
  region: {
    POSTED: MatchFacts;
    UPDATED: MatchFacts;
    CLOSED: MatchFacts;
  };
  /** `event:<eventId>`: seat counts, exact as of the commit that produced each event. */
  event: {
    BOOKED: { bookingId: string; availableSeats: number; capacity: number };
    CANCELLED: { bookingId: string; availableSeats: number; capacity: number };
    CAPACITY_CHANGED: { availableSeats: number; capacity: number };
  };
  /** `post:<postId>`: likes and comments, counts exact as of the commit. */
  post: {
    LIKED: { actorId: string; likeCount: number; commentCount: number };
    UNLIKED: { actorId: string; likeCount: number; commentCount: number };
    COMMENTED: { actorId: string; commentId: string; likeCount: number; commentCount: number };
  };
  /** `conversation:<id>`: chat; TYPING is ephemeral. */
  conversation: {
    MESSAGE: { messageId: string };
    MEMBER_JOINED: { userId: string };
    MEMBER_LEFT: { userId: string };
    /** `origin` marks the instance that sent it (see chat/typing.ts); clients never see it. */
    TYPING: { userId: string; isTyping: boolean; origin?: string };
  };
  /** `user:<userId>`: the user's stored notifications. */
  user: {
    NOTIFICATION: { notificationId: string; kind: NotificationKind };
  };
  /** `queue:<userId>`: the user's matchmaking signals (ephemeral). */
  queue: {
    QUEUED: { position: number };
    POSITION: { position: number };
    LEFT: Record<string, never>;
    MATCH_FOUND: { gameId: string };
    GAME_STARTED: { gameId: string };
    GAME_ENDED: { gameId: string };
  };
  /** `game:<gameId>`: one game's state during play, in one order across instances (players, and spectators of a public game). */
  game: {
    GAME_STARTED: Record<string, never>;
    ACTION: { actionId: string; playerId: string };
    GAME_ENDED: { winnerId: string | null };
  };
  /** `presence:<userId>`: ONLINE / OFFLINE changes (ephemeral); `version` orders changes from different instances. */
  presence: {
    ONLINE: { version: number };
    OFFLINE: { version: number };
  };
  /** `session:revoked`: a user's tokens were revoked (ephemeral); every instance closes their sockets. */
  session: {
    REVOKED: { userId: string; version: number };
  };
  /** `ops:instances`: every instance's operations figures, once a second (ephemeral, ADMIN only). */
  ops: {
    STATS: InstanceStatsFacts;
  };
}

/**
 * A match event's facts as of its commit: what `matchFeed` filters read (matches/feed-filter.ts)
 * without loading the match. The optional facts are absent on events logged before they were added.
 */
export interface MatchFacts {
  matchId: string;
  game?: string;
  /** Slots not yet taken once the change committed (0 once closed). */
  openSlots?: number;
  /**
   * UPDATED and CLOSED: slots not yet taken just before the change, so a filter on open slots also
   * sends the event that takes a match below it (the subscriber showed the match and must hear it left).
   */
  openSlotsBefore?: number;
}

/** One instance's figures over its last sampling interval (src/operations/monitor.ts). */
export interface InstanceStatsFacts {
  instanceId: string;
  connections: number;
  subscriptions: { kind: string; count: number }[];
  publishedPerSecond: number;
  deliveredPerSecond: number;
  /** Commit-to-delivery time of the events delivered in the interval; null when none were. */
  latencyP50Ms: number | null;
  latencyP99Ms: number | null;
  rssBytes: number;
}

export type Family = keyof StreamPayloads;
export type KindOf<F extends Family> = Extract<keyof StreamPayloads[F], string>;

/** A stream name with its family, so kinds and payloads are checked at compile time. */
export interface Topic<F extends Family = Family> {
  readonly family: F;
  readonly name: string;
}

function topic<F extends Family>(family: F) {
  return (key: string): Topic<F> => ({ family, name: `${family}:${key}` });
}

/** Topic constructors, one per family. */
export const Topics = {
  region: topic('region'),
  event: topic('event'),
  post: topic('post'),
  conversation: topic('conversation'),
  user: topic('user'),
  queue: topic('queue'),
  game: topic('game'),
  presence: topic('presence'),
  session: topic('session'),
  ops: topic('ops'),
} as const;

/**
 * Any family's event as the streams layer carries it (log, bus, queues, fan-out): kind and payload
 * unchecked. Every `StreamEvent<F>` is one; the typed view is taken where a family is known
 * (`Streams.subscribe`, the schema's resolvers, the domains' checks).
 */
export interface BusEvent {
  topic: string;
  seq: number | null;
  kind: string;
  data: unknown;
  at: string;
  /** See `StreamEvent.traceparent`. */
  traceparent?: string;
}

/** One delivered stream event of family F. `seq` is null for ephemeral signals; kind `GAP` means "refetch". */
export interface StreamEvent<F extends Family, K extends KindOf<F> | 'GAP' = KindOf<F> | 'GAP'> {
  topic: string;
  seq: number | null;
  kind: K;
  data: K extends KindOf<F> ? StreamPayloads[F][K] : Record<string, never>;
  /** ISO-8601 time of the change. */
  at: string;
  /**
   * The W3C trace context of the traced operation that wrote it (tracing on: trace-hooks.ts). It rides
   * beside the event on the bus; the log never stores it and no GraphQL field exposes it.
   */
  traceparent?: string;
}

/** A stream event of any kind of one family, discriminated by `kind`. */
export type AnyEventOf<F extends Family> = { [K in KindOf<F>]: StreamEvent<F, K> }[KindOf<F>] | StreamEvent<F, 'GAP'>;

/**
 * The GAP standing for events of `topic` up to `seq` that this subscriber will not get one by one
 * (trimmed by retention, or dropped while it was behind): its cursor resumes after them; the client refetches.
 */
export function gapEvent(topic: string, seq: number): BusEvent {
  return { topic, seq, kind: 'GAP', data: {}, at: new Date().toISOString() };
}

/** An ephemeral event (typing, presence, queue position): no seq, never logged, never replayed. */
export function signalEvent<F extends Family, K extends KindOf<F>>(
  topic: Topic<F>,
  kind: K,
  data: StreamPayloads[F][K],
): StreamEvent<F, K> {
  return { topic: topic.name, seq: null, kind, data, at: new Date().toISOString() } as StreamEvent<F, K>;
}

/** Where an event sits in its stream: what cursors and envelopes need, whatever the family. */
export interface EventPosition {
  topic: string;
  seq: number | null;
  at: string;
}
