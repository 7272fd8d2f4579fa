/**
 * The fan-out grouping's safety net (transport/fanout-groups.ts): subscribers share one execution per
 * event unless their selection contains a field marked viewer-dependent (`extensions.viewerDependent`,
 * or a field with its own `authScopes`). A field that reads the viewer without that mark would hand
 * one viewer's answer to everyone in the group, a leak by omission.
 *
 * So: every path below every subscription field (to a depth of 4) is executed on real events of
 * every stream with a context that records reads of `viewer` (and of `loaders`, which are built for
 * the viewer). Wherever the execution read either, the grouping must have keyed the document per
 * viewer. The root field is resolved outside the recording (its own scopes are checked on subscribe).
 */
import {
  type DocumentNode,
  type GraphQLField,
  type GraphQLNamedType,
  GraphQLObjectType,
  GraphQLSchema,
  execute,
  getNamedType,
  isInterfaceType,
  isLeafType,
  isNonNullType,
  isObjectType,
  isUnionType,
  parse,
} from 'graphql';
import { describe, expect, it } from 'vitest';
import type { Context } from '../../src/context.js';
import { schema } from '../../src/schema/index.js';
import { createLoaders } from '../../src/schema/loaders.js';
import type { BusEvent } from '../../src/streams/index.js';
import { readRange } from '../../src/streams/log.js';
import { GroupKeys } from '../../src/transport/fanout-groups.js';
import { gqlOk } from '../support/client.js';
import { useTestServer } from '../support/setup.js';

const DEPTH = 4;

/** Selection paths below `type`: `a { b { c } }` for every leaf (or `__typename` where the depth ends). */
function paths(type: GraphQLNamedType, depth: number): string[] {
  if (isLeafType(type)) return [''];
  if (depth === 0) return [' { __typename }'];
  const found: string[] = [];
  if (isUnionType(type) || isInterfaceType(type)) {
    for (const possible of schema.getPossibleTypes(type)) {
      for (const path of paths(possible, depth)) found.push(` { ... on ${possible.name}${path} }`);
    }
  }
  if (isObjectType(type) || isInterfaceType(type)) {
    for (const field of Object.values(type.getFields()) as GraphQLField<unknown, unknown>[]) {
      if (field.args.some((arg) => isNonNullType(arg.type) && arg.defaultValue === undefined)) continue;
      for (const path of paths(getNamedType(field.type), depth - 1)) found.push(` { ${field.name}${path} }`);
    }
  }
  return found;
}

/** The subscription field's event type as the root of a query: its selection runs as the fan-out runs it, without the root field. */
function probeSchema(): GraphQLSchema {
  const subscription = schema.getSubscriptionType()!;
  const fields = Object.fromEntries(
    Object.values(subscription.getFields()).map((field) => [field.name, { type: field.type, resolve: (root: unknown) => root }]),
  );
  return new GraphQLSchema({
    query: new GraphQLObjectType({ name: 'Probe', fields }),
    types: Object.values(schema.getTypeMap()).filter(
      (t) => !t.name.startsWith('__') && t !== subscription && t !== schema.getQueryType() && t !== schema.getMutationType(),
    ),
  });
}

