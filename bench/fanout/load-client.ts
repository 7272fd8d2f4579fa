/** Fan-out bench, child role `load`: opens the subscriber sockets and reports when every one received an event. */
import WebSocket from 'ws';
import { type Msg, now, QUERY } from './protocol.js';

export async function load(): Promise<void> {
  const sockets: WebSocket[] = [];
  let receipts: Map<number, number[]> = new Map();
  let expected = 0;
  process.on('message', async (msg: Msg) => {
    if (msg.type === 'connect') {
      const { url, count, protocol, rate, variables } = msg as unknown as {
        url: string;
        count: number;
        protocol: string;
        rate: number;
        variables: Record<string, unknown>;
      };
      let acked = 0;
      let failed = 0;
      const reasons: Record<string, number> = {};
      const started = now();
      const opening: Promise<void>[] = [];
      for (let i = 0; i < count; i++) {
        if (rate > 0 && i % 100 === 0) {
          const due = started + (i / rate) * 1000;
          if (due > now()) await new Promise((r) => setTimeout(r, due - now()));
        }
        opening.push(
          new Promise<void>((resolve) => {
            const ws = new WebSocket(url, protocol === 'raw' ? undefined : 'graphql-transport-ws');
            let settled = false;
            const settle = (ok: boolean, reason = '') => {
              if (settled) return;
              settled = true;
              ok ? acked++ : failed++;
              if (!ok) reasons[reason] = (reasons[reason] ?? 0) + 1;
              resolve();
            };
            ws.on('error', (error: Error & { code?: string }) => settle(false, error.code ?? error.message));
            ws.on('close', (code: number) => settle(false, `close ${code}`));
            ws.on('open', () => {
              sockets.push(ws);
              if (protocol === 'raw') settle(true);
              else ws.send(JSON.stringify({ type: 'connection_init', payload: {} }));
            });
            ws.on('message', (data: Buffer) => {
              const text = data.toString();
              if (!settled && text.includes('"connection_ack"')) {
                ws.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: QUERY, variables } }));
                settle(true);
                return;
              }
              const at = text.indexOf('"game":"e');
              if (at < 0) {
                if (text.includes('"type":"next"')) record(-1);
                return;
              }
              record(parseInt(text.slice(at + 9, at + 17), 10));
            });
          }),
        );
      }
      await Promise.all(opening);
      if (failed > 0) console.error(`load client: ${failed} connections failed:`, reasons);
      process.send!({ type: 'connected', acked, failed, seconds: (now() - started) / 1000 });
    } else if (msg.type === 'expect') {
      expected = msg.count as number;
      receipts = new Map();
    } else if (msg.type === 'close') {
      for (const ws of sockets.splice(0)) ws.terminate();
      process.send!({ type: 'closed' });
    }
  });
  function record(k: number): void {
    let list = receipts.get(k);
    if (!list) receipts.set(k, (list = []));
    list.push(now());
    if (list.length === expected) process.send!({ type: 'received', k, times: list });
  }
  process.send!({ type: 'ready' });
}
