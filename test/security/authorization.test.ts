/**
 * The authorization matrix: every root query, mutation and subscription field, run against Alice's
 * data as {anonymous, another user, non-member, former member, admin}, over HTTP, WebSocket and SSE
 * (subscriptions: WebSocket and SSE). The expected outcome of every cell is in MATRIX below; a schema
 * field without an entry (or an entry for a field that is gone) fails the first test.
 *
 * An outcome is an error code, or `ok` (no error). Every answer is also checked for Alice's secrets
 * (a private conversation's title and messages, an application's message, her notification, her
 * booking, her voice invite): a role that is not allowed to see them never gets them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { schema } from '../../src/schema/index.js';
import { gql, gqlOk, registerUser, type TestUser } from '../support/client.js';
import { connectWs, type WsClient } from '../support/ws.js';
import { DATABASE_KINDS } from '../support/database.js';
import { makeAdmin, startTestServer, type TestServer } from '../support/server.js';
import { live } from './support.js';
import { waitUntil } from '../support/wait.js';

const ROLES = ['anonymous', 'another', 'nonMember', 'formerMember', 'admin'] as const;
type Role = (typeof ROLES)[number];
type Outcome = 'ok' | 'UNAUTHENTICATED' | 'FORBIDDEN' | 'NOT_FOUND' | 'CONFLICT' | 'BAD_USER_INPUT';
type Transport = 'http' | 'ws' | 'sse';

interface Fixture {
  url: string;
  alice: TestUser;
  bob: TestUser;
  conversation: string;
  post: string;
  event: string;
  booking: string;
  match: string;
  application: string;
  notification: string;
  game: string;
  secrets: string[];
  tokens: Record<Role, string | null>;
  ids: Record<Role, string | null>;
}

interface Operation {
  query: string;
  variables?: Record<string, unknown>;
}

interface Entry {
  /** The operation against Alice's data; may prepare a fresh target (run once per role and transport). */
  op: (fx: Fixture, role: Role) => Operation | Promise<Operation>;
  /** The outcome for each role: one value for all, or per role. */
  expect: Outcome | Record<Role, Outcome>;
  /** Checked after every cell: Alice's data is unchanged by what the role could not do. */
  after?: (fx: Fixture) => Promise<void>;
}

const signedIn = (ok: Outcome = 'ok'): Record<Role, Outcome> => ({
  anonymous: 'UNAUTHENTICATED',
  another: ok,
  nonMember: ok,
  formerMember: ok,
  admin: ok,
});
const ownerOnly = signedIn('FORBIDDEN');
const adminOnly: Record<Role, Outcome> = {
  anonymous: 'UNAUTHENTICATED',
  another: 'FORBIDDEN',
  nonMember: 'FORBIDDEN',
  formerMember: 'FORBIDDEN',
  admin: 'ok',
};
const unique = () => Math.random().toString(36).slice(2, 10);

/** Starts a fresh game between two new players (the roles are never in it). */
async function freshGame(fx: Fixture): Promise<string> {
  const [a, b] = await Promise.all([registerUser(fx.url, 'pa'), registerUser(fx.url, 'pb')]);
  await gqlOk(fx.url, 'mutation { joinQueue(mode: "duel", region: OCE) { id } }', {}, a.token);
  await gqlOk(fx.url, 'mutation { joinQueue(mode: "duel", region: OCE) { id } }', {}, b.token);
  const game = await gqlOk(fx.url, '{ currentGame { id } }', {}, a.token);
  return game.currentGame.id;
}

