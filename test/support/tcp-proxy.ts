/**
 * A TCP proxy for fault tests: sits between Pulse and PostgreSQL or Redis. `cut()` resets every open
 * connection and every new one (as a dead database host or a network partition would, from the
 * client's side: connections fail at once), `restore()` forwards again. Same port throughout.
 */
import net from 'node:net';

export interface TcpProxy {
  port: number;
  /** `host:port` of the proxy, for building URLs. */
  address: string;
  cut(): void;
  restore(): void;
  close(): Promise<void>;
}

export async function startTcpProxy(targetHost: string, targetPort: number): Promise<TcpProxy> {
  let open = true;
  const pairs = new Set<net.Socket>();
  const server = net.createServer((client) => {
    if (!open) return void client.resetAndDestroy();
    const upstream = net.connect(targetPort, targetHost);
    pairs.add(client).add(upstream);
    const end = () => {
      pairs.delete(client);
      pairs.delete(upstream);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    address: `127.0.0.1:${port}`,
    cut() {
      open = false;
      for (const socket of pairs) socket.resetAndDestroy();
      pairs.clear();
    },
    restore() {
      open = true;
    },
    close() {
      open = false;
      for (const socket of pairs) socket.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

/** Replaces host and port of a URL with the proxy's. */
export function viaProxy(url: string, proxy: TcpProxy): string {
  const parsed = new URL(url);
  parsed.hostname = '127.0.0.1';
  parsed.port = String(proxy.port);
  return parsed.toString();
}
