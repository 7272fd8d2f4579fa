/**
 * People: everyone the viewer chats with (the members of their conversations), online or offline,
 * live. The `presence` stream is ephemeral: it starts with each user's current status, and it does so
 * again when the socket resubscribes after a reconnect, so nothing needs replaying.
 */
import { useState } from 'react';
import { useQuery, useSubscription } from '@apollo/client/react';
import type { PresenceStatus } from '../gql/graphql.js';
import { ContactsDocument, PresenceDocument } from '../operations/presence.js';

/** What one `presence` subscription may watch (the server's MAX_WATCHED_USERS). */
const MAX_WATCHED = 100;

interface Contact {
  id: string;
  displayName: string;
}

export function PresencePanel({ viewerId }: { viewerId: string }) {
  const { data, error } = useQuery(ContactsDocument, { variables: { first: 20 } });
  const contacts = new Map<string, Contact>();
  for (const { node } of data?.conversations.edges ?? []) {
    for (const member of node.members) if (member.id !== viewerId) contacts.set(member.id, member);
  }
  const people = [...contacts.values()].sort((a, b) => a.displayName.localeCompare(b.displayName)).slice(0, MAX_WATCHED);
  return (
    <section className="panel" data-testid="presence-panel">
      <h2>People</h2>
      {error ? <p className="error">{error.message}</p> : null}
      {people.length === 0 ? (
        <p className="muted">{data ? 'Nobody to show yet: join a conversation.' : 'Loading…'}</p>
      ) : (
        // Keyed by who is watched: another set of people is another subscription.
        <People key={people.map((p) => p.id).join(',')} people={people} />
      )}
    </section>
  );
}

function People({ people }: { people: Contact[] }) {
  const [statuses, setStatuses] = useState<Record<string, PresenceStatus>>({});
  const { error } = useSubscription(PresenceDocument, {
    variables: { userIds: people.map((p) => p.id) },
    onData: ({ data: result }) => {
      const update = result.data?.presence;
      if (update) setStatuses((known) => ({ ...known, [update.user.id]: update.status }));
    },
  });
  const online = people.filter((p) => statuses[p.id] === 'ONLINE').length;
  return (
    <>
      {error ? <p className="error">{error.message}</p> : null}
      <p className="muted" data-testid="presence-summary">
        {online} of {people.length} online
      </p>
      <ul className="list people">
        {people.map((p) => {
          const status = statuses[p.id];
          return (
            <li key={p.id} data-testid="presence-item" data-status={status ?? 'UNKNOWN'}>
              <span className={`dot ${status ?? ''}`} aria-hidden="true" /> {p.displayName}{' '}
              <span className="muted">{status ? status.toLowerCase() : '…'}</span>
            </li>
          );
        })}
      </ul>
    </>
  );
}
