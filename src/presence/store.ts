/**
 * Where presence lives: which instances hold an open connection of each user.
 *
 * Embedded mode has one instance, so an in-process set is the whole truth. With Redis, every
 * instance keeps one entry per connected user, `<prefix>presence:user:<userId>` (a hash of
 * instanceId -> expiry in ms), mirrored in the sorted set `<prefix>presence:expiries` (member
 * `<instanceId>\n<userId>`, score = expiry) so expired entries can be found without scanning.
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
 * The sweep derives user keys from zset members, so all keys must live on one Redis (or one shard).
 */
import type { Redis } from 'ioredis';

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
  /** Which of `userIds` are online, as of `version`. */
  status(userIds: string[]): Promise<{ online: Set<string>; version: number }>;
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

  async status(userIds: string[]): Promise<{ online: Set<string>; version: number }> {
    return { online: new Set(userIds.filter((id) => this.online.has(id))), version: this.clock };
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

/** Scaled mode: entries per instance in Redis, expiring when an instance stops refreshing them. */
export class RedisPresenceStore implements PresenceStore {
  private readonly scripts: Record<'join' | 'leave' | 'refresh' | 'sweep' | 'status', Script>;

  constructor(
    redis: Redis,
    private readonly prefix: string,
    private readonly instanceId: string,
    private readonly ttlMs: number,
  ) {
    // ioredis sends EVAL the first time on a connection and EVALSHA after, in command order.
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

  private userKey(userId: string): string {
    return `${this.prefix}presence:user:${userId}`;
  }

  private get expiries(): string {
    return `${this.prefix}presence:expiries`;
  }

  async join(userId: string): Promise<number | null> {
    const version = Number(await this.scripts.join(this.userKey(userId), this.expiries, this.instanceId, userId, this.ttlMs));
    return version || null;
  }

  async leave(userId: string): Promise<number | null> {
    const version = Number(await this.scripts.leave(this.userKey(userId), this.expiries, this.instanceId, userId));
    return version || null;
  }

  async refresh(userIds: string[]): Promise<Transition[]> {
    const batches: string[][] = [];
    for (let i = 0; i < userIds.length; i += REFRESH_BATCH) batches.push(userIds.slice(i, i + REFRESH_BATCH));
    // All batches are queued at once, before any later leave of the same users.
    const replies = await Promise.all(
      batches.map(
        (batch) =>
          this.scripts.refresh(
            batch.length + 1,
            this.expiries,
            ...batch.map((id) => this.userKey(id)),
            this.instanceId,
            this.ttlMs,
            ...batch,
          ) as Promise<[number, string[]]>,
      ),
    );
    return replies.flatMap(([version, ids]) => ids.map((userId) => ({ userId, version: Number(version) })));
  }

  async sweep(): Promise<Transition[]> {
    const gone: Transition[] = [];
    for (;;) {
      const [version, ids, seen] = (await this.scripts.sweep(this.expiries, this.userKey(''), SWEEP_BATCH)) as [number, string[], number];
      gone.push(...ids.map((userId) => ({ userId, version: Number(version) })));
      if (Number(seen) < SWEEP_BATCH) return gone;
    }
  }

  async status(userIds: string[]): Promise<{ online: Set<string>; version: number }> {
    const [version, flags] = (await this.scripts.status(userIds.length, ...userIds.map((id) => this.userKey(id)))) as [number, number[]];
    return { online: new Set(userIds.filter((_, i) => Number(flags[i]) === 1)), version: Number(version) };
  }
}