const MATRIX: Record<string, Entry> = {
  // ---- queries ----
  'Query.conversation': {
    op: (fx) => ({
      query: `query($id: ID!) { conversation(id: $id) { id title messages(last: 5) { edges { node { text } } } } }`,
      variables: { id: fx.conversation },
    }),
    expect: ownerOnly,
  },
  'Query.conversations': { op: () => ({ query: `{ conversations(first: 50) { edges { node { id title } } } }` }), expect: signedIn() },
  'Query.currentGame': { op: () => ({ query: `{ currentGame { id players { id } } }` }), expect: signedIn() },
  'Query.event': {
    op: (fx) => ({
      query: `query($id: ID!) { event(id: $id) { id title bookings(first: 10) { edges { node { id } } } } }`,
      variables: { id: fx.event },
    }),
    expect: 'ok',
  },
  'Query.events': {
    op: () => ({ query: `{ events(first: 50) { edges { node { id bookings(first: 10) { edges { node { id } } } } } } }` }),
    expect: 'ok',
  },
  'Query.match': {
    op: (fx) => ({
      query: `query($id: ID!) { match(id: $id) { id applications { id message } voiceChannel { inviteUrl } } }`,
      variables: { id: fx.match },
    }),
    expect: 'ok',
  },
  'Query.matches': {
    op: () => ({ query: `{ matches(first: 50) { edges { node { id applications { message } voiceChannel { inviteUrl } } } } }` }),
    expect: 'ok',
  },
  'Query.myBookings': { op: () => ({ query: `{ myBookings(first: 50) { edges { node { id } } } }` }), expect: signedIn() },
  'Query.notifications': { op: () => ({ query: `{ notifications(first: 50) { edges { node { id message } } } }` }), expect: signedIn() },
  'Query.post': {
    op: (fx) => ({ query: `query($id: ID!) { post(id: $id) { id likedByViewer } }`, variables: { id: fx.post } }),
    expect: 'ok',
  },
  'Query.posts': { op: () => ({ query: `{ posts(first: 50) { edges { node { id } } } }` }), expect: 'ok' },
  'Query.publicConversations': {
    op: () => ({ query: `{ publicConversations(first: 50) { edges { node { id title } } } }` }),
    expect: signedIn(),
  },
  'Query.queueTicket': { op: () => ({ query: `{ queueTicket { id } }` }), expect: signedIn() },
  'Query.serverStats': {
    op: () => ({ query: `{ serverStats { activeSubscriptions busKind busTopics eventsPublished } }` }),
    expect: adminOnly,
  },
  'Query.user': {
    op: (fx) => ({ query: `query($id: ID!) { user(id: $id) { id username } }`, variables: { id: fx.alice.id } }),
    expect: 'ok',
  },
  'Query.viewer': { op: () => ({ query: `{ viewer { id } }` }), expect: 'ok' },

  // ---- mutations ----
  'Mutation.acceptApplication': {
    op: (fx) => ({
      query: `mutation($id: ID!) { acceptApplication(applicationId: $id) { id status } }`,
      variables: { id: fx.application },
    }),
    expect: ownerOnly,
  },
  'Mutation.addComment': {
    op: (fx) => ({ query: `mutation($id: ID!) { addComment(postId: $id, content: "hi") { id } }`, variables: { id: fx.post } }),
    expect: signedIn(),
  },
  'Mutation.addMembers': {
    op: (fx, role) => ({
      query: `mutation($id: ID!, $u: [ID!]!) { addMembers(conversationId: $id, userIds: $u) { id } }`,
      variables: { id: fx.conversation, u: [fx.ids[role] ?? fx.bob.id] },
    }),
    expect: ownerOnly,
    after: membersUnchanged,
  },
  'Mutation.applyToMatch': {
    op: async (fx) => ({
      query: `mutation($id: ID!) { applyToMatch(matchId: $id, message: "me") { id } }`,
      variables: { id: await freshMatch(fx) },
    }),
    expect: signedIn(),
  },
  'Mutation.bookSeats': {
    op: (fx) => ({ query: `mutation($id: ID!) { bookSeats(eventId: $id, seats: 1) { id } }`, variables: { id: fx.event } }),
    expect: signedIn(),
  },
  'Mutation.broadcast': {
    op: (fx) => ({ query: `mutation($u: [ID!]) { broadcast(input: { userIds: $u, message: "hello" }) }`, variables: { u: [fx.bob.id] } }),
    expect: adminOnly,
  },
  'Mutation.cancelBooking': {
    op: (fx) => ({ query: `mutation($id: ID!) { cancelBooking(bookingId: $id) { id } }`, variables: { id: fx.booking } }),
    expect: ownerOnly,
  },
  'Mutation.closeMatch': {
    op: (fx) => ({ query: `mutation($id: ID!) { closeMatch(matchId: $id) { id } }`, variables: { id: fx.match } }),
    expect: ownerOnly,
  },
  'Mutation.createConversation': {
    op: (fx) => ({
      query: `mutation($u: [ID!]!) { createConversation(input: { kind: GROUP, title: "mine", memberIds: $u }) { id } }`,
      variables: { u: [fx.bob.id] },
    }),
    expect: signedIn(),
  },
  'Mutation.createEvent': {
    op: () => ({ query: `mutation { createEvent(input: { title: "e", startsAt: "2031-01-01T00:00:00Z", capacity: 3 }) { id } }` }),
    expect: signedIn(),
  },
  'Mutation.createPost': { op: () => ({ query: `mutation { createPost(content: "mine") { id } }` }), expect: signedIn() },
  'Mutation.createVoiceChannel': {
    op: (fx) => ({ query: `mutation($id: ID!) { createVoiceChannel(matchId: $id) { inviteUrl } }`, variables: { id: fx.match } }),
    expect: ownerOnly,
  },
  'Mutation.endGame': {
    op: (fx) => ({ query: `mutation($id: ID!) { endGame(gameId: $id) { id } }`, variables: { id: fx.game } }),
    expect: ownerOnly,
  },
  'Mutation.followUser': {
    op: (fx) => ({ query: `mutation($id: ID!) { followUser(userId: $id) { id } }`, variables: { id: fx.alice.id } }),
    expect: signedIn(),
  },
  'Mutation.joinConversation': {
    op: (fx) => ({
      query: `mutation($id: ID!) { joinConversation(conversationId: $id) { id title } }`,
      variables: { id: fx.conversation },
    }),
    expect: ownerOnly,
    after: membersUnchanged,
  },
  'Mutation.joinQueue': {
    op: async (fx, role) => {
      if (fx.tokens[role]) await gqlOk(fx.url, 'mutation { leaveQueue }', {}, fx.tokens[role]);
      // One region per role, so the roles never form a game with each other.
      const region = { anonymous: 'SA', another: 'NA', nonMember: 'EU', formerMember: 'ASIA', admin: 'SA' }[role];
      return { query: `mutation { joinQueue(mode: "squad", region: ${region}) { id } }` };
    },
    expect: signedIn(),
  },
  'Mutation.leaveConversation': {
    op: (fx) => ({ query: `mutation($id: ID!) { leaveConversation(conversationId: $id) }`, variables: { id: fx.conversation } }),
    expect: ownerOnly,
    after: membersUnchanged,
  },
  'Mutation.leaveQueue': { op: () => ({ query: `mutation { leaveQueue }` }), expect: signedIn() },
  'Mutation.likePost': {
    op: (fx) => ({ query: `mutation($id: ID!) { likePost(postId: $id) { id } }`, variables: { id: fx.post } }),
    expect: signedIn(),
  },
  'Mutation.login': {
    op: (fx) => ({
      query: `mutation($u: String!) { login(username: $u, password: "not her password") { token } }`,
      variables: { u: fx.alice.username },
    }),
    expect: 'UNAUTHENTICATED',
  },
  'Mutation.markConversationRead': {
    op: (fx) => ({ query: `mutation($id: ID!) { markConversationRead(conversationId: $id) { id } }`, variables: { id: fx.conversation } }),
    expect: ownerOnly,
  },
  'Mutation.markNotificationsRead': {
    op: (fx) => ({ query: `mutation($ids: [ID!]) { markNotificationsRead(ids: $ids) }`, variables: { ids: [fx.notification] } }),
    expect: signedIn(),
    after: async (fx) => {
      const mine = await gqlOk(fx.url, '{ notifications(first: 50) { edges { node { id read } } } }', {}, fx.alice.token);
      expect(mine.notifications.edges.find((e: any) => e.node.id === fx.notification).node.read).toBe(false);
    },
  },
  'Mutation.postMatch': {
    op: () => ({ query: `mutation { postMatch(input: { game: "g", region: ASIA, slots: 1 }) { id } }` }),
    expect: signedIn(),
  },
  'Mutation.register': {
    op: () => ({
      query: `mutation($u: String!) { register(input: { username: $u, password: "long enough password" }) { token } }`,
      variables: { u: `r_${unique()}` },
    }),
    expect: 'ok',
  },
  'Mutation.revokeTokens': {
    op: async (fx) => ({
      query: `mutation($id: ID) { revokeTokens(userId: $id) }`,
      variables: { id: (await registerUser(fx.url, 'victim')).id },
    }),
    expect: adminOnly,
  },
  'Mutation.sendMessage': {
    op: (fx) => ({
      query: `mutation($id: ID!) { sendMessage(conversationId: $id, text: "intruder") { id } }`,
      variables: { id: fx.conversation },
    }),
    expect: ownerOnly,
  },
  'Mutation.setTyping': {
    op: (fx) => ({ query: `mutation($id: ID!) { setTyping(conversationId: $id, isTyping: true) }`, variables: { id: fx.conversation } }),
    expect: ownerOnly,
  },
  'Mutation.startGame': {
    op: (fx) => ({ query: `mutation($id: ID!) { startGame(gameId: $id) { id } }`, variables: { id: fx.game } }),
    expect: ownerOnly,
  },
  'Mutation.unfollowUser': {
    op: (fx) => ({ query: `mutation($id: ID!) { unfollowUser(userId: $id) { id } }`, variables: { id: fx.alice.id } }),
    expect: signedIn(),
  },
  'Mutation.unlikePost': {
    op: (fx) => ({ query: `mutation($id: ID!) { unlikePost(postId: $id) { id } }`, variables: { id: fx.post } }),
    expect: signedIn(),
  },
  'Mutation.updateEventCapacity': {
    op: (fx) => ({ query: `mutation($id: ID!) { updateEventCapacity(eventId: $id, capacity: 50) { id } }`, variables: { id: fx.event } }),
    expect: ownerOnly,
  },

  // ---- subscriptions (ok: accepted and live) ----
  'Subscription.conversationEvents': {
    op: (fx) => ({
      query: `subscription($id: ID!) { conversationEvents(conversationId: $id) { kind } }`,
      variables: { id: fx.conversation },
    }),
    expect: ownerOnly,
  },
  'Subscription.matchFeed': { op: () => ({ query: `subscription { matchFeed(region: NA) { kind } }` }), expect: 'ok' },
  'Subscription.matchmaking': { op: () => ({ query: `subscription { matchmaking { kind } }` }), expect: signedIn() },
  'Subscription.notifications': { op: () => ({ query: `subscription { notifications { kind } }` }), expect: signedIn() },
  'Subscription.operationsStats': {
    op: () => ({ query: `subscription { operationsStats { at instances { instanceId connections } } }` }),
    expect: adminOnly,
  },
  'Subscription.postActivity': {
    op: (fx) => ({ query: `subscription($id: ID!) { postActivity(postId: $id) { kind } }`, variables: { id: fx.post } }),
    expect: 'ok',
  },
  'Subscription.presence': {
    op: (fx) => ({ query: `subscription($u: [ID!]!) { presence(userIds: $u) { status } }`, variables: { u: [fx.alice.id] } }),
    expect: signedIn(),
  },
  'Subscription.seatUpdates': {
    op: (fx) => ({ query: `subscription($id: ID!) { seatUpdates(eventId: $id) { kind } }`, variables: { id: fx.event } }),
    expect: 'ok',
  },
};

