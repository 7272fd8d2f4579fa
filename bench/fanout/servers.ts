/** Fan-out bench, child role `serve`: one server (raw ws, Yoga, Pulse embedded or on PostgreSQL + Redis) driven over IPC. */
import { WebSocketServer } from 'ws';
import { type Msg, now } from './protocol.js';

export async function serve(kind: string, role: string, extra: Record<string, string>): Promise<void> {
  let trigger: (k: number) => Promise<void>;
  let port = 0;
  let stats = (): Record<string, unknown> => ({});
  let replaySetup: ((count: number) => Promise<string>) | null = null;

  if (kind === 'raw') {
    const wss = new WebSocketServer({ port: 0, host: '127.0.0.1', backlog: 16384 });
    await new Promise((r) => wss.once('listening', r));
    port = (wss.address() as { port: number }).port;
    trigger = async (k) => {
      const frame = JSON.stringify({
        id: '1',
        type: 'next',
        payload: {
          data: {
            matchFeed: {
              kind: 'POSTED',
              cursor: 'x',
              at: new Date().toISOString(),
              match: { id: `m${k}`, region: 'NA', status: 'OPEN', game: `e${k}`, slots: 3, creator: { id: 'u1', username: 'bench' } },
            },
          },
        },
      });
      for (const client of wss.clients) client.send(frame);
    };
  } else if (kind === 'yoga') {
    const { createYoga, createSchema, createPubSub } = await import('graphql-yoga');
    const { useServer } = await import('graphql-ws/use/ws');
    const { createServer } = await import('node:http');
    const pubSub = createPubSub<{ matchFeed: [string, unknown] }>();
    const yoga = createYoga({
      schema: createSchema({
        typeDefs: `type Query { ok: Boolean } type User { id: ID! username: String! } type Match { id: ID! region: String! status: String! game: String! slots: Int! creator: User! }
          type MatchFeedEvent { kind: String! cursor: String! at: String! match: Match } enum Region { NA EU }
          type Subscription { matchFeed(region: Region!, after: String): MatchFeedEvent! }`,
        resolvers: {
          Subscription: {
            matchFeed: {
              subscribe: (_: unknown, args: { region: string }) => pubSub.subscribe('matchFeed', args.region),
              resolve: (p: unknown) => p,
            },
          },
        },
      }),
      graphiql: false,
      logging: false,
    });
    const http = createServer(yoga);
    const wss = new WebSocketServer({ server: http, path: yoga.graphqlEndpoint });
    useServer(
      {
        execute: (args: any) => args.rootValue.execute(args),
        subscribe: (args: any) => args.rootValue.subscribe(args),
        onSubscribe: async (ctx, _id, params) => {
          const { schema, execute, subscribe, contextFactory, parse, validate } = yoga.getEnveloped({
            ...ctx,
            req: ctx.extra.request,
            socket: ctx.extra.socket,
            params,
          });
          const args = {
            schema,
            operationName: params.operationName,
            document: parse(params.query),
            variableValues: params.variables,
            contextValue: await contextFactory(),
            rootValue: { execute, subscribe },
          };
          const errors = validate(args.schema, args.document);
          return errors.length ? errors : args;
        },
      },
      wss,
    );
    await new Promise<void>((r) => http.listen({ port: 0, host: '127.0.0.1', backlog: 16384 }, r));
    port = (http.address() as { port: number }).port;
    trigger = async (k) =>
      pubSub.publish('matchFeed', 'NA', {
        kind: 'POSTED',
        cursor: 'x',
        at: new Date().toISOString(),
        match: { id: `m${k}`, region: 'NA', status: 'OPEN', game: `e${k}`, slots: 3, creator: { id: 'u1', username: 'bench' } },
      });
  } else {
    // The compiled server (dist/, built by the parent), as production runs it: tsx's build gives every
    // function a name helper, which costs memory per socket and time per event.
    const compiled = (module: string) => import(new URL(`../../dist/${module}.js`, import.meta.url).href);
    const { loadConfig } = (await compiled('config')) as typeof import('../../src/config.js');
    const { createPulse } = (await compiled('app')) as typeof import('../../src/app.js');
    const { postMatch } = (await compiled('matches/service')) as typeof import('../../src/matches/service.js');
    const { Topics } = (await compiled('streams/index')) as typeof import('../../src/streams/index.js');
    const target =
      kind === 'pulse' ? { kind: 'pglite' as const, dir: null } : { kind: 'postgres' as const, url: extra.url, schema: extra.schema };
    const config = loadConfig(
      { NODE_ENV: 'test', LOG_LEVEL: 'silent', JWT_SECRET: 'bench-secret-bench-secret-bench-secret-0123' },
      {
        port: 0,
        host: '127.0.0.1',
        database: target,
        redisUrl: kind === 'pg' ? extra.redis : null,
        redisPrefix: `bench-${extra.schema ?? 'x'}:`,
        rateLimitPerMinute: 10_000_000,
        maxConnectionsPerIp: 1_000_000,
        seedDemoData: false,
        instanceId: role,
      },
    );
    const pulse = await createPulse(config);
    port = (await pulse.server.listen(0, '127.0.0.1')).port;
    const { prisma, streams, subscriptionStats } = pulse.services;
    const user = await prisma.user.upsert({
      where: { username: 'bench' },
      update: {},
      create: { username: 'bench', displayName: 'Bench', passwordHash: 'x' },
    });
    trigger = async (k) => void (await postMatch(pulse.services, user.id, { game: `e${k}`, region: 'NA', slots: 3 }));
    stats = () => ({ live: subscriptionStats.liveCount() });
    replaySetup = async (count) => {
      const match = await postMatch(pulse.services, user.id, { game: 'replayed', region: 'EU', slots: 3 });
      for (let i = 0; i < count; i += 500) {
        await streams.write(async (w) => {
          for (let j = i; j < Math.min(count, i + 500); j++) await w.append(Topics.region('EU'), 'UPDATED', { matchId: match.id });
        });
      }
      const { head } = (await compiled('streams/log')) as typeof import('../../src/streams/log.js');
      return String((await head(prisma, 'region:EU')).seq - count);
    };
  }

  process.on('message', async (msg: Msg) => {
    if (msg.type === 'trigger') {
      const t0 = now();
      await trigger(msg.k as number);
      process.send!({ type: 'triggered', k: msg.k, t0, t1: now() });
    } else if (msg.type === 'rss') {
      global.gc?.();
      await new Promise((r) => setTimeout(r, 200));
      // BENCH_HEAP_SNAPSHOT=<dir>: a heap snapshot at each measurement, to see where the bytes per connection go.
      if (process.env.BENCH_HEAP_SNAPSHOT)
        (await import('node:v8')).writeHeapSnapshot(`${process.env.BENCH_HEAP_SNAPSHOT}/${kind}-${Date.now()}.heapsnapshot`);
      process.send!({ type: 'rss', rss: process.memoryUsage().rss, ...stats() });
    } else if (msg.type === 'exit') {
      process.exit(0);
    } else if (msg.type === 'replay-setup') {
      process.send!({ type: 'replay-ready', seqBefore: await replaySetup!(msg.count as number) });
    }
  });
  process.send!({ type: 'ready', port });
}
