/** GraphQL documents shared by the social tests. */
export const CREATE_POST = `mutation($content: String!) { createPost(content: $content) { id content likeCount commentCount likedByViewer author { id } } }`;
export const LIKE = `mutation($postId: ID!) { likePost(postId: $postId) { id likeCount commentCount likedByViewer } }`;
export const UNLIKE = `mutation($postId: ID!) { unlikePost(postId: $postId) { id likeCount commentCount likedByViewer } }`;
export const COMMENT = `mutation($postId: ID!, $content: String!) { addComment(postId: $postId, content: $content) { id content author { id } } }`;
export const POST = `query($id: ID!) { post(id: $id) { id content likeCount commentCount likedByViewer } }`;
export const POST_ACTIVITY = `subscription($postId: ID!, $after: String) {
  postActivity(postId: $postId, after: $after) { kind likeCount commentCount actor { id } comment { id content } cursor at }
}`;
export const NOTIFICATIONS = `subscription { notifications { kind notification { kind subjectId actor { id } message } } }`;
export const FOLLOW = `mutation($userId: ID!) { followUser(userId: $userId) { id followerCount followingCount followedByViewer } }`;
export const UNFOLLOW = `mutation($userId: ID!) { unfollowUser(userId: $userId) { id followerCount followingCount followedByViewer } }`;
