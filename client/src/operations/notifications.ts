/** The viewer's notifications: the stored list, marking them read, and the live stream. */
import { graphql } from '../gql/index.js';

export const NotificationsDocument = graphql(`
  query Notifications($first: Int) {
    notifications(first: $first) {
      streamCursor
      edges {
        node {
          id
          kind
          message
          read
          createdAt
          actor {
            id
            displayName
          }
        }
      }
    }
  }
`);

export const MarkNotificationsReadDocument = graphql(`
  mutation MarkNotificationsRead($ids: [ID!]) {
    markNotificationsRead(ids: $ids)
  }
`);

export const NotificationEventsDocument = graphql(`
  subscription NotificationEvents($kinds: [NotificationKind!], $after: String) {
    notifications(kinds: $kinds, after: $after) {
      kind
      cursor
      at
      notification {
        id
        kind
        message
        read
        createdAt
        actor {
          id
          displayName
        }
      }
    }
  }
`);
