/**
 * Where presence lives: which instances hold an open connection of each user.
 *
 * Embedded mode has one instance, so an in-process set is the whole truth. With Redis, every
 * instance keeps one entry per connected user, `<prefix>presence:{pN}:user:<userId>` (a hash of
 * instanceId -> expiry in ms), mirrored in the sorted set `<prefix>presence:{pN}:expiries` (member
 * `<instanceId>\n<userId>`, score = expiry) so expired entries can be found without scanning.
 *
 * `N` is the user's bucket (a hash of the id, 0..BUCKETS-1) and `{pN}` a Redis Cluster hash tag: a
 * user's hash and the expiries set it is mirrored in share one slot, so every script touches keys of
 * one slot (no CROSSSLOT), and the BUCKETS slots spread presence over the shards of a cluster. On a
 * single node the tags are just part of the names. Batches (refresh, sweep, status) run per bucket.
 *
 * Expiry: an instance refreshes its entries every heartbeat (`HEARTBEAT_MS`) to now + TTL, where
 * TTL is `PRESENCE_TTL_MS` (default max(2 x HEARTBEAT_MS, 10 s), i.e. 60 s with the 30 s heartbeat)
 * and never less than two heartbeats, so one late refresh does not flap a user. Every instance
 * sweeps expired entries each heartbeat, so the users of an instance that died without cleaning up
 * go OFFLINE at most TTL + one heartbeat after its last refresh (90 s with the defaults).
 *
 * Each transition is decided by one Lua script (atomic in Redis): a user comes online when an entry
 * is added while none was live, and goes offline when the script removing the last live entry runs.
 * Exactly one script sees that, so two instances closing at once announce exactly one OFFLINE.
 * Scripts read Redis's clock (TIME), so instance clocks do not matter, and return it as the
 * transition's `version` (microseconds): watchers order events from different instances by it.
 * The sweep derives user keys from zset members, so a bucket's keys all live on one shard.
 * A user's transitions are all decided on the shard of its bucket, so its versions come from one clock.
 */
import type { RedisCommands } from '../redis/clients.js';

/** A user whose status changed, and the version (time) of the change. */
export interface Transition {
  userId: string;
  version: number;
}

export interface PresenceStore {
  /** Records a connection of the user on this instance; the version when the user just came online, else null. */
  join(userId: string): Promise<number | null>;
  /** Drops this instance's entry; the version when that made the user offline, else null. */
  leave(userId: string): Promise<number | null>;
  /** Extends this instance's entries; users whose entry had vanished (swept) come back online. */
  refresh(userIds: string[]): Promise<Transition[]>;
  /** Removes expired entries; users whose last live entry expired have gone offline. */
  sweep(): Promise<Transition[]>;
  /** Whether each of `userIds` is online, and the version (time) that status is as of. */
  status(userIds: string[]): Promise<Map<string, { online: boolean; version: number }>>;
}

/** Embedded mode: one instance, so the users connected here are everyone who is online. */
export class LocalPresenceStore implements PresenceStore {
  private readonly online = new Set<string>();
  private clock = 0;

  async join(userId: string): Promise<number | null> {
    if (this.online.has(userId)) return null;
    this.online.add(userId);
    return ++this.clock;
  }

  async leave(userId: string): Promise<number | null> {
    return this.online.delete(userId) ? ++this.clock : null;
  }

  async refresh(): Promise<Transition[]> {
    return [];
  }

  async sweep(): Promise<Transition[]> {
    return [];
  }

  async status(userIds: string[]): Promise<Map<string, { online: boolean; version: number }>> {
    return new Map(userIds.map((id) => [id, { online: this.online.has(id), version: this.clock }]));
  }
}

// Every script starts with Redis's clock: `now` in ms for expiries, `version` in microseconds.
const CLOCK = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local version = tonumber(t[1]) * 1000000 + tonumber(t[2])
local function live(key)
  local entries = redis.call('HGETALL', key)
  for i = 1, #entries, 2 do
    if tonumber(entries[i + 1]) > now then return true end
  end
  return false
