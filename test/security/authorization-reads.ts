/**
 * The authorization matrix's reads: every root query and subscription field and its expected outcome
 * per role (for a subscription, `ok` means accepted and live).
 */
import { adminOnly, ownerOnly, signedIn, type Entry } from './authorization-fixture.js';

export const QUERIES: Record<string, Entry> = {
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
  // A private game between two other players: nobody in the matrix plays it (no admin override).
  'Query.game': {
    op: (fx) => ({ query: `query($id: ID!) { game(id: $id) { id eventsCursor } }`, variables: { id: fx.game } }),
    expect: 'FORBIDDEN',
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
};

export const SUBSCRIPTIONS: Record<string, Entry> = {
  'Subscription.conversationEvents': {
    op: (fx) => ({
      query: `subscription($id: ID!) { conversationEvents(conversationId: $id) { kind } }`,
      variables: { id: fx.conversation },
    }),
    expect: ownerOnly,
  },
  'Subscription.gameEvents': {
    op: (fx) => ({ query: `subscription($id: ID!) { gameEvents(gameId: $id) { kind } }`, variables: { id: fx.game } }),
    expect: 'FORBIDDEN',
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