async function membersUnchanged(fx: Fixture): Promise<void> {
  const conversation = await gqlOk(
    fx.url,
    'query($id: ID!) { conversation(id: $id) { members { id } } }',
    { id: fx.conversation },
    fx.alice.token,
  );
  expect(conversation.conversation.members.map((m: { id: string }) => m.id).sort()).toEqual([fx.alice.id, fx.bob.id].sort());
}

async function freshMatch(fx: Fixture): Promise<string> {
  const match = await gqlOk(fx.url, 'mutation { postMatch(input: { game: "m", region: EU, slots: 3 }) { id } }', {}, fx.alice.token);
  return match.postMatch.id;
}

/** The first result of an operation over SSE (Yoga: `event: next` / `data: <json>`), or null once the stream stays open silently. */
async function overSse(
  url: string,
  op: Operation,
  token: string | null,
  server: TestServer,
  subscription: boolean,
): Promise<{ result: any; live: boolean }> {
  const controller = new AbortController();
  const before = live(server);
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'text/event-stream', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(op),
    signal: controller.signal,
  });
  const reader = response.body!.getReader();
  let text = '';
  const first = (async () => {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return null;
      text += new TextDecoder().decode(value);
      const match = /event: next\ndata: (.*)\n/.exec(text);
      if (match) return JSON.parse(match[1]);
    }
  })().catch(() => null);
  const started = subscription
    ? waitUntil(() => live(server) > before, 'the SSE subscription').then(() => 'live' as const)
    : new Promise<never>(() => {});
  const outcome = await Promise.race([
    first.then((result) => ({ result, live: false })),
    started.then(() => ({ result: null, live: true })),
  ]);
  controller.abort();
  if (outcome.live) await waitUntil(() => live(server) === before, 'the SSE subscription to end');
  return outcome;
}

