/** Signing in and who is signed in. */
import { graphql } from '../gql/index.js';

export const LoginDocument = graphql(`
  mutation Login($username: String!, $password: String!) {
    login(username: $username, password: $password) {
      token
      user {
        id
        username
        displayName
        role
      }
    }
  }
`);

export const ViewerDocument = graphql(`
  query Viewer {
    viewer {
      id
      username
      displayName
      role
    }
  }
`);

export const ServerStatsDocument = graphql(`
  query ServerStats {
    serverStats {
      instanceId
      openConnections
      activeSubscriptions
    }
  }
`);

export const BroadcastDocument = graphql(`
  mutation Broadcast($input: BroadcastInput!) {
    broadcast(input: $input)
  }
`);
