/**
 * What the bus holds in Redis, read the same way on a single node (classic channels: PUBSUB CHANNELS /
 * NUMSUB) and on a Redis Cluster (sharded channels: PUBSUB SHARDCHANNELS / SHARDNUMSUB on every primary).
 */
import { Cluster, Redis } from 'ioredis';
import { TEST_BUS, TEST_REDIS_CLUSTER_NODES, TEST_REDIS_URL } from './database.js';
import { waitUntil } from './wait.js';

export interface BusInspector {
  /** Connections subscribed to `channel` (on a cluster: summed over the primaries). */
  subscribers(channel: string): Promise<number>;
  /** Channels matching `pattern` with at least one subscriber. */
  channels(pattern: string): Promise<string[]>;
  close(): Promise<void>;
}

/** Seed nodes from TEST_REDIS_CLUSTER_NODES (`host:port,…`). */
export function clusterSeeds(list = TEST_REDIS_CLUSTER_NODES ?? ''): { host: string; port: number }[] {
  return list
    .split(',')
    .filter(Boolean)
    .map((entry) => {
      const [host, port] = entry.split(':');
      return { host, port: Number(port) };
    });
}

export async function inspectBus(): Promise<BusInspector> {
  if (TEST_BUS === 'redis') {
    const redis = new Redis(TEST_REDIS_URL!);
    return {
      async subscribers(channel) {
        const [, count] = (await redis.pubsub('NUMSUB', channel)) as [string, number];
        return Number(count);
      },
      channels: async (pattern) => (await redis.pubsub('CHANNELS', pattern)) as string[],
      close: async () => void (await redis.quit()),
    };
  }
  const cluster = new Cluster(clusterSeeds());
  await waitUntil(() => cluster.status === 'ready', 'a Redis Cluster client');
  const primaries = () => cluster.nodes('master');
  return {
    async subscribers(channel) {
      const replies = await Promise.all(
        primaries().map((node) => node.call('PUBSUB', 'SHARDNUMSUB', channel) as Promise<[string, number]>),
      );
      return replies.reduce((sum, [, count]) => sum + Number(count), 0);
    },
    async channels(pattern) {
      const replies = await Promise.all(primaries().map((node) => node.call('PUBSUB', 'SHARDCHANNELS', pattern) as Promise<string[]>));
      return replies.flat();
    },
    close: async () => void (await cluster.quit()),
  };
}