end
-- Removes a user's remaining (expired) entries, once the user has been announced offline.
local function clear(key, zset, userId)
  local entries = redis.call('HGETALL', key)
  for i = 1, #entries, 2 do redis.call('ZREM', zset, entries[i] .. '\\n' .. userId) end
  redis.call('DEL', key)
end
`;

/** KEYS: user hash, expiries zset. ARGV: instanceId, userId, ttlMs. */
const JOIN = `${CLOCK}
local wasLive = live(KEYS[1])
local expiry = now + tonumber(ARGV[3])
redis.call('HSET', KEYS[1], ARGV[1], expiry)
redis.call('ZADD', KEYS[2], expiry, ARGV[1] .. '\\n' .. ARGV[2])
if wasLive then return 0 end
return version`;

/** KEYS: user hash, expiries zset. ARGV: instanceId, userId. */
const LEAVE = `${CLOCK}
local removed = redis.call('HDEL', KEYS[1], ARGV[1])
redis.call('ZREM', KEYS[2], ARGV[1] .. '\\n' .. ARGV[2])
-- Already swept: whoever removed it announced what followed.
if removed == 0 or live(KEYS[1]) then return 0 end
clear(KEYS[1], KEYS[2], ARGV[2])
return version`;

/** KEYS: expiries zset, then one user hash per user. ARGV: instanceId, ttlMs, then the user ids. */
const REFRESH = `${CLOCK}
local expiry = now + tonumber(ARGV[2])
local back = {}
for i = 2, #KEYS do
  local userId = ARGV[i + 1]
  local existed = redis.call('HEXISTS', KEYS[i], ARGV[1]) == 1
  local wasLive = existed or live(KEYS[i])
  redis.call('HSET', KEYS[i], ARGV[1], expiry)
  redis.call('ZADD', KEYS[1], expiry, ARGV[1] .. '\\n' .. userId)
  if not wasLive then table.insert(back, userId) end
end
return {version, back}`;

/** KEYS: expiries zset. ARGV: user key prefix, batch size. */
const SWEEP = `${CLOCK}
local members = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', 0, tonumber(ARGV[2]))
local gone = {}
for _, member in ipairs(members) do
  local sep = string.find(member, '\\n', 1, true)
  local instance = string.sub(member, 1, sep - 1)
  local userId = string.sub(member, sep + 1)
  local key = ARGV[1] .. userId
  redis.call('ZREM', KEYS[1], member)
  local expiry = redis.call('HGET', key, instance)
  if expiry and tonumber(expiry) > now then
    redis.call('ZADD', KEYS[1], expiry, member)
  elseif expiry then
    redis.call('HDEL', key, instance)
    if not live(key) then
      clear(key, KEYS[1], userId)
      table.insert(gone, userId)
    end
  end
end
return {version, gone, #members}`;

/** KEYS: one user hash per user. */
const STATUS = `${CLOCK}
local online = {}
for i = 1, #KEYS do online[i] = live(KEYS[i]) and 1 or 0 end
return {version, online}`;

type Script = (...args: (string | number)[]) => Promise<unknown>;

const SWEEP_BATCH = 1000;
const REFRESH_BATCH = 1000;
/** Presence buckets, each one hash tag (one cluster slot): enough to spread over many shards. */
export const PRESENCE_BUCKETS = 16;

/** The bucket of a user: a stable hash of the id (FNV-1a), so every instance agrees. */
export function bucketOf(userId: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < userId.length; i++) hash = Math.imul(hash ^ userId.charCodeAt(i), 0x01000193);
  return (hash >>> 0) % PRESENCE_BUCKETS;
}

/** `ids` grouped by bucket, each group split in batches of at most `size`. */
function batchesByBucket(ids: string[], size: number): { bucket: number; ids: string[] }[] {
  const buckets = new Map<number, string[]>();
  for (const id of ids) {
    const bucket = bucketOf(id);
    const list = buckets.get(bucket);
    if (list) list.push(id);
    else buckets.set(bucket, [id]);
  }
  const batches: { bucket: number; ids: string[] }[] = [];
  for (const [bucket, list] of buckets) {
    for (let i = 0; i < list.length; i += size) batches.push({ bucket, ids: list.slice(i, i + size) });
  }
  return batches;
}

