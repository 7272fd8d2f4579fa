/** GraphQL documents and small helpers shared by the chat suites. */
import { gqlOk, type TestUser } from '../support/client.js';
import { connectWs, type TestSubscription } from '../support/ws.js';
import { waitForSubscriptions, type TestServer } from '../support/server.js';
import type { Disposers } from '../support/setup.js';

export const EVENTS = `subscription($id: ID!, $after: String) {
  conversationEvents(conversationId: $id, after: $after) {
    kind cursor at isTyping member { id } message { id text clientMessageId sender { id } }
  }
}`;

export const CREATE = `mutation($input: CreateConversationInput!) {
  createConversation(input: $input) { id kind title isPrivate members { id } }
}`;

export const SEND = `mutation($id: ID!, $text: String!, $clientMessageId: String) {
  sendMessage(conversationId: $id, text: $text, clientMessageId: $clientMessageId) { id text clientMessageId sender { id } }
}`;

export const HISTORY = `query($id: ID!, $last: Int, $before: String) {
  conversation(id: $id) {
    id members { id }
    messages(last: $last, before: $before) { edges { node { id text } } pageInfo { hasPreviousPage startCursor } }
  }
}`;

export const JOIN = `mutation($id: ID!) { joinConversation(conversationId: $id) { id members { id } } }`;
export const ADD = `mutation($id: ID!, $userIds: [ID!]!) { addMembers(conversationId: $id, userIds: $userIds) { id members { id } } }`;
export const LEAVE = `mutation($id: ID!) { leaveConversation(conversationId: $id) }`;
export const TYPING = `mutation($id: ID!, $isTyping: Boolean!) { setTyping(conversationId: $id, isTyping: $isTyping) }`;

/** Creates a group of `owner` and `members`; returns its id. */
export async function createGroup(
  url: string,
  owner: TestUser,
  members: TestUser[],
  options: { isPrivate?: boolean; title?: string } = {},
): Promise<string> {
  const data = await gqlOk(
    url,
    CREATE,
    {
      input: { kind: 'GROUP', title: options.title ?? 'group', memberIds: members.map((m) => m.id), isPrivate: options.isPrivate ?? false },
    },
    owner.token,
  );
  return data.createConversation.id;
}

/** Sends a message and returns it. */
export async function send(url: string, sender: TestUser, conversationId: string, text: string, clientMessageId?: string) {
  return (await gqlOk(url, SEND, { id: conversationId, text, clientMessageId }, sender.token)).sendMessage as {
    id: string;
    text: string;
    clientMessageId: string | null;
  };
}

/** The texts of a conversation's newest `last` messages, oldest first. */
export async function historyTexts(url: string, viewer: TestUser, conversationId: string, last = 100): Promise<string[]> {
  const data = await gqlOk(url, HISTORY, { id: conversationId, last }, viewer.token);
  return data.conversation.messages.edges.map((e: any) => e.node.text);
}

/**
 * Each member subscribes to the conversation's events on its own instance (a socket per member,
 * closed by `cleanup`); resolves, in that order, once every subscription is live on its instance.
 */
export async function subscribeEvents(
  cleanup: Disposers,
  conversationId: string,
  ...members: [server: TestServer, user: TestUser][]
): Promise<TestSubscription[]> {
  const subs = members.map(([server, user]) => cleanup.add(connectWs(server.wsUrl, user.token)).subscribe(EVENTS, { id: conversationId }));
  for (const server of new Set(members.map(([server]) => server))) {
    await waitForSubscriptions(server, members.filter(([on]) => on === server).length);
  }
  return subs;
}
