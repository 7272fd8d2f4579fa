/**
 * The one classifier (src/db/unavailable.ts) on the errors node-postgres and pg-pool really raise when
 * the database is saturated, produced here for real: a server that accepts but never answers (a box
 * too busy to finish the handshake) and a pool whose only connection is taken.
 */
import { createServer, type Socket } from 'node:net';
import pg from 'pg';
import { expect, it } from 'vitest';
import { isDatabaseUnavailable } from '../../src/db/unavailable.js';

async function silentServer() {
  const sockets: Socket[] = [];
  const server = createServer((socket) => sockets.push(socket));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `postgres://nobody@127.0.0.1:${port}/none`,
    close: () => {
      for (const socket of sockets) socket.destroy();
      server.close();
    },
  };
}

it('a connection that does not open in time ("timeout expired") and a pool wait that times out are UNAVAILABLE', async () => {
  const silent = await silentServer();
  try {
    const client = new pg.Client({ connectionString: silent.url, connectionTimeoutMillis: 50 });
    const connectError = await client.connect().then(
      () => null,
      (error: unknown) => error,
    );
    expect((connectError as Error).message).toBe('timeout expired');
    expect(isDatabaseUnavailable(connectError)).toBe(true);

    const pool = new pg.Pool({ connectionString: silent.url, max: 1, connectionTimeoutMillis: 50 });
    pool.on('error', () => {});
    const waitError = await pool.query('SELECT 1').then(
      () => null,
      (error: unknown) => error,
    );
    expect(isDatabaseUnavailable(waitError)).toBe(true);
    await pool.end().catch(() => {});
  } finally {
    silent.close();
  }
});

it('is not fooled by ordinary errors that mention a timeout', () => {
  expect(isDatabaseUnavailable(new Error('the booking timeout expired for event 3'))).toBe(false);
  expect(isDatabaseUnavailable({ code: '23505', message: 'duplicate key' })).toBe(false);
  expect(isDatabaseUnavailable({ code: '53300', message: 'sorry, too many clients already' })).toBe(true);
});
