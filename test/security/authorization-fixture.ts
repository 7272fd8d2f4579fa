/**
 * The authorization matrix's vocabulary and data: the roles, an entry's shape, the outcome shorthands,
 * and the fixture (Alice's conversation, post, event, booking, match, application, notification, game,
 * the secrets no other role may see, and one token per role) the matrix runs against.
 */
import { gqlOk, registerUser, type TestUser } from '../support/client.js';
import { makeAdmin, type TestServer } from '../support/server.js';

export const ROLES = ['anonymous', 'another', 'nonMember', 'formerMember', 'admin'] as const;
export type Role = (typeof ROLES)[number];
export type Outcome = 'ok' | 'UNAUTHENTICATED' | 'FORBIDDEN' | 'NOT_FOUND' | 'CONFLICT' | 'BAD_USER_INPUT';
export type Transport = 'http' | 'ws' | 'sse';

export interface Fixture {
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

export interface Operation {
  query: string;
  variables?: Record<string, unknown>;
}

export interface Entry {
  /** The operation against Alice's data; may prepare a fresh target (run once per role and transport). */
  op: (fx: Fixture, role: Role) => Operation | Promise<Operation>;
  /** The outcome for each role: one value for all, or per role. */
  expect: Outcome | Record<Role, Outcome>;
  /** Checked after every cell: Alice's data is unchanged by what the role could not do. */
  after?: (fx: Fixture) => Promise<void>;
}

export const signedIn = (ok: Outcome = 'ok'): Record<Role, Outcome> => ({
  anonymous: 'UNAUTHENTICATED',
  another: ok,
  nonMember: ok,
  formerMember: ok,
  admin: ok,
});
export const ownerOnly = signedIn('FORBIDDEN');
export const adminOnly: Record<Role, Outcome> = {
  anonymous: 'UNAUTHENTICATED',
  another: 'FORBIDDEN',
  nonMember: 'FORBIDDEN',
  formerMember: 'FORBIDDEN',
  admin: 'ok',
};
export const unique = () => Math.random().toString(36).slice(2, 10);

/** Alice's data as every role's target, on `server`. */
export async function createFixture(server: TestServer): Promise<Fixture> {
  const url = server.url;
  const [alice, bob, carol, dave, eve, root, frank] = await Promise.all(
    ['alice', 'bob', 'carol', 'dave', 'eve', 'root', 'frank'].map((n) => registerUser(url, n)),
  );
  const admin = await makeAdmin(server, root.username);
  /** One request as `user`. */
  const as =
    (user: TestUser) =>
    (query: string, variables: Record<string, unknown> = {}) =>
      gqlOk(url, query, variables, user.token);
  const secret = unique();
  const conversation = await as(alice)(
    'mutation($u: [ID!]!, $t: String!) { createConversation(input: { kind: GROUP, title: $t, memberIds: $u, isPrivate: true }) { id } }',
    { u: [bob.id, carol.id], t: `secret-title-${secret}` },
  );
  const conversationId = conversation.createConversation.id;
  await as(alice)('mutation($id: ID!, $t: String!) { sendMessage(conversationId: $id, text: $t) { id } }', {
    id: conversationId,
    t: `secret-message-${secret}`,
  });
  await as(carol)('mutation($id: ID!) { leaveConversation(conversationId: $id) }', { id: conversationId });
  const post = await as(alice)('mutation { createPost(content: "public post") { id } }');
  await as(bob)('mutation($id: ID!) { likePost(postId: $id) { id } }', { id: post.createPost.id });
  const notes = await as(alice)('{ notifications(first: 1) { edges { node { id } } } }');
  const event = await as(alice)(
    'mutation { createEvent(input: { title: "gig", startsAt: "2031-01-01T00:00:00Z", capacity: 1000 }) { id } }',
  );
  const booking = await as(alice)('mutation($id: ID!) { bookSeats(eventId: $id, seats: 2) { id } }', { id: event.createEvent.id });
  const match = await as(alice)('mutation { postMatch(input: { game: "chess", region: NA, slots: 2 }) { id } }');
  const accepted = await as(bob)('mutation($id: ID!, $m: String) { applyToMatch(matchId: $id, message: $m) { id } }', {
    id: match.postMatch.id,
    m: `secret-application-${secret}`,
  });
  await as(alice)('mutation($id: ID!) { acceptApplication(applicationId: $id) { id } }', { id: accepted.applyToMatch.id });
  const pending = await as(frank)('mutation($id: ID!, $m: String) { applyToMatch(matchId: $id, message: $m) { id } }', {
    id: match.postMatch.id,
    m: `secret-application2-${secret}`,
  });
  const voice = await as(alice)('mutation($id: ID!) { createVoiceChannel(matchId: $id) { inviteUrl } }', { id: match.postMatch.id });
  const fx: Fixture = {
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
  return fx;
}

/** Starts a fresh game between two new players (the roles are never in it). */
async function freshGame(fx: Fixture): Promise<string> {
  const [a, b] = await Promise.all([registerUser(fx.url, 'pa'), registerUser(fx.url, 'pb')]);
  await gqlOk(fx.url, 'mutation { joinQueue(mode: "duel", region: OCE) { id } }', {}, a.token);
  await gqlOk(fx.url, 'mutation { joinQueue(mode: "duel", region: OCE) { id } }', {}, b.token);
  const game = await gqlOk(fx.url, '{ currentGame { id } }', {}, a.token);
  return game.currentGame.id;
}
