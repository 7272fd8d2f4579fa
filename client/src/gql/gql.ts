/* eslint-disable */
import * as types from './graphql.js';
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';

/**
 * Map of all GraphQL operations in the project.
 *
 * This map has several performance disadvantages:
 * 1. It is not tree-shakeable, so it will include all operations in the project.
 * 2. It is not minifiable, so the string of a GraphQL query will be multiple times inside the bundle.
 * 3. It does not support dead code elimination, so it will add unused operations.
 *
 * Therefore it is highly recommended to use the babel or swc plugin for production.
 * Learn more about it here: https://the-guild.dev/graphql/codegen/plugins/presets/preset-client#reducing-bundle-size
 */
type Documents = {
    "\n  query Events($first: Int) {\n    events(first: $first) {\n      edges {\n        node {\n          id\n          title\n          startsAt\n        }\n      }\n    }\n  }\n": typeof types.EventsDocument,
    "\n  query EventSeats($id: ID!) {\n    event(id: $id) {\n      id\n      title\n      venue\n      startsAt\n      capacity\n      availableSeats\n      seatsCursor\n      bookings(first: 20) {\n        edges {\n          node {\n            id\n            seats\n            status\n            user {\n              id\n              displayName\n            }\n          }\n        }\n      }\n    }\n  }\n": typeof types.EventSeatsDocument,
    "\n  query EventThenBookings($id: ID!) {\n    event(id: $id) {\n      id\n      title\n      venue\n      startsAt\n      capacity\n      availableSeats\n      seatsCursor\n      ... @defer(label: \"bookings\") {\n        bookings(first: 20) {\n          edges {\n            node {\n              id\n              seats\n              status\n              user {\n                id\n                displayName\n              }\n            }\n          }\n        }\n      }\n    }\n  }\n": typeof types.EventThenBookingsDocument,
    "\n  mutation BookSeats($eventId: ID!, $seats: Int) {\n    bookSeats(eventId: $eventId, seats: $seats) {\n      id\n      seats\n      status\n      event {\n        id\n        availableSeats\n      }\n    }\n  }\n": typeof types.BookSeatsDocument,
    "\n  mutation CancelBooking($bookingId: ID!) {\n    cancelBooking(bookingId: $bookingId) {\n      id\n      status\n      event {\n        id\n        availableSeats\n      }\n    }\n  }\n": typeof types.CancelBookingDocument,
    "\n  subscription SeatUpdates($eventId: ID!, $after: String) {\n    seatUpdates(eventId: $eventId, after: $after) {\n      kind\n      cursor\n      at\n      availableSeats\n      capacity\n      booking {\n        id\n        seats\n        status\n        user {\n          id\n          displayName\n        }\n      }\n    }\n  }\n": typeof types.SeatUpdatesDocument,
    "\n  query Conversations($first: Int) {\n    conversations(first: $first) {\n      edges {\n        node {\n          id\n          title\n          kind\n          unreadCount\n        }\n      }\n    }\n  }\n": typeof types.ConversationsDocument,
    "\n  fragment ChatMessage on Message {\n    id\n    text\n    createdAt\n    clientMessageId\n    sender {\n      id\n      displayName\n    }\n  }\n": typeof types.ChatMessageFragmentDoc,
    "\n  query ConversationHistory($id: ID!, $last: Int) {\n    conversation(id: $id) {\n      id\n      title\n      eventsCursor\n      unreadCount\n      members {\n        id\n        displayName\n      }\n      messages(last: $last) {\n        edges {\n          node {\n            ...ChatMessage\n          }\n        }\n      }\n    }\n  }\n": typeof types.ConversationHistoryDocument,
    "\n  mutation SendMessage($conversationId: ID!, $text: String!, $clientMessageId: String) {\n    sendMessage(conversationId: $conversationId, text: $text, clientMessageId: $clientMessageId) {\n      ...ChatMessage\n    }\n  }\n": typeof types.SendMessageDocument,
    "\n  mutation SetTyping($conversationId: ID!, $isTyping: Boolean!) {\n    setTyping(conversationId: $conversationId, isTyping: $isTyping)\n  }\n": typeof types.SetTypingDocument,
    "\n  subscription ConversationEvents($conversationId: ID!, $after: String) {\n    conversationEvents(conversationId: $conversationId, after: $after) {\n      kind\n      cursor\n      at\n      isTyping\n      member {\n        id\n        displayName\n      }\n      message {\n        ...ChatMessage\n      }\n    }\n  }\n": typeof types.ConversationEventsDocument,
    "\n  query ConversationUnread($id: ID!) {\n    conversation(id: $id) {\n      id\n      unreadCount\n    }\n  }\n": typeof types.ConversationUnreadDocument,
    "\n  mutation MarkConversationRead($conversationId: ID!) {\n    markConversationRead(conversationId: $conversationId) {\n      id\n      unreadCount\n    }\n  }\n": typeof types.MarkConversationReadDocument,
    "\n  query Game($id: ID!) {\n    game(id: $id) {\n      id\n      mode\n      region\n      status\n      public\n      eventsCursor\n      players {\n        id\n        displayName\n      }\n    }\n  }\n": typeof types.GameDocument,
    "\n  mutation SendGameAction($gameId: ID!, $action: JSON!, $clientActionId: String) {\n    sendGameAction(gameId: $gameId, action: $action, clientActionId: $clientActionId) {\n      id\n      action\n      clientActionId\n      createdAt\n      player {\n        id\n        displayName\n      }\n    }\n  }\n": typeof types.SendGameActionDocument,
    "\n  subscription GameEvents($gameId: ID!, $after: String) {\n    gameEvents(gameId: $gameId, after: $after) {\n      kind\n      cursor\n      at\n      action\n      by {\n        id\n        displayName\n      }\n      winner {\n        id\n        displayName\n      }\n    }\n  }\n": typeof types.GameEventsDocument,
    "\n  query Matches($region: Region!, $first: Int) {\n    matches(region: $region, first: $first) {\n      streamCursor\n      edges {\n        node {\n          ...MatchCard\n        }\n      }\n    }\n  }\n": typeof types.MatchesDocument,
    "\n  fragment MatchCard on Match {\n    id\n    game\n    region\n    mode\n    slots\n    openSlots\n    status\n    description\n    createdAt\n    creator {\n      id\n      displayName\n    }\n  }\n": typeof types.MatchCardFragmentDoc,
    "\n  mutation PostMatch($input: PostMatchInput!) {\n    postMatch(input: $input) {\n      ...MatchCard\n    }\n  }\n": typeof types.PostMatchDocument,
    "\n  subscription MatchFeed($region: Region!, $filter: MatchFilter, $after: String) {\n    matchFeed(region: $region, filter: $filter, after: $after) {\n      kind\n      cursor\n      at\n      match {\n        ...MatchCard\n      }\n    }\n  }\n": typeof types.MatchFeedDocument,
    "\n  fragment Application on MatchApplication {\n    id\n    status\n    message\n    createdAt\n    applicant {\n      id\n      displayName\n    }\n  }\n": typeof types.ApplicationFragmentDoc,
    "\n  query MatchApplications($id: ID!) {\n    match(id: $id) {\n      id\n      game\n      status\n      slots\n      openSlots\n      creator {\n        id\n        displayName\n      }\n      applications {\n        ...Application\n      }\n    }\n  }\n": typeof types.MatchApplicationsDocument,
    "\n  mutation ApplyToMatch($matchId: ID!, $message: String) {\n    applyToMatch(matchId: $matchId, message: $message) {\n      ...Application\n    }\n  }\n": typeof types.ApplyToMatchDocument,
    "\n  mutation AcceptApplication($applicationId: ID!) {\n    acceptApplication(applicationId: $applicationId) {\n      ...Application\n      match {\n        id\n        status\n        openSlots\n      }\n    }\n  }\n": typeof types.AcceptApplicationDocument,
    "\n  fragment GameCard on GameSession {\n    id\n    mode\n    region\n    status\n    createdAt\n    players {\n      id\n      displayName\n    }\n    winner {\n      id\n      displayName\n    }\n  }\n": typeof types.GameCardFragmentDoc,
    "\n  query MatchmakingState {\n    queueTicket {\n      id\n      mode\n      region\n      position\n    }\n    currentGame {\n      ...GameCard\n    }\n  }\n": typeof types.MatchmakingStateDocument,
    "\n  mutation JoinQueue($mode: String!, $region: Region!) {\n    joinQueue(mode: $mode, region: $region) {\n      id\n      mode\n      region\n      position\n      game {\n        ...GameCard\n      }\n    }\n  }\n": typeof types.JoinQueueDocument,
    "\n  mutation LeaveQueue {\n    leaveQueue\n  }\n": typeof types.LeaveQueueDocument,
    "\n  mutation StartGame($gameId: ID!) {\n    startGame(gameId: $gameId) {\n      ...GameCard\n    }\n  }\n": typeof types.StartGameDocument,
    "\n  mutation EndGame($gameId: ID!, $winnerId: ID) {\n    endGame(gameId: $gameId, winnerId: $winnerId) {\n      ...GameCard\n    }\n  }\n": typeof types.EndGameDocument,
    "\n  subscription Matchmaking {\n    matchmaking {\n      kind\n      position\n      at\n      game {\n        ...GameCard\n      }\n    }\n  }\n": typeof types.MatchmakingDocument,
    "\n  query Notifications($first: Int) {\n    notifications(first: $first) {\n      streamCursor\n      edges {\n        node {\n          id\n          kind\n          message\n          read\n          createdAt\n          actor {\n            id\n            displayName\n          }\n        }\n      }\n    }\n  }\n": typeof types.NotificationsDocument,
    "\n  mutation MarkNotificationsRead($ids: [ID!]) {\n    markNotificationsRead(ids: $ids)\n  }\n": typeof types.MarkNotificationsReadDocument,
    "\n  subscription NotificationEvents($kinds: [NotificationKind!], $after: String) {\n    notifications(kinds: $kinds, after: $after) {\n      kind\n      cursor\n      at\n      notification {\n        id\n        kind\n        message\n        read\n        createdAt\n        actor {\n          id\n          displayName\n        }\n      }\n    }\n  }\n": typeof types.NotificationEventsDocument,
    "\n  subscription OperationsStats {\n    operationsStats {\n      at\n      instances {\n        instanceId\n        at\n        connections\n        subscriptions {\n          kind\n          count\n        }\n        publishedPerSecond\n        deliveredPerSecond\n        latencyP50Ms\n        latencyP99Ms\n        rssBytes\n      }\n    }\n  }\n": typeof types.OperationsStatsDocument,
    "\n  query Contacts($first: Int) {\n    conversations(first: $first) {\n      edges {\n        node {\n          id\n          members {\n            id\n            displayName\n          }\n        }\n      }\n    }\n  }\n": typeof types.ContactsDocument,
    "\n  subscription Presence($userIds: [ID!]!) {\n    presence(userIds: $userIds) {\n      status\n      at\n      user {\n        id\n      }\n    }\n  }\n": typeof types.PresenceDocument,
    "\n  mutation Login($username: String!, $password: String!) {\n    login(username: $username, password: $password) {\n      token\n      user {\n        id\n        username\n        displayName\n        role\n      }\n    }\n  }\n": typeof types.LoginDocument,
    "\n  query Viewer {\n    viewer {\n      id\n      username\n      displayName\n      role\n    }\n  }\n": typeof types.ViewerDocument,
    "\n  query ServerStats {\n    serverStats {\n      instanceId\n      openConnections\n      activeSubscriptions\n    }\n  }\n": typeof types.ServerStatsDocument,
    "\n  mutation Broadcast($input: BroadcastInput!) {\n    broadcast(input: $input)\n  }\n": typeof types.BroadcastDocument,
    "\n  query Posts($first: Int) {\n    posts(first: $first) {\n      edges {\n        node {\n          ...PostCard\n        }\n      }\n    }\n  }\n": typeof types.PostsDocument,
    "\n  query Post($id: ID!) {\n    post(id: $id) {\n      ...PostCard\n      activityCursor\n    }\n  }\n": typeof types.PostDocument,
    "\n  fragment PostCard on Post {\n    id\n    content\n    likeCount\n    commentCount\n    likedByViewer\n    createdAt\n    author {\n      id\n      displayName\n    }\n  }\n": typeof types.PostCardFragmentDoc,
    "\n  mutation LikePost($postId: ID!) {\n    likePost(postId: $postId) {\n      ...PostCard\n    }\n  }\n": typeof types.LikePostDocument,
    "\n  mutation UnlikePost($postId: ID!) {\n    unlikePost(postId: $postId) {\n      ...PostCard\n    }\n  }\n": typeof types.UnlikePostDocument,
    "\n  subscription PostActivity($postId: ID!, $after: String) {\n    postActivity(postId: $postId, after: $after) {\n      kind\n      cursor\n      at\n      likeCount\n      commentCount\n      actor {\n        id\n        displayName\n      }\n    }\n  }\n": typeof types.PostActivityDocument,
};
const documents: Documents = {
    "\n  query Events($first: Int) {\n    events(first: $first) {\n      edges {\n        node {\n          id\n          title\n          startsAt\n        }\n      }\n    }\n  }\n": types.EventsDocument,
    "\n  query EventSeats($id: ID!) {\n    event(id: $id) {\n      id\n      title\n      venue\n      startsAt\n      capacity\n      availableSeats\n      seatsCursor\n      bookings(first: 20) {\n        edges {\n          node {\n            id\n            seats\n            status\n            user {\n              id\n              displayName\n            }\n          }\n        }\n      }\n    }\n  }\n": types.EventSeatsDocument,
    "\n  query EventThenBookings($id: ID!) {\n    event(id: $id) {\n      id\n      title\n      venue\n      startsAt\n      capacity\n      availableSeats\n      seatsCursor\n      ... @defer(label: \"bookings\") {\n        bookings(first: 20) {\n          edges {\n            node {\n              id\n              seats\n              status\n              user {\n                id\n                displayName\n              }\n            }\n          }\n        }\n      }\n    }\n  }\n": types.EventThenBookingsDocument,
    "\n  mutation BookSeats($eventId: ID!, $seats: Int) {\n    bookSeats(eventId: $eventId, seats: $seats) {\n      id\n      seats\n      status\n      event {\n        id\n        availableSeats\n      }\n    }\n  }\n": types.BookSeatsDocument,
    "\n  mutation CancelBooking($bookingId: ID!) {\n    cancelBooking(bookingId: $bookingId) {\n      id\n      status\n      event {\n        id\n        availableSeats\n      }\n    }\n  }\n": types.CancelBookingDocument,
    "\n  subscription SeatUpdates($eventId: ID!, $after: String) {\n    seatUpdates(eventId: $eventId, after: $after) {\n      kind\n      cursor\n      at\n      availableSeats\n      capacity\n      booking {\n        id\n        seats\n        status\n        user {\n          id\n          displayName\n        }\n      }\n    }\n  }\n": types.SeatUpdatesDocument,
    "\n  query Conversations($first: Int) {\n    conversations(first: $first) {\n      edges {\n        node {\n          id\n          title\n          kind\n          unreadCount\n        }\n      }\n    }\n  }\n": types.ConversationsDocument,
    "\n  fragment ChatMessage on Message {\n    id\n    text\n    createdAt\n    clientMessageId\n    sender {\n      id\n      displayName\n    }\n  }\n": types.ChatMessageFragmentDoc,
    "\n  query ConversationHistory($id: ID!, $last: Int) {\n    conversation(id: $id) {\n      id\n      title\n      eventsCursor\n      unreadCount\n      members {\n        id\n        displayName\n      }\n      messages(last: $last) {\n        edges {\n          node {\n            ...ChatMessage\n          }\n        }\n      }\n    }\n  }\n": types.ConversationHistoryDocument,
    "\n  mutation SendMessage($conversationId: ID!, $text: String!, $clientMessageId: String) {\n    sendMessage(conversationId: $conversationId, text: $text, clientMessageId: $clientMessageId) {\n      ...ChatMessage\n    }\n  }\n": types.SendMessageDocument,
    "\n  mutation SetTyping($conversationId: ID!, $isTyping: Boolean!) {\n    setTyping(conversationId: $conversationId, isTyping: $isTyping)\n  }\n": types.SetTypingDocument,
    "\n  subscription ConversationEvents($conversationId: ID!, $after: String) {\n    conversationEvents(conversationId: $conversationId, after: $after) {\n      kind\n      cursor\n      at\n      isTyping\n      member {\n        id\n        displayName\n      }\n      message {\n        ...ChatMessage\n      }\n    }\n  }\n": types.ConversationEventsDocument,
    "\n  query ConversationUnread($id: ID!) {\n    conversation(id: $id) {\n      id\n      unreadCount\n    }\n  }\n": types.ConversationUnreadDocument,
    "\n  mutation MarkConversationRead($conversationId: ID!) {\n    markConversationRead(conversationId: $conversationId) {\n      id\n      unreadCount\n    }\n  }\n": types.MarkConversationReadDocument,
    "\n  query Game($id: ID!) {\n    game(id: $id) {\n      id\n      mode\n      region\n      status\n      public\n      eventsCursor\n      players {\n        id\n        displayName\n      }\n    }\n  }\n": types.GameDocument,
    "\n  mutation SendGameAction($gameId: ID!, $action: JSON!, $clientActionId: String) {\n    sendGameAction(gameId: $gameId, action: $action, clientActionId: $clientActionId) {\n      id\n      action\n      clientActionId\n      createdAt\n      player {\n        id\n        displayName\n      }\n    }\n  }\n": types.SendGameActionDocument,
    "\n  subscription GameEvents($gameId: ID!, $after: String) {\n    gameEvents(gameId: $gameId, after: $after) {\n      kind\n      cursor\n      at\n      action\n      by {\n        id\n        displayName\n      }\n      winner {\n        id\n        displayName\n      }\n    }\n  }\n": types.GameEventsDocument,
    "\n  query Matches($region: Region!, $first: Int) {\n    matches(region: $region, first: $first) {\n      streamCursor\n      edges {\n        node {\n          ...MatchCard\n        }\n      }\n    }\n  }\n": types.MatchesDocument,
    "\n  fragment MatchCard on Match {\n    id\n    game\n    region\n    mode\n    slots\n    openSlots\n    status\n    description\n    createdAt\n    creator {\n      id\n      displayName\n    }\n  }\n": types.MatchCardFragmentDoc,
    "\n  mutation PostMatch($input: PostMatchInput!) {\n    postMatch(input: $input) {\n      ...MatchCard\n    }\n  }\n": types.PostMatchDocument,
    "\n  subscription MatchFeed($region: Region!, $filter: MatchFilter, $after: String) {\n    matchFeed(region: $region, filter: $filter, after: $after) {\n      kind\n      cursor\n      at\n      match {\n        ...MatchCard\n      }\n    }\n  }\n": types.MatchFeedDocument,
    "\n  fragment Application on MatchApplication {\n    id\n    status\n    message\n    createdAt\n    applicant {\n      id\n      displayName\n    }\n  }\n": types.ApplicationFragmentDoc,
    "\n  query MatchApplications($id: ID!) {\n    match(id: $id) {\n      id\n      game\n      status\n      slots\n      openSlots\n      creator {\n        id\n        displayName\n      }\n      applications {\n        ...Application\n      }\n    }\n  }\n": types.MatchApplicationsDocument,
    "\n  mutation ApplyToMatch($matchId: ID!, $message: String) {\n    applyToMatch(matchId: $matchId, message: $message) {\n      ...Application\n    }\n  }\n": types.ApplyToMatchDocument,
    "\n  mutation AcceptApplication($applicationId: ID!) {\n    acceptApplication(applicationId: $applicationId) {\n      ...Application\n      match {\n        id\n        status\n        openSlots\n      }\n    }\n  }\n": types.AcceptApplicationDocument,
    "\n  fragment GameCard on GameSession {\n    id\n    mode\n    region\n    status\n    createdAt\n    players {\n      id\n      displayName\n    }\n    winner {\n      id\n      displayName\n    }\n  }\n": types.GameCardFragmentDoc,
    "\n  query MatchmakingState {\n    queueTicket {\n      id\n      mode\n      region\n      position\n    }\n    currentGame {\n      ...GameCard\n    }\n  }\n": types.MatchmakingStateDocument,
    "\n  mutation JoinQueue($mode: String!, $region: Region!) {\n    joinQueue(mode: $mode, region: $region) {\n      id\n      mode\n      region\n      position\n      game {\n        ...GameCard\n      }\n    }\n  }\n": types.JoinQueueDocument,
    "\n  mutation LeaveQueue {\n    leaveQueue\n  }\n": types.LeaveQueueDocument,
    "\n  mutation StartGame($gameId: ID!) {\n    startGame(gameId: $gameId) {\n      ...GameCard\n    }\n  }\n": types.StartGameDocument,
    "\n  mutation EndGame($gameId: ID!, $winnerId: ID) {\n    endGame(gameId: $gameId, winnerId: $winnerId) {\n      ...GameCard\n    }\n  }\n": types.EndGameDocument,
    "\n  subscription Matchmaking {\n    matchmaking {\n      kind\n      position\n      at\n      game {\n        ...GameCard\n      }\n    }\n  }\n": types.MatchmakingDocument,
    "\n  query Notifications($first: Int) {\n    notifications(first: $first) {\n      streamCursor\n      edges {\n        node {\n          id\n          kind\n          message\n          read\n          createdAt\n          actor {\n            id\n            displayName\n          }\n        }\n      }\n    }\n  }\n": types.NotificationsDocument,
    "\n  mutation MarkNotificationsRead($ids: [ID!]) {\n    markNotificationsRead(ids: $ids)\n  }\n": types.MarkNotificationsReadDocument,
    "\n  subscription NotificationEvents($kinds: [NotificationKind!], $after: String) {\n    notifications(kinds: $kinds, after: $after) {\n      kind\n      cursor\n      at\n      notification {\n        id\n        kind\n        message\n        read\n        createdAt\n        actor {\n          id\n          displayName\n        }\n      }\n    }\n  }\n": types.NotificationEventsDocument,
    "\n  subscription OperationsStats {\n    operationsStats {\n      at\n      instances {\n        instanceId\n        at\n        connections\n        subscriptions {\n          kind\n          count\n        }\n        publishedPerSecond\n        deliveredPerSecond\n        latencyP50Ms\n        latencyP99Ms\n        rssBytes\n      }\n    }\n  }\n": types.OperationsStatsDocument,
    "\n  query Contacts($first: Int) {\n    conversations(first: $first) {\n      edges {\n        node {\n          id\n          members {\n            id\n            displayName\n          }\n        }\n      }\n    }\n  }\n": types.ContactsDocument,
    "\n  subscription Presence($userIds: [ID!]!) {\n    presence(userIds: $userIds) {\n      status\n      at\n      user {\n        id\n      }\n    }\n  }\n": types.PresenceDocument,
    "\n  mutation Login($username: String!, $password: String!) {\n    login(username: $username, password: $password) {\n      token\n      user {\n        id\n        username\n        displayName\n        role\n      }\n    }\n  }\n": types.LoginDocument,
    "\n  query Viewer {\n    viewer {\n      id\n      username\n      displayName\n      role\n    }\n  }\n": types.ViewerDocument,
    "\n  query ServerStats {\n    serverStats {\n      instanceId\n      openConnections\n      activeSubscriptions\n    }\n  }\n": types.ServerStatsDocument,
    "\n  mutation Broadcast($input: BroadcastInput!) {\n    broadcast(input: $input)\n  }\n": types.BroadcastDocument,
    "\n  query Posts($first: Int) {\n    posts(first: $first) {\n      edges {\n        node {\n          ...PostCard\n        }\n      }\n    }\n  }\n": types.PostsDocument,
    "\n  query Post($id: ID!) {\n    post(id: $id) {\n      ...PostCard\n      activityCursor\n    }\n  }\n": types.PostDocument,
    "\n  fragment PostCard on Post {\n    id\n    content\n    likeCount\n    commentCount\n    likedByViewer\n    createdAt\n    author {\n      id\n      displayName\n    }\n  }\n": types.PostCardFragmentDoc,
    "\n  mutation LikePost($postId: ID!) {\n    likePost(postId: $postId) {\n      ...PostCard\n    }\n  }\n": types.LikePostDocument,
    "\n  mutation UnlikePost($postId: ID!) {\n    unlikePost(postId: $postId) {\n      ...PostCard\n    }\n  }\n": types.UnlikePostDocument,
    "\n  subscription PostActivity($postId: ID!, $after: String) {\n    postActivity(postId: $postId, after: $after) {\n      kind\n      cursor\n      at\n      likeCount\n      commentCount\n      actor {\n        id\n        displayName\n      }\n    }\n  }\n": types.PostActivityDocument,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 *
 *
 * @example
 * ```ts
 * const query = graphql(`query GetUser($id: ID!) { user(id: $id) { name } }`);
 * ```
 *
 * The query argument is unknown!
 * Please regenerate the types.
 */
export function graphql(source: string): unknown;

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Events($first: Int) {\n    events(first: $first) {\n      edges {\n        node {\n          id\n          title\n          startsAt\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  query Events($first: Int) {\n    events(first: $first) {\n      edges {\n        node {\n          id\n          title\n          startsAt\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query EventSeats($id: ID!) {\n    event(id: $id) {\n      id\n      title\n      venue\n      startsAt\n      capacity\n      availableSeats\n      seatsCursor\n      bookings(first: 20) {\n        edges {\n          node {\n            id\n            seats\n            status\n            user {\n              id\n              displayName\n            }\n          }\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  query EventSeats($id: ID!) {\n    event(id: $id) {\n      id\n      title\n      venue\n      startsAt\n      capacity\n      availableSeats\n      seatsCursor\n      bookings(first: 20) {\n        edges {\n          node {\n            id\n            seats\n            status\n            user {\n              id\n              displayName\n            }\n          }\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query EventThenBookings($id: ID!) {\n    event(id: $id) {\n      id\n      title\n      venue\n      startsAt\n      capacity\n      availableSeats\n      seatsCursor\n      ... @defer(label: \"bookings\") {\n        bookings(first: 20) {\n          edges {\n            node {\n              id\n              seats\n              status\n              user {\n                id\n                displayName\n              }\n            }\n          }\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  query EventThenBookings($id: ID!) {\n    event(id: $id) {\n      id\n      title\n      venue\n      startsAt\n      capacity\n      availableSeats\n      seatsCursor\n      ... @defer(label: \"bookings\") {\n        bookings(first: 20) {\n          edges {\n            node {\n              id\n              seats\n              status\n              user {\n                id\n                displayName\n              }\n            }\n          }\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation BookSeats($eventId: ID!, $seats: Int) {\n    bookSeats(eventId: $eventId, seats: $seats) {\n      id\n      seats\n      status\n      event {\n        id\n        availableSeats\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation BookSeats($eventId: ID!, $seats: Int) {\n    bookSeats(eventId: $eventId, seats: $seats) {\n      id\n      seats\n      status\n      event {\n        id\n        availableSeats\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CancelBooking($bookingId: ID!) {\n    cancelBooking(bookingId: $bookingId) {\n      id\n      status\n      event {\n        id\n        availableSeats\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation CancelBooking($bookingId: ID!) {\n    cancelBooking(bookingId: $bookingId) {\n      id\n      status\n      event {\n        id\n        availableSeats\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription SeatUpdates($eventId: ID!, $after: String) {\n    seatUpdates(eventId: $eventId, after: $after) {\n      kind\n      cursor\n      at\n      availableSeats\n      capacity\n      booking {\n        id\n        seats\n        status\n        user {\n          id\n          displayName\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  subscription SeatUpdates($eventId: ID!, $after: String) {\n    seatUpdates(eventId: $eventId, after: $after) {\n      kind\n      cursor\n      at\n      availableSeats\n      capacity\n      booking {\n        id\n        seats\n        status\n        user {\n          id\n          displayName\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Conversations($first: Int) {\n    conversations(first: $first) {\n      edges {\n        node {\n          id\n          title\n          kind\n          unreadCount\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  query Conversations($first: Int) {\n    conversations(first: $first) {\n      edges {\n        node {\n          id\n          title\n          kind\n          unreadCount\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment ChatMessage on Message {\n    id\n    text\n    createdAt\n    clientMessageId\n    sender {\n      id\n      displayName\n    }\n  }\n"): (typeof documents)["\n  fragment ChatMessage on Message {\n    id\n    text\n    createdAt\n    clientMessageId\n    sender {\n      id\n      displayName\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ConversationHistory($id: ID!, $last: Int) {\n    conversation(id: $id) {\n      id\n      title\n      eventsCursor\n      unreadCount\n      members {\n        id\n        displayName\n      }\n      messages(last: $last) {\n        edges {\n          node {\n            ...ChatMessage\n          }\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  query ConversationHistory($id: ID!, $last: Int) {\n    conversation(id: $id) {\n      id\n      title\n      eventsCursor\n      unreadCount\n      members {\n        id\n        displayName\n      }\n      messages(last: $last) {\n        edges {\n          node {\n            ...ChatMessage\n          }\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation SendMessage($conversationId: ID!, $text: String!, $clientMessageId: String) {\n    sendMessage(conversationId: $conversationId, text: $text, clientMessageId: $clientMessageId) {\n      ...ChatMessage\n    }\n  }\n"): (typeof documents)["\n  mutation SendMessage($conversationId: ID!, $text: String!, $clientMessageId: String) {\n    sendMessage(conversationId: $conversationId, text: $text, clientMessageId: $clientMessageId) {\n      ...ChatMessage\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation SetTyping($conversationId: ID!, $isTyping: Boolean!) {\n    setTyping(conversationId: $conversationId, isTyping: $isTyping)\n  }\n"): (typeof documents)["\n  mutation SetTyping($conversationId: ID!, $isTyping: Boolean!) {\n    setTyping(conversationId: $conversationId, isTyping: $isTyping)\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription ConversationEvents($conversationId: ID!, $after: String) {\n    conversationEvents(conversationId: $conversationId, after: $after) {\n      kind\n      cursor\n      at\n      isTyping\n      member {\n        id\n        displayName\n      }\n      message {\n        ...ChatMessage\n      }\n    }\n  }\n"): (typeof documents)["\n  subscription ConversationEvents($conversationId: ID!, $after: String) {\n    conversationEvents(conversationId: $conversationId, after: $after) {\n      kind\n      cursor\n      at\n      isTyping\n      member {\n        id\n        displayName\n      }\n      message {\n        ...ChatMessage\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ConversationUnread($id: ID!) {\n    conversation(id: $id) {\n      id\n      unreadCount\n    }\n  }\n"): (typeof documents)["\n  query ConversationUnread($id: ID!) {\n    conversation(id: $id) {\n      id\n      unreadCount\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation MarkConversationRead($conversationId: ID!) {\n    markConversationRead(conversationId: $conversationId) {\n      id\n      unreadCount\n    }\n  }\n"): (typeof documents)["\n  mutation MarkConversationRead($conversationId: ID!) {\n    markConversationRead(conversationId: $conversationId) {\n      id\n      unreadCount\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Game($id: ID!) {\n    game(id: $id) {\n      id\n      mode\n      region\n      status\n      public\n      eventsCursor\n      players {\n        id\n        displayName\n      }\n    }\n  }\n"): (typeof documents)["\n  query Game($id: ID!) {\n    game(id: $id) {\n      id\n      mode\n      region\n      status\n      public\n      eventsCursor\n      players {\n        id\n        displayName\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation SendGameAction($gameId: ID!, $action: JSON!, $clientActionId: String) {\n    sendGameAction(gameId: $gameId, action: $action, clientActionId: $clientActionId) {\n      id\n      action\n      clientActionId\n      createdAt\n      player {\n        id\n        displayName\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation SendGameAction($gameId: ID!, $action: JSON!, $clientActionId: String) {\n    sendGameAction(gameId: $gameId, action: $action, clientActionId: $clientActionId) {\n      id\n      action\n      clientActionId\n      createdAt\n      player {\n        id\n        displayName\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription GameEvents($gameId: ID!, $after: String) {\n    gameEvents(gameId: $gameId, after: $after) {\n      kind\n      cursor\n      at\n      action\n      by {\n        id\n        displayName\n      }\n      winner {\n        id\n        displayName\n      }\n    }\n  }\n"): (typeof documents)["\n  subscription GameEvents($gameId: ID!, $after: String) {\n    gameEvents(gameId: $gameId, after: $after) {\n      kind\n      cursor\n      at\n      action\n      by {\n        id\n        displayName\n      }\n      winner {\n        id\n        displayName\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Matches($region: Region!, $first: Int) {\n    matches(region: $region, first: $first) {\n      streamCursor\n      edges {\n        node {\n          ...MatchCard\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  query Matches($region: Region!, $first: Int) {\n    matches(region: $region, first: $first) {\n      streamCursor\n      edges {\n        node {\n          ...MatchCard\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment MatchCard on Match {\n    id\n    game\n    region\n    mode\n    slots\n    openSlots\n    status\n    description\n    createdAt\n    creator {\n      id\n      displayName\n    }\n  }\n"): (typeof documents)["\n  fragment MatchCard on Match {\n    id\n    game\n    region\n    mode\n    slots\n    openSlots\n    status\n    description\n    createdAt\n    creator {\n      id\n      displayName\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation PostMatch($input: PostMatchInput!) {\n    postMatch(input: $input) {\n      ...MatchCard\n    }\n  }\n"): (typeof documents)["\n  mutation PostMatch($input: PostMatchInput!) {\n    postMatch(input: $input) {\n      ...MatchCard\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription MatchFeed($region: Region!, $filter: MatchFilter, $after: String) {\n    matchFeed(region: $region, filter: $filter, after: $after) {\n      kind\n      cursor\n      at\n      match {\n        ...MatchCard\n      }\n    }\n  }\n"): (typeof documents)["\n  subscription MatchFeed($region: Region!, $filter: MatchFilter, $after: String) {\n    matchFeed(region: $region, filter: $filter, after: $after) {\n      kind\n      cursor\n      at\n      match {\n        ...MatchCard\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment Application on MatchApplication {\n    id\n    status\n    message\n    createdAt\n    applicant {\n      id\n      displayName\n    }\n  }\n"): (typeof documents)["\n  fragment Application on MatchApplication {\n    id\n    status\n    message\n    createdAt\n    applicant {\n      id\n      displayName\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query MatchApplications($id: ID!) {\n    match(id: $id) {\n      id\n      game\n      status\n      slots\n      openSlots\n      creator {\n        id\n        displayName\n      }\n      applications {\n        ...Application\n      }\n    }\n  }\n"): (typeof documents)["\n  query MatchApplications($id: ID!) {\n    match(id: $id) {\n      id\n      game\n      status\n      slots\n      openSlots\n      creator {\n        id\n        displayName\n      }\n      applications {\n        ...Application\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ApplyToMatch($matchId: ID!, $message: String) {\n    applyToMatch(matchId: $matchId, message: $message) {\n      ...Application\n    }\n  }\n"): (typeof documents)["\n  mutation ApplyToMatch($matchId: ID!, $message: String) {\n    applyToMatch(matchId: $matchId, message: $message) {\n      ...Application\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation AcceptApplication($applicationId: ID!) {\n    acceptApplication(applicationId: $applicationId) {\n      ...Application\n      match {\n        id\n        status\n        openSlots\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation AcceptApplication($applicationId: ID!) {\n    acceptApplication(applicationId: $applicationId) {\n      ...Application\n      match {\n        id\n        status\n        openSlots\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment GameCard on GameSession {\n    id\n    mode\n    region\n    status\n    createdAt\n    players {\n      id\n      displayName\n    }\n    winner {\n      id\n      displayName\n    }\n  }\n"): (typeof documents)["\n  fragment GameCard on GameSession {\n    id\n    mode\n    region\n    status\n    createdAt\n    players {\n      id\n      displayName\n    }\n    winner {\n      id\n      displayName\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query MatchmakingState {\n    queueTicket {\n      id\n      mode\n      region\n      position\n    }\n    currentGame {\n      ...GameCard\n    }\n  }\n"): (typeof documents)["\n  query MatchmakingState {\n    queueTicket {\n      id\n      mode\n      region\n      position\n    }\n    currentGame {\n      ...GameCard\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation JoinQueue($mode: String!, $region: Region!) {\n    joinQueue(mode: $mode, region: $region) {\n      id\n      mode\n      region\n      position\n      game {\n        ...GameCard\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation JoinQueue($mode: String!, $region: Region!) {\n    joinQueue(mode: $mode, region: $region) {\n      id\n      mode\n      region\n      position\n      game {\n        ...GameCard\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation LeaveQueue {\n    leaveQueue\n  }\n"): (typeof documents)["\n  mutation LeaveQueue {\n    leaveQueue\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation StartGame($gameId: ID!) {\n    startGame(gameId: $gameId) {\n      ...GameCard\n    }\n  }\n"): (typeof documents)["\n  mutation StartGame($gameId: ID!) {\n    startGame(gameId: $gameId) {\n      ...GameCard\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation EndGame($gameId: ID!, $winnerId: ID) {\n    endGame(gameId: $gameId, winnerId: $winnerId) {\n      ...GameCard\n    }\n  }\n"): (typeof documents)["\n  mutation EndGame($gameId: ID!, $winnerId: ID) {\n    endGame(gameId: $gameId, winnerId: $winnerId) {\n      ...GameCard\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription Matchmaking {\n    matchmaking {\n      kind\n      position\n      at\n      game {\n        ...GameCard\n      }\n    }\n  }\n"): (typeof documents)["\n  subscription Matchmaking {\n    matchmaking {\n      kind\n      position\n      at\n      game {\n        ...GameCard\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Notifications($first: Int) {\n    notifications(first: $first) {\n      streamCursor\n      edges {\n        node {\n          id\n          kind\n          message\n          read\n          createdAt\n          actor {\n            id\n            displayName\n          }\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  query Notifications($first: Int) {\n    notifications(first: $first) {\n      streamCursor\n      edges {\n        node {\n          id\n          kind\n          message\n          read\n          createdAt\n          actor {\n            id\n            displayName\n          }\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation MarkNotificationsRead($ids: [ID!]) {\n    markNotificationsRead(ids: $ids)\n  }\n"): (typeof documents)["\n  mutation MarkNotificationsRead($ids: [ID!]) {\n    markNotificationsRead(ids: $ids)\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription NotificationEvents($kinds: [NotificationKind!], $after: String) {\n    notifications(kinds: $kinds, after: $after) {\n      kind\n      cursor\n      at\n      notification {\n        id\n        kind\n        message\n        read\n        createdAt\n        actor {\n          id\n          displayName\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  subscription NotificationEvents($kinds: [NotificationKind!], $after: String) {\n    notifications(kinds: $kinds, after: $after) {\n      kind\n      cursor\n      at\n      notification {\n        id\n        kind\n        message\n        read\n        createdAt\n        actor {\n          id\n          displayName\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription OperationsStats {\n    operationsStats {\n      at\n      instances {\n        instanceId\n        at\n        connections\n        subscriptions {\n          kind\n          count\n        }\n        publishedPerSecond\n        deliveredPerSecond\n        latencyP50Ms\n        latencyP99Ms\n        rssBytes\n      }\n    }\n  }\n"): (typeof documents)["\n  subscription OperationsStats {\n    operationsStats {\n      at\n      instances {\n        instanceId\n        at\n        connections\n        subscriptions {\n          kind\n          count\n        }\n        publishedPerSecond\n        deliveredPerSecond\n        latencyP50Ms\n        latencyP99Ms\n        rssBytes\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Contacts($first: Int) {\n    conversations(first: $first) {\n      edges {\n        node {\n          id\n          members {\n            id\n            displayName\n          }\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  query Contacts($first: Int) {\n    conversations(first: $first) {\n      edges {\n        node {\n          id\n          members {\n            id\n            displayName\n          }\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription Presence($userIds: [ID!]!) {\n    presence(userIds: $userIds) {\n      status\n      at\n      user {\n        id\n      }\n    }\n  }\n"): (typeof documents)["\n  subscription Presence($userIds: [ID!]!) {\n    presence(userIds: $userIds) {\n      status\n      at\n      user {\n        id\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation Login($username: String!, $password: String!) {\n    login(username: $username, password: $password) {\n      token\n      user {\n        id\n        username\n        displayName\n        role\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation Login($username: String!, $password: String!) {\n    login(username: $username, password: $password) {\n      token\n      user {\n        id\n        username\n        displayName\n        role\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Viewer {\n    viewer {\n      id\n      username\n      displayName\n      role\n    }\n  }\n"): (typeof documents)["\n  query Viewer {\n    viewer {\n      id\n      username\n      displayName\n      role\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ServerStats {\n    serverStats {\n      instanceId\n      openConnections\n      activeSubscriptions\n    }\n  }\n"): (typeof documents)["\n  query ServerStats {\n    serverStats {\n      instanceId\n      openConnections\n      activeSubscriptions\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation Broadcast($input: BroadcastInput!) {\n    broadcast(input: $input)\n  }\n"): (typeof documents)["\n  mutation Broadcast($input: BroadcastInput!) {\n    broadcast(input: $input)\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Posts($first: Int) {\n    posts(first: $first) {\n      edges {\n        node {\n          ...PostCard\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  query Posts($first: Int) {\n    posts(first: $first) {\n      edges {\n        node {\n          ...PostCard\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Post($id: ID!) {\n    post(id: $id) {\n      ...PostCard\n      activityCursor\n    }\n  }\n"): (typeof documents)["\n  query Post($id: ID!) {\n    post(id: $id) {\n      ...PostCard\n      activityCursor\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment PostCard on Post {\n    id\n    content\n    likeCount\n    commentCount\n    likedByViewer\n    createdAt\n    author {\n      id\n      displayName\n    }\n  }\n"): (typeof documents)["\n  fragment PostCard on Post {\n    id\n    content\n    likeCount\n    commentCount\n    likedByViewer\n    createdAt\n    author {\n      id\n      displayName\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation LikePost($postId: ID!) {\n    likePost(postId: $postId) {\n      ...PostCard\n    }\n  }\n"): (typeof documents)["\n  mutation LikePost($postId: ID!) {\n    likePost(postId: $postId) {\n      ...PostCard\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation UnlikePost($postId: ID!) {\n    unlikePost(postId: $postId) {\n      ...PostCard\n    }\n  }\n"): (typeof documents)["\n  mutation UnlikePost($postId: ID!) {\n    unlikePost(postId: $postId) {\n      ...PostCard\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription PostActivity($postId: ID!, $after: String) {\n    postActivity(postId: $postId, after: $after) {\n      kind\n      cursor\n      at\n      likeCount\n      commentCount\n      actor {\n        id\n        displayName\n      }\n    }\n  }\n"): (typeof documents)["\n  subscription PostActivity($postId: ID!, $after: String) {\n    postActivity(postId: $postId, after: $after) {\n      kind\n      cursor\n      at\n      likeCount\n      commentCount\n      actor {\n        id\n        displayName\n      }\n    }\n  }\n"];

export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}

export type DocumentType<TDocumentNode extends DocumentNode<any, any>> = TDocumentNode extends DocumentNode<  infer TType,  any>  ? TType  : never;