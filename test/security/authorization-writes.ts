/**
 * The authorization matrix's writes: every root mutation field, its expected outcome per role, and
 * for some the check that Alice's data is unchanged by what the role could not do.
 */
import { expect } from 'vitest';
import { gqlOk, registerUser } from '../support/client.js';
import { adminOnly, ownerOnly, signedIn, unique, type Entry, type Fixture } from './authorization-fixture.js';

export const MUTATIONS: Record<string, Entry> = {
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
  'Mutation.sendGameAction': {
    op: (fx) => ({ query: `mutation($id: ID!) { sendGameAction(gameId: $id, action: { move: 1 }) { id } }`, variables: { id: fx.game } }),
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