describe('fields that read the viewer are marked viewer-dependent', () => {
  const { server, users } = useTestServer('pglite', { users: ['alice', 'bob'] });

  it('every path of every stream, executed on real events, reads the viewer only where the grouping keys it per viewer', async () => {
    const { alice, bob } = users;
    const as =
      (token: string) =>
      (query: string, variables: Record<string, unknown> = {}) =>
        gqlOk(server.url, query, variables, token);
    // Events on every logged stream: the region feed, notifications, post activity, seats, a conversation.
    const match = (await as(alice.token)('mutation { postMatch(input: { game: "g", region: EU, slots: 2 }) { id } }')).postMatch;
    const application = (await as(bob.token)('mutation($m: ID!) { applyToMatch(matchId: $m, message: "hi") { id } }', { m: match.id }))
      .applyToMatch;
    await as(alice.token)('mutation($a: ID!) { acceptApplication(applicationId: $a) { id } }', { a: application.id });
    const post = (await as(alice.token)('mutation { createPost(content: "p") { id } }')).createPost;
    await as(bob.token)('mutation($p: ID!) { likePost(postId: $p) { id } }', { p: post.id });
    await as(bob.token)('mutation($p: ID!) { addComment(postId: $p, content: "c") { id } }', { p: post.id });
    await as(bob.token)(`mutation($u: ID!) { followUser(userId: $u) { id } }`, { u: alice.id });
    const event = (
      await as(alice.token)('mutation { createEvent(input: { title: "e", startsAt: "2030-01-01T00:00:00Z", capacity: 5 }) { id } }')
    ).createEvent;
    await as(bob.token)('mutation($e: ID!) { bookSeats(eventId: $e, seats: 2) { id } }', { e: event.id });
    const conversation = (
      await as(alice.token)('mutation($b: ID!) { createConversation(input: { kind: DIRECT, memberIds: [$b] }) { id } }', { b: bob.id })
    ).createConversation;
    await as(alice.token)('mutation($c: ID!) { sendMessage(conversationId: $c, text: "hello") { id } }', { c: conversation.id });

    const { prisma } = server.pulse.services;
    const topics = await prisma.streamEvent.findMany({ distinct: ['topic'], select: { topic: true } });
    const events = (await Promise.all(topics.map(({ topic }) => readRange(prisma, topic, 0)))).flat();
    const streamOf: Record<string, string> = {
      region: 'matchFeed',
      user: 'notifications',
      post: 'postActivity',
      event: 'seatUpdates',
      conversation: 'conversationEvents',
    };
    const byField = new Map<string, BusEvent[]>();
    for (const e of events) {
      const field = streamOf[e.topic.slice(0, e.topic.indexOf(':'))];
      if (field) byField.set(field, [...(byField.get(field) ?? []), e]);
    }
    expect([...byField.keys()].sort()).toEqual(Object.values(streamOf).sort());

    const probe = probeSchema();
    const groups = new GroupKeys(schema);
    const viewer = { id: alice.id, role: 'USER' as const };
    const unmarked: string[] = [];
    let executed = 0;
    let readTheViewer = 0;
    for (const [field, fieldEvents] of byField) {
      const root = schema.getSubscriptionType()!.getFields()[field];
      for (const path of paths(getNamedType(root.type), DEPTH)) {
        const document: DocumentNode = parse(`subscription { ${field}${path} }`);
        const probeDocument = parse(`query { ${field}${path} }`);
        for (const rootValue of fieldEvents) {
          let read = false;
          const real: Context = {
            app: server.pulse.services,
            viewer,
            requestId: 'probe',
            connectionId: null,
            ip: '127.0.0.1',
            loaders: createLoaders(server.pulse.services.prisma, viewer),
          };
          const contextValue = new Proxy(real, {
            get(target, key, receiver) {
              if (key === 'viewer' || key === 'loaders') read = true;
              return Reflect.get(target, key, receiver);
            },
          });
          await execute({ schema: probe, document: probeDocument, rootValue, contextValue });
          executed++;
          if (!read) continue;
          readTheViewer++;
          const key = groups.of(
            {
              query: `subscription { ${field}${path} }`,
              operationName: null,
              variables: {},
              viewerId: alice.id,
              args: { schema, document },
            } as never,
            null,
          );
          if (!key.includes(JSON.stringify(alice.id))) unmarked.push(`${field}${path}`);
          break;
        }
      }
    }
    console.log(`viewer dependence: ${executed} executions, ${readTheViewer} paths read the viewer`);
    expect(readTheViewer).toBeGreaterThan(0);
    expect(unmarked).toEqual([]);
  });
});
