/** Live game state: a game with its stream cursor, sending actions, and the game's events. */
import { graphql } from '../gql/index.js';

export const GameDocument = graphql(`
  query Game($id: ID!) {
    game(id: $id) {
      id
      mode
      region
      status
      public
      eventsCursor
      players {
        id
        displayName
      }
    }
  }
`);

export const SendGameActionDocument = graphql(`
  mutation SendGameAction($gameId: ID!, $action: JSON!, $clientActionId: String) {
    sendGameAction(gameId: $gameId, action: $action, clientActionId: $clientActionId) {
      id
      action
      clientActionId
      createdAt
      player {
        id
        displayName
      }
    }
  }
`);

export const GameEventsDocument = graphql(`
  subscription GameEvents($gameId: ID!, $after: String) {
    gameEvents(gameId: $gameId, after: $after) {
      kind
      cursor
      at
      action
      by {
        id
        displayName
      }
      winner {
        id
        displayName
      }
    }
  }
`);
