/** The matchmaking queue: the viewer's ticket and game, joining and leaving, starting and ending a game, and the live signals. */
import { graphql } from '../gql/index.js';

export const GameCardFields = graphql(`
  fragment GameCard on GameSession {
    id
    mode
    region
    status
    createdAt
    players {
      id
      displayName
    }
    winner {
      id
      displayName
    }
  }
`);

export const MatchmakingStateDocument = graphql(`
  query MatchmakingState {
    queueTicket {
      id
      mode
      region
      position
    }
    currentGame {
      ...GameCard
    }
  }
`);

export const JoinQueueDocument = graphql(`
  mutation JoinQueue($mode: String!, $region: Region!) {
    joinQueue(mode: $mode, region: $region) {
      id
      mode
      region
      position
      game {
        ...GameCard
      }
    }
  }
`);

export const LeaveQueueDocument = graphql(`
  mutation LeaveQueue {
    leaveQueue
  }
`);

export const StartGameDocument = graphql(`
  mutation StartGame($gameId: ID!) {
    startGame(gameId: $gameId) {
      ...GameCard
    }
  }
`);

export const EndGameDocument = graphql(`
  mutation EndGame($gameId: ID!, $winnerId: ID) {
    endGame(gameId: $gameId, winnerId: $winnerId) {
      ...GameCard
    }
  }
`);

export const MatchmakingDocument = graphql(`
  subscription Matchmaking {
    matchmaking {
      kind
      position
      at
      game {
        ...GameCard
      }
    }
  }
`);
