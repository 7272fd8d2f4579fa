/**
 * The Redis connections of one instance (scaled mode): `command` for publishing and shared state
 * (presence, rate limits), `subscriber` for the bus's channel subscriptions (a subscribed
 * connection can run nothing else). Owned by the composition root (app.ts), which closes them.
 */
import { Redis } from 'ioredis';

export interface RedisClients {
  command: Redis;
  subscriber: Redis;
  /** true when `command` answers PING within two seconds. */
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

export function connectRedis(url: string, onError: (error: Error) => void): RedisClients {
  // While Redis is unreachable, commands wait in ioredis's offline queue for at most
  // `commandTimeout`, then fail: nothing (a publish, a rate-limit check, /readyz) hangs forever.
  const options = { maxRetriesPerRequest: null, enableReadyCheck: true, lazyConnect: false, commandTimeout: 5_000 };
  const command = new Redis(url, options);
  const subscriber = new Redis(url, options);
  // ioredis reconnects by itself; without a listener each failed attempt is an "Unhandled error event".
  let lastReport = 0;
  for (const client of [command, subscriber]) {
    client.on('error', (error: Error) => {
      if (Date.now() - lastReport < 30_000) return;
      lastReport = Date.now();
      onError(error);
    });
  }
  return {
    command,
    subscriber,
    async ping() {
      const timeout = new Promise<string>((resolve) => setTimeout(() => resolve('timeout'), 2_000).unref());
      const pong = command.ping().catch(() => 'failed'); // may settle after the race is lost
      return (await Promise.race([pong, timeout])) === 'PONG';
    },
    async close() {
      // QUIT on a connection that is not up would wait for its command timeout: just drop it.
      await Promise.allSettled([command, subscriber].map((client) => (client.status === 'ready' ? client.quit() : client.disconnect())));
    },
  };
}
