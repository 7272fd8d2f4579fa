/** The operations view (ADMIN only): every instance's live figures. */
import { graphql } from '../gql/index.js';

export const OperationsStatsDocument = graphql(`
  subscription OperationsStats {
    operationsStats {
      at
      instances {
        instanceId
        at
        connections
        subscriptions {
          kind
          count
        }
        publishedPerSecond
        deliveredPerSecond
        latencyP50Ms
        latencyP99Ms
        rssBytes
      }
    }
  }
`);