/** The first result over WebSocket; for an accepted subscription, `live` once it is subscribed. */
async function overWs(client: WsClient, op: Operation, server: TestServer, subscription: boolean): Promise<{ result: any; live: boolean }> {
  const before = live(server);
  const sub = client.subscribe(op.query, op.variables);
  const answered = sub.next(10_000).then(
    (data) => ({ result: { data }, live: false }),
    (errors) => ({ result: { errors: Array.isArray(errors) ? errors : [{ message: String(errors) }] }, live: false }),
  );
  const started = subscription
    ? waitUntil(() => live(server) > before, 'the WebSocket subscription').then(() => ({ result: null, live: true }))
    : new Promise<never>(() => {});
  const outcome = await Promise.race([answered, started]);
  sub.unsubscribe();
  if (outcome.live) await waitUntil(() => live(server) === before, 'the WebSocket subscription to end');
  return outcome;
}

describe.each(DATABASE_KINDS)('authorization matrix on %s', (kind) => {
  let server: TestServer;
  let fx: Fixture;
  const sockets = new Map<Role, WsClient>();

  beforeAll(async () => {
    server = await startTestServer({ database: kind });
    const url = server.url;
    const [alice, bob, carol, dave, eve, root, frank] = await Promise.all(
      ['alice', 'bob', 'carol', 'dave', 'eve', 'root', 'frank'].map((n) => registerUser(url, n)),
    );
    const admin = await makeAdmin(server, root.username);
    const secret = unique();
    const conversation = await gqlOk(
      url,
      'mutation($u: [ID!]!, $t: String!) { createConversation(input: { kind: GROUP, title: $t, memberIds: $u, isPrivate: true }) { id } }',
      { u: [bob.id, carol.id], t: `secret-title-${secret}` },
      alice.token,
    );
    const conversationId = conversation.createConversation.id;
    await gqlOk(
      url,
      'mutation($id: ID!, $t: String!) { sendMessage(conversationId: $id, text: $t) { id } }',
      { id: conversationId, t: `secret-message-${secret}` },
      alice.token,
    );
    await gqlOk(url, 'mutation($id: ID!) { leaveConversation(conversationId: $id) }', { id: conversationId }, carol.token);
    const post = await gqlOk(url, 'mutation { createPost(content: "public post") { id } }', {}, alice.token);
    await gqlOk(url, 'mutation($id: ID!) { likePost(postId: $id) { id } }', { id: post.createPost.id }, bob.token);
    const notes = await gqlOk(url, '{ notifications(first: 1) { edges { node { id } } } }', {}, alice.token);
    const event = await gqlOk(
      url,
      'mutation { createEvent(input: { title: "gig", startsAt: "2031-01-01T00:00:00Z", capacity: 1000 }) { id } }',
      {},
      alice.token,
    );
    const booking = await gqlOk(
      url,
      'mutation($id: ID!) { bookSeats(eventId: $id, seats: 2) { id } }',
      { id: event.createEvent.id },
      alice.token,
    );
    const match = await gqlOk(url, 'mutation { postMatch(input: { game: "chess", region: NA, slots: 2 }) { id } }', {}, alice.token);
    const accepted = await gqlOk(
      url,
      'mutation($id: ID!, $m: String) { applyToMatch(matchId: $id, message: $m) { id } }',
      { id: match.postMatch.id, m: `secret-application-${secret}` },
      bob.token,
    );
    await gqlOk(url, 'mutation($id: ID!) { acceptApplication(applicationId: $id) { id } }', { id: accepted.applyToMatch.id }, alice.token);
    const pending = await gqlOk(
      url,
      'mutation($id: ID!, $m: String) { applyToMatch(matchId: $id, message: $m) { id } }',
      { id: match.postMatch.id, m: `secret-application2-${secret}` },
      frank.token,
    );
    const voice = await gqlOk(
      url,
      'mutation($id: ID!) { createVoiceChannel(matchId: $id) { inviteUrl } }',
      { id: match.postMatch.id },
      alice.token,
    );
    fx = {
      url,
      alice,
      bob,
      conversation: conversationId,
      post: post.createPost.id,
      event: event.createEvent.id,
      booking: booking.bookSeats.id,
      match: match.postMatch.id,
      application: pending.applyToMatch.id,
      notification: notes.notifications.edges[0].node.id,
      game: '',
      secrets: [
        `secret-title-${secret}`,
        `secret-message-${secret}`,
        `secret-application-${secret}`,
        `secret-application2-${secret}`,
        voice.createVoiceChannel.inviteUrl,
        notes.notifications.edges[0].node.id,
        booking.bookSeats.id,
      ],
      tokens: { anonymous: null, another: dave.token, nonMember: eve.token, formerMember: carol.token, admin },
      ids: { anonymous: null, another: dave.id, nonMember: eve.id, formerMember: carol.id, admin: root.id },
    };
    fx.game = await freshGame(fx);
    for (const role of ROLES) {
      const client = connectWs(server.wsUrl, fx.tokens[role]);
      await client.connected;
      sockets.set(role, client);
    }
  }, 120_000);

  afterAll(async () => {
    for (const client of sockets.values()) await client.dispose();
    await server?.stop();
  });

  it('has an entry for every root field of the schema, and none for a field that is gone', () => {
    const fields = (['Query', 'Mutation', 'Subscription'] as const).flatMap((type) =>
      Object.keys((schema.getType(type) as import('graphql').GraphQLObjectType).getFields()).map((name) => `${type}.${name}`),
    );
    expect(
      fields.filter((f) => !(f in MATRIX)),
      'fields without an entry in MATRIX',
    ).toEqual([]);
    expect(
      Object.keys(MATRIX).filter((f) => !fields.includes(f)),
      'entries for fields that do not exist',
    ).toEqual([]);
  });

  it('every cell has its expected outcome, and no role sees what it may not', async () => {
    const mismatches: string[] = [];
    let cells = 0;
    for (const [field, entry] of Object.entries(MATRIX)) {
      const subscription = field.startsWith('Subscription.');
      const transports: Transport[] = subscription ? ['ws', 'sse'] : ['http', 'ws', 'sse'];
      for (const role of ROLES) {
        const expected = typeof entry.expect === 'string' ? entry.expect : entry.expect[role];
        for (const transport of transports) {
          cells++;
          const op = await entry.op(fx, role);
          const token = fx.tokens[role];
          let answer: { result: any; live: boolean };
          if (transport === 'http') answer = { result: await gql(fx.url, op.query, op.variables, token), live: false };
          else if (transport === 'ws') answer = await overWs(sockets.get(role)!, op, server, subscription);
          else answer = await overSse(fx.url, op, token, server, subscription);
          const code = answer.live ? 'ok' : (answer.result?.errors?.[0]?.extensions?.code ?? (answer.result?.errors ? 'UNCODED' : 'ok'));
          if (code !== expected)
            mismatches.push(
              `${field} as ${role} over ${transport}: expected ${expected}, got ${code} ${JSON.stringify(answer.result?.errors ?? '').slice(0, 160)}`,
            );
          const text = JSON.stringify(answer.result ?? '');
          const leaked = fx.secrets.filter((s) => text.includes(s));
          if (leaked.length > 0) mismatches.push(`${field} as ${role} over ${transport}: LEAKED ${leaked.join(', ')}`);
          if (entry.after) await entry.after(fx);
        }
      }
    }
    console.log(
      `authorization matrix: ${Object.keys(MATRIX).length} fields x ${ROLES.length} roles = ${cells} cells over HTTP, WebSocket and SSE`,
    );
    expect(mismatches).toEqual([]);
  }, 300_000);
});
