/** The looking-for-group board of one region: the list, posting a match, the live feed, and a match's applications. */
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

export const ApplicationFields = graphql(`
  fragment Application on MatchApplication {
    id
    status
    message
    createdAt
    applicant {
      id
      displayName
    }
  }
`);

export const MatchApplicationsDocument = graphql(`
  query MatchApplications($id: ID!) {
    match(id: $id) {
      id
      game
      status
      slots
      openSlots
      creator {
        id
        displayName
      }
      applications {
        ...Application
      }
    }
  }
`);

export const ApplyToMatchDocument = graphql(`
  mutation ApplyToMatch($matchId: ID!, $message: String) {
    applyToMatch(matchId: $matchId, message: $message) {
      ...Application
    }
  }
`);

export const AcceptApplicationDocument = graphql(`
  mutation AcceptApplication($applicationId: ID!) {
    acceptApplication(applicationId: $applicationId) {
      ...Application
      match {
        id
        status
        openSlots
      }
    }
  }
`);
