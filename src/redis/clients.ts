/**
 * The Redis connections of one instance (scaled mode), in one of two shapes:
 *
 * - **single** (`REDIS_URL`): `command` for publishing and shared state (presence, rate limits), and a
 *   second connection for classic channel subscriptions (a subscribed connection can run nothing else).
 * - **cluster** (`REDIS_CLUSTER_NODES`, seed nodes): an ioredis `Cluster` routes every command to the
 *   shard that owns its key's slot, and a second one keeps one subscriber connection per primary for
 *   **sharded** pub/sub (`SSUBSCRIBE`/`SPUBLISH`): a channel's traffic touches only the shard that owns
 *   it. When a primary fails over, the cluster client refreshes its slot map and re-subscribes the
 *   channels of that shard on the new owner by itself.
 *
 * Either way the bus sees one `Channels` interface, and every key the instance writes lives in one
 * slot per command (see presence/store.ts for the hash tags). Owned by the composition root (app.ts).
 */
import { RedisPubSub } from 'graphql-redis-subscriptions';
import { Cluster, Redis } from 'ioredis';

/** A connection that runs commands: a single node, or a cluster that routes each to its shard. */
export type RedisCommands = Redis | Cluster;

export interface RedisTarget {
  url: string | null;
  /** Seed nodes of a Redis Cluster; mutually exclusive with `url`. */
  clusterNodes: { host: string; port: number }[] | null;
}

/** Pub/sub on the bus's channels: classic on a single node, sharded on a cluster. */
export interface Channels {
  readonly sharded: boolean;
  /** Publishes `message` as JSON. */
  publish(channel: string, message: object): Promise<unknown>;
  subscribe(channel: string): Promise<unknown>;
  unsubscribe(channel: string): Promise<unknown>;
  /** Every message of a subscribed channel, once. */
  onMessage(listener: (channel: string, message: string) => void): void;
  /** Whether the subscriptions are live now (messages may have been missed while they were not). */
  readonly live: boolean;
  /**
   * `false` when a subscriber connection drops (messages published meanwhile are lost to this
   * instance), `true` once every subscription is back. On a cluster any shard's trouble counts.
   */
  onLinkChange(listener: (live: boolean) => void): void;
}

