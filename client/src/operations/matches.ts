/** The looking-for-group board of one region: the list, posting a match, and the live feed. */
import { graphql } from '../gql/index.js';

export const MatchesDocument = graphql(`
  query Matches($region: Region!, $first: Int) {
    matches(region: $region, first: $first) {
      streamCursor
      edges {
        node {
          ...MatchCard
        }
      }
    }
  }
`);

export const MatchCardFields = graphql(`
  fragment MatchCard on Match {
    id
    game
    region
    mode
    slots
    openSlots
    status
    description
    createdAt
    creator {
      id
      displayName
    }
  }
`);

export const PostMatchDocument = graphql(`
  mutation PostMatch($input: PostMatchInput!) {
    postMatch(input: $input) {
      ...MatchCard
    }
  }
`);

export const MatchFeedDocument = graphql(`
  subscription MatchFeed($region: Region!, $filter: MatchFilter, $after: String) {
    matchFeed(region: $region, filter: $filter, after: $after) {
      kind
      cursor
      at
      match {
        ...MatchCard
      }
    }
  }
`);
