/** Chat: the viewer's conversations with their unread counts, one conversation's history, sending, typing, reading, and the live events. */
import { graphql } from '../gql/index.js';

export const ConversationsDocument = graphql(`
  query Conversations($first: Int) {
    conversations(first: $first) {
      edges {
        node {
          id
          title
          kind
          unreadCount
        }
      }
    }
  }
`);

export const ChatMessageFields = graphql(`
  fragment ChatMessage on Message {
    id
    text
    createdAt
    clientMessageId
    sender {
      id
      displayName
    }
  }
`);

export const ConversationHistoryDocument = graphql(`
  query ConversationHistory($id: ID!, $last: Int) {
    conversation(id: $id) {
      id
      title
      eventsCursor
      unreadCount
      members {
        id
        displayName
      }
      messages(last: $last) {
        edges {
          node {
            ...ChatMessage
          }
        }
      }
    }
  }
`);

export const SendMessageDocument = graphql(`
  mutation SendMessage($conversationId: ID!, $text: String!, $clientMessageId: String) {
    sendMessage(conversationId: $conversationId, text: $text, clientMessageId: $clientMessageId) {
      ...ChatMessage
    }
  }
`);

export const SetTypingDocument = graphql(`
  mutation SetTyping($conversationId: ID!, $isTyping: Boolean!) {
    setTyping(conversationId: $conversationId, isTyping: $isTyping)
  }
`);

export const ConversationEventsDocument = graphql(`
  subscription ConversationEvents($conversationId: ID!, $after: String) {
    conversationEvents(conversationId: $conversationId, after: $after) {
      kind
      cursor
      at
      isTyping
      member {
        id
        displayName
      }
      message {
        ...ChatMessage
      }
    }
  }
`);

export const ConversationUnreadDocument = graphql(`
  query ConversationUnread($id: ID!) {
    conversation(id: $id) {
      id
      unreadCount
    }
  }
`);

export const MarkConversationReadDocument = graphql(`
  mutation MarkConversationRead($conversationId: ID!) {
    markConversationRead(conversationId: $conversationId) {
      id
      unreadCount
    }
  }
`);
