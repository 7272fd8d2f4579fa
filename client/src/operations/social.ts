/** Social: posts, likes, and a post's live activity. */
import { graphql } from '../gql/index.js';

export const PostsDocument = graphql(`
  query Posts($first: Int) {
    posts(first: $first) {
      edges {
        node {
          ...PostCard
        }
      }
    }
  }
`);

export const PostDocument = graphql(`
  query Post($id: ID!) {
    post(id: $id) {
      ...PostCard
      activityCursor
    }
  }
`);

export const PostCardFields = graphql(`
  fragment PostCard on Post {
    id
    content
    likeCount
    commentCount
    likedByViewer
    createdAt
    author {
      id
      displayName
    }
  }
`);

export const LikePostDocument = graphql(`
  mutation LikePost($postId: ID!) {
    likePost(postId: $postId) {
      ...PostCard
    }
  }
`);

export const UnlikePostDocument = graphql(`
  mutation UnlikePost($postId: ID!) {
    unlikePost(postId: $postId) {
      ...PostCard
    }
  }
`);

export const PostActivityDocument = graphql(`
  subscription PostActivity($postId: ID!, $after: String) {
    postActivity(postId: $postId, after: $after) {
      kind
      cursor
      at
      likeCount
      commentCount
      actor {
        id
        displayName
      }
    }
  }
`);