/** Scaled mode: entries per instance in Redis, expiring when an instance stops refreshing them. */
export class RedisPresenceStore implements PresenceStore {
  private readonly scripts: Record<'join' | 'leave' | 'refresh' | 'sweep' | 'status', Script>;

  constructor(
    redis: RedisCommands,
    private readonly prefix: string,
    private readonly instanceId: string,
    private readonly ttlMs: number,
  ) {
    // ioredis sends EVAL the first time on a connection and EVALSHA after, in command order; a
    // cluster routes each call by its first key.
    const define = (name: string, lua: string, keys?: number): Script => {
      redis.defineCommand(name, { lua, numberOfKeys: keys });
      return (...args) => (redis as unknown as Record<string, Script>)[name](...args);
    };
    this.scripts = {
      join: define('pulsePresenceJoin', JOIN, 2),
      leave: define('pulsePresenceLeave', LEAVE, 2),
      refresh: define('pulsePresenceRefresh', REFRESH),
      sweep: define('pulsePresenceSweep', SWEEP, 1),
      status: define('pulsePresenceStatus', STATUS),
    };
  }

  /** The keys of a bucket start with this; `{pN}` is the hash tag. */
  private bucketPrefix(bucket: number): string {
    return `${this.prefix}presence:{p${bucket}}:`;
  }

  private userKey(userId: string, bucket = bucketOf(userId)): string {
    return `${this.bucketPrefix(bucket)}user:${userId}`;
  }

  private expiries(bucket: number): string {
    return `${this.bucketPrefix(bucket)}expiries`;
  }

  async join(userId: string): Promise<number | null> {
    const bucket = bucketOf(userId);
    const version = Number(
      await this.scripts.join(this.userKey(userId, bucket), this.expiries(bucket), this.instanceId, userId, this.ttlMs),
    );
    return version || null;
  }

  async leave(userId: string): Promise<number | null> {
    const bucket = bucketOf(userId);
    const version = Number(await this.scripts.leave(this.userKey(userId, bucket), this.expiries(bucket), this.instanceId, userId));
    return version || null;
  }

  async refresh(userIds: string[]): Promise<Transition[]> {
    // All batches are queued at once, before any later leave of the same users.
    const replies = await Promise.all(
      batchesByBucket(userIds, REFRESH_BATCH).map(
        ({ bucket, ids }) =>
          this.scripts.refresh(
            ids.length + 1,
            this.expiries(bucket),
            ...ids.map((id) => this.userKey(id, bucket)),
            this.instanceId,
            this.ttlMs,
            ...ids,
          ) as Promise<[number, string[]]>,
      ),
    );
    return replies.flatMap(([version, ids]) => ids.map((userId) => ({ userId, version: Number(version) })));
  }

  async sweep(): Promise<Transition[]> {
    const swept = await Promise.all(Array.from({ length: PRESENCE_BUCKETS }, (_, bucket) => this.sweepBucket(bucket)));
    return swept.flat();
  }

  private async sweepBucket(bucket: number): Promise<Transition[]> {
    const gone: Transition[] = [];
    for (;;) {
      const [version, ids, seen] = (await this.scripts.sweep(this.expiries(bucket), this.userKey('', bucket), SWEEP_BATCH)) as [
        number,
        string[],
        number,
      ];
      gone.push(...ids.map((userId) => ({ userId, version: Number(version) })));
      if (Number(seen) < SWEEP_BATCH) return gone;
    }
  }

  async status(userIds: string[]): Promise<Map<string, { online: boolean; version: number }>> {
    const result = new Map<string, { online: boolean; version: number }>();
    await Promise.all(
      batchesByBucket(userIds, REFRESH_BATCH).map(async ({ bucket, ids }) => {
        const keys = ids.map((id) => this.userKey(id, bucket));
        const [version, flags] = (await this.scripts.status(keys.length, ...keys)) as [number, number[]];
        for (const [i, id] of ids.entries()) result.set(id, { online: Number(flags[i]) === 1, version: Number(version) });
      }),
    );
    return result;
  }
}
