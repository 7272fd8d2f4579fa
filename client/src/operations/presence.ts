/** Presence: the people the viewer chats with, and whether each is online, live. */
import { graphql } from '../gql/index.js';

export const ContactsDocument = graphql(`
  query Contacts($first: Int) {
    conversations(first: $first) {
      edges {
        node {
          id
          members {
            id
            displayName
          }
        }
      }
    }
  }
`);

export const PresenceDocument = graphql(`
  subscription Presence($userIds: [ID!]!) {
    presence(userIds: $userIds) {
      status
      at
      user {
        id
      }
    }
  }
`);
