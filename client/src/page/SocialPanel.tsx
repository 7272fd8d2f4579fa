/** Social: a post with its live like count, and the viewer's notifications as they arrive. */
import { useState } from 'react';
import { useApolloClient, useMutation, useQuery, useSubscription } from '@apollo/client/react';
import type { NotificationsQuery } from '../gql/graphql.js';
import { MarkNotificationsReadDocument, NotificationEventsDocument, NotificationsDocument } from '../operations/notifications.js';
import { LikePostDocument, PostActivityDocument, PostDocument, PostsDocument, UnlikePostDocument } from '../operations/social.js';
import { refreshApplications } from './MatchApplications.js';
import { useSnapshotCursor } from './snapshot.js';

type Notification = NotificationsQuery['notifications']['edges'][number]['node'];

export function SocialPanel() {
  return (
    <section className="panel" data-testid="social-panel">
      <h2>Post and notifications</h2>
      <LatestPost />
      <Notifications />
    </section>
  );
}

function LatestPost() {
  const { data, error } = useQuery(PostsDocument, { variables: { first: 1 } });
  const post = data?.posts.edges[0]?.node;
  if (error) return <p className="error">{error.message}</p>;
  if (!post) return <p className="muted">No posts yet.</p>;
  return <Post key={post.id} post={post} />;
}

function Post({
  post,
}: {
  post: { id: string; content: string; likeCount: number; commentCount: number; likedByViewer: boolean; author: { displayName: string } };
}) {
  // Likes by anyone arrive here with the current counts, from the post's snapshot on.
  const { data: snapshot } = useQuery(PostDocument, { variables: { id: post.id } });
  const after = useSnapshotCursor(snapshot?.post.activityCursor);
  const { data: live } = useSubscription(PostActivityDocument, { variables: { postId: post.id, after }, skip: !after });
  const [like, liking] = useMutation(LikePostDocument);
  const [unlike, unliking] = useMutation(UnlikePostDocument);
  const likes = live?.postActivity.likeCount ?? post.likeCount;
  const comments = live?.postActivity.commentCount ?? post.commentCount;
  const toggle = () => void (post.likedByViewer ? unlike : like)({ variables: { postId: post.id } }).catch(() => {});
  return (
    <div className="post" data-testid="post">
      <p>
        <strong>{post.author.displayName}:</strong> {post.content}
      </p>
      <p>
        <span data-testid="post-like-count">{likes}</span> likes · {comments} comments{' '}
        <button type="button" data-testid="like-toggle" disabled={liking.loading || unliking.loading} onClick={toggle}>
          {post.likedByViewer ? 'Unlike' : 'Like'}
        </button>
      </p>
      {live?.postActivity.actor ? (
        <p className="muted">
          latest: {live.postActivity.actor.displayName} {live.postActivity.kind.toLowerCase()}
        </p>
      ) : null}
    </div>
  );
}

function Notifications() {
  const { data, refetch } = useQuery(NotificationsDocument, { variables: { first: 10 } });
  const client = useApolloClient();
  const [arrived, setArrived] = useState<Notification[]>([]);
  const after = useSnapshotCursor(data?.notifications.streamCursor);
  useSubscription(NotificationEventsDocument, {
    variables: { after },
    skip: !after,
    onData: ({ data: result }) => {
      const notification = result.data?.notifications.notification;
      if (!notification) return;
      setArrived((list) => [notification, ...list.filter((n) => n.id !== notification.id)]);
      // Someone applied to the viewer's match, or accepted the viewer: the open match view reads its applications again.
      if (notification.kind === 'CONNECTION_REQUEST' || notification.kind === 'PLAYER_ACCEPTED') refreshApplications(client);
    },
  });
  const [markRead] = useMutation(MarkNotificationsReadDocument);

  const known = new Set(arrived.map((n) => n.id));
  const list = [...arrived, ...(data?.notifications.edges.map((e) => e.node).filter((n) => !known.has(n.id)) ?? [])].slice(0, 10);
  const unread = list.filter((n) => !n.read).length;
  const readAll = async () => {
    await markRead().catch(() => {});
    setArrived([]);
    await refetch();
  };

  return (
    <div data-testid="notifications">
      <h3>
        Notifications <span data-testid="unread-count">{unread}</span> unread{' '}
        <button type="button" onClick={() => void readAll()} disabled={unread === 0}>
          Mark all read
        </button>
      </h3>
      <ul className="list">
        {list.length === 0 ? <li className="muted">Nothing yet.</li> : null}
        {list.map((n) => (
          <li key={n.id} data-testid="notification" className={n.read ? 'read' : 'unread'}>
            {n.message}
          </li>
        ))}
      </ul>
    </div>
  );
}