export interface RedisClients {
  readonly mode: 'single' | 'cluster';
  command: RedisCommands;
  channels: Channels;
  /** true when `command` answers PING within two seconds (on a cluster: every primary does). */
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

// While Redis is unreachable, commands wait in ioredis's offline queue for at most `commandTimeout`,
// then fail: nothing (a publish, a rate-limit check, /readyz) hangs forever.
const NODE_OPTIONS = { maxRetriesPerRequest: null, enableReadyCheck: true, commandTimeout: 5_000 };
// Subscriber connections have no command timeout: on a saturated event loop the timer fires before the
// reply that already arrived is read, failing a (UN)SUBSCRIBE that succeeded. The bus bounds a channel
// subscription by the link's state instead (streams/bus.ts).
const SUBSCRIBER_OPTIONS = { maxRetriesPerRequest: null, enableReadyCheck: true };

export function connectRedis(target: RedisTarget, onError: (error: Error) => void): RedisClients {
  let lastReport = 0;
  // ioredis reconnects by itself; without a listener each failed attempt is an "Unhandled error event".
  const report = (error: Error) => {
    if (Date.now() - lastReport < 30_000) return;
    lastReport = Date.now();
    onError(error);
  };
  if (target.clusterNodes) return connectCluster(target.clusterNodes, report);
  if (!target.url) throw new Error('connectRedis needs a URL or cluster nodes');
  return connectSingle(target.url, report);
}

function connectSingle(url: string, report: (error: Error) => void): RedisClients {
  const command = new Redis(url, NODE_OPTIONS);
  const subscriber = new Redis(url, SUBSCRIBER_OPTIONS);
  for (const client of [command, subscriber]) client.on('error', report);
  // Publishing goes through graphql-redis-subscriptions (JSON on the channel). Channels are subscribed
  // with ioredis directly: the library would count listeners again on top of the bus's, and while
  // Redis is unreachable its SUBSCRIBE and UNSUBSCRIBE leave rejected promises nobody handles, which
  // end a Node process; here every command's failure reaches a caller. (It has no sharded publish.)
  const publisher = new RedisPubSub({ publisher: command, subscriber: command });
  return {
    mode: 'single',
    command,
    channels: {
      sharded: false,
      publish: (channel, message) => publisher.publish(channel, message),
      subscribe: (channel) => subscriber.subscribe(channel),
      unsubscribe: (channel) => subscriber.unsubscribe(channel),
      onMessage: (listener) => void subscriber.on('message', listener),
      get live() {
        return subscriber.status === 'ready';
      },
      onLinkChange(listener) {
        subscriber.on('close', () => listener(false));
        subscriber.on('ready', () => listener(true));
      },
    },
    ping: () => answers(command.ping()),
    async close() {
      // QUIT on a connection that is not up would wait for its command timeout: just drop it.
      await Promise.allSettled([command, subscriber].map((client) => (client.status === 'ready' ? client.quit() : client.disconnect())));
    },
  };
}

function connectCluster(nodes: { host: string; port: number }[], report: (error: Error) => void): RedisClients {
  const options = {
    // A failed-over primary is found by the next slot refresh (also triggered by MOVED and by a
    // subscriber connection that ended); this bounds how long a quiet instance keeps a stale map.
    slotsRefreshInterval: 2_000,
    clusterRetryStrategy: (times: number) => Math.min(100 * times, 2_000),
  };
  // Two clients, as on a single node: commands (with a command timeout), and the sharded subscribers
  // (one connection per primary, without one: SUBSCRIBER_OPTIONS).
  const commands = new Cluster(nodes, { ...options, redisOptions: NODE_OPTIONS });
  const cluster = new Cluster(nodes, { ...options, shardedSubscribers: true, redisOptions: SUBSCRIBER_OPTIONS });
  for (const client of [commands, cluster]) {
    client.on('error', report);
    client.on('nodeError', report);
  }
  return {
    mode: 'cluster',
    command: commands,
    channels: {
      sharded: true,
      publish: (channel, message) => commands.spublish(channel, JSON.stringify(message)),
      subscribe: (channel) => cluster.ssubscribe(channel),
      unsubscribe: (channel) => cluster.sunsubscribe(channel),
      onMessage: (listener) => void cluster.on('smessage', listener),
      get live() {
        return cluster.status === 'ready';
      },
      onLinkChange(listener) {
        // A shard's subscriber ending or failing ('-node', 'nodeError'), or the whole client: down
        // until the subscriber group has re-subscribed every channel on the current owners.
        for (const event of ['close', '-node', 'nodeError']) cluster.on(event, () => listener(false));
        for (const event of ['ready', 'subscribersReady']) cluster.on(event, () => listener(true));
      },
    },
    ping: () =>
      answers(Promise.all(commands.nodes('master').map((node) => node.ping())).then((replies) => (replies.length > 0 ? 'PONG' : ''))),
    async close() {
      await Promise.allSettled(
        [commands, cluster].map((client) =>
          client.status === 'ready' ? client.quit().catch(() => client.disconnect()) : client.disconnect(),
        ),
      );
    },
  };
}

/** true when `pong` is PONG within two seconds. */
async function answers(pong: Promise<string>): Promise<boolean> {
  const timeout = new Promise<string>((resolve) => setTimeout(() => resolve('timeout'), 2_000).unref());
  const reply = pong.then(
    (value) => (value === 'PONG' ? value : 'failed'),
    () => 'failed',
  ); // may settle after the race is lost
  return (await Promise.race([reply, timeout])) === 'PONG';
}
