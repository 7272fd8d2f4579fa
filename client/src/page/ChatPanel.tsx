/**
 * Chat: one conversation's history and live messages, sending, who is typing, and unread counts.
 * A message from someone else in the open conversation reads its count again (the server's count,
 * so a replayed message is not counted twice); Mark read sets the viewer's read marker.
 */
import { useRef, useState, type FormEvent } from 'react';
import { useApolloClient, useMutation, useQuery, useSubscription } from '@apollo/client/react';
import type { ChatMessageFragment } from '../gql/graphql.js';
import { useSnapshotCursor } from './snapshot.js';
import {
  ConversationEventsDocument,
  ConversationHistoryDocument,
  ConversationsDocument,
  ConversationUnreadDocument,
  MarkConversationReadDocument,
  SendMessageDocument,
  SetTypingDocument,
} from '../operations/chat.js';

/** How often a continuing typist renews the indicator (the server ends it a few seconds after the last renewal). */
const TYPING_RENEW_MS = 2_000;

export function ChatPanel({ viewerId }: { viewerId: string }) {
  const { data } = useQuery(ConversationsDocument, { variables: { first: 20 } });
  const [chosen, setChosen] = useState<string | null>(null);
  const conversations = data?.conversations.edges.map((e) => e.node) ?? [];
  const conversationId = chosen ?? conversations[0]?.id ?? null;
  return (
    <section className="panel" data-testid="chat-panel">
      <h2>
        Chat{' '}
        <select data-testid="conversation-select" value={conversationId ?? ''} onChange={(e) => setChosen(e.target.value)}>
          {conversations.map((c) => (
            <option key={c.id} value={c.id}>
              {c.title ?? `${c.kind.toLowerCase()} conversation`}
              {c.unreadCount > 0 ? ` (${c.unreadCount})` : ''}
            </option>
          ))}
        </select>
      </h2>
      {conversationId ? (
        <Conversation
          key={conversationId}
          conversationId={conversationId}
          viewerId={viewerId}
          unread={conversations.find((c) => c.id === conversationId)?.unreadCount ?? 0}
        />
      ) : (
        <p className="muted">You are in no conversation yet.</p>
      )}
    </section>
  );
}

function Conversation({ conversationId, viewerId, unread }: { conversationId: string; viewerId: string; unread: number }) {
  const client = useApolloClient();
  const { data, error } = useQuery(ConversationHistoryDocument, { variables: { id: conversationId, last: 30 } });
  const [arrived, setArrived] = useState<ChatMessageFragment[]>([]);
  const [typists, setTypists] = useState<Record<string, string>>({});
  const after = useSnapshotCursor(data?.conversation.eventsCursor);
  useSubscription(ConversationEventsDocument, {
    variables: { conversationId, after },
    skip: !after,
    onData: ({ data: result }) => {
      const event = result.data?.conversationEvents;
      if (!event) return;
      if (event.kind === 'MESSAGE' && event.message) {
        const message = event.message;
        setArrived((list) => (list.some((m) => m.id === message.id) ? list : [...list, message]));
        setTypists(({ [message.sender.id]: _, ...rest }) => rest);
        // Into the cache (Conversation:id), where the list and the badge read it.
        if (message.sender.id !== viewerId) {
          void client
            .query({ query: ConversationUnreadDocument, variables: { id: conversationId }, fetchPolicy: 'network-only' })
            .catch(() => {});
        }
      }
      if (event.kind === 'TYPING' && event.member) {
        const member = event.member;
        setTypists(({ [member.id]: _, ...rest }) => (event.isTyping ? { ...rest, [member.id]: member.displayName } : rest));
      }
    },
  });
  const [send, sending] = useMutation(SendMessageDocument);
  const [setTyping] = useMutation(SetTypingDocument);
  const [markRead, marking] = useMutation(MarkConversationReadDocument);
  const [text, setText] = useState('');
  const lastTyping = useRef(0);

  const history = data?.conversation.messages.edges.map((e) => e.node) ?? [];
  const known = new Set(history.map((m) => m.id));
  const messages = [...history, ...arrived.filter((m) => !known.has(m.id))];

  const type = (value: string) => {
    setText(value);
    if (Date.now() - lastTyping.current > TYPING_RENEW_MS) {
      lastTyping.current = Date.now();
      void setTyping({ variables: { conversationId, isTyping: true } }).catch(() => {});
    }
  };

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!text.trim()) return;
    // The same clientMessageId on a retry returns the first message instead of storing a second.
    const result = await send({ variables: { conversationId, text, clientMessageId: crypto.randomUUID() } }).catch(() => null);
    if (!result?.data) return;
    const message = result.data.sendMessage;
    setArrived((list) => (list.some((m) => m.id === message.id) ? list : [...list, message]));
    setText('');
    lastTyping.current = 0;
    void setTyping({ variables: { conversationId, isTyping: false } }).catch(() => {});
  };

  if (error) return <p className="error">{error.message}</p>;
  const typing = Object.values(typists);
  return (
    <>
      <p className="unread-line">
        <span data-testid="chat-unread">{unread}</span> unread{' '}
        <button
          type="button"
          data-testid="chat-mark-read"
          disabled={unread === 0 || marking.loading}
          onClick={() => void markRead({ variables: { conversationId } }).catch(() => {})}
        >
          Mark read
        </button>
      </p>
      <ul className="list messages" data-testid="chat-messages">
        {messages.map((m) => (
          <li key={m.id} data-testid="chat-message" className={m.sender.id === viewerId ? 'mine' : ''}>
            <strong>{m.sender.displayName}:</strong> {m.text}
          </li>
        ))}
      </ul>
      <p className="muted typing" data-testid="typing">
        {typing.length ? `${typing.join(', ')} ${typing.length === 1 ? 'is' : 'are'} typing…` : '\u00a0'}
      </p>
      <form onSubmit={submit} className="row">
        <input data-testid="chat-input" placeholder="Message" value={text} maxLength={4000} onChange={(e) => type(e.target.value)} />
        <button type="submit" data-testid="chat-send" disabled={sending.loading}>
          Send
        </button>
      </form>
      {sending.error ? <p className="error">{sending.error.message}</p> : null}
    </>
  );
}
