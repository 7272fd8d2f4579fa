/**
 * The Pulse demo page: sign in as a demo user, then the live panels. One Pulse client per signed-in
 * session (its socket carries that user's token); the header shows the socket's state.
 */
import { useEffect, useState } from 'react';
import { ApolloProvider } from '@apollo/client/react';
import { MatchmakingStateDocument } from '../operations/matchmaking.js';
import { createPulseClient, type ConnectionState, type PulseClient } from '../pulse-client.js';
import { ChatPanel } from './ChatPanel.js';
import { MatchBoard } from './MatchBoard.js';
import { MatchmakingPanel } from './MatchmakingPanel.js';
import { OperationsPanel } from './OperationsPanel.js';
import { PresencePanel } from './PresencePanel.js';
import { SeatsPanel } from './SeatsPanel.js';
import { loadSession, saveSession, type Session } from './session.js';
import { SignIn } from './SignIn.js';
import { SocialPanel } from './SocialPanel.js';

export function App() {
  const [session, setSession] = useState<Session | null>(loadSession);
  const [state, setState] = useState<ConnectionState>('connecting');
  const [client, setClient] = useState<PulseClient | null>(null);

  useEffect(() => {
    let connectedBefore = false;
    const pulse: PulseClient = createPulseClient({
      url: '/graphql',
      getToken: () => session?.token,
      lazy: false,
      onConnectionChange: (next) => {
        setState(next);
        if (next !== 'connected') return;
        // Ephemeral streams replay nothing (resumable ones do): what the queue panel shows is read again.
        // Presence needs nothing: a resubscribed `presence` starts with every current status.
        if (connectedBefore) void pulse.refetchQueries({ include: [MatchmakingStateDocument] }).catch(() => {});
        connectedBefore = true;
      },
      // Events were trimmed before we could resume: what is on screen may be stale, so reload it.
      onGap: () => void pulse.refetchQueries({ include: 'active' }),
    });
    setClient(pulse);
    return () => void pulse.dispose();
  }, [session?.token]);

  const signIn = (next: Session | null) => {
    saveSession(next);
    setSession(next);
  };

  if (!client) return null;
  return (
    <ApolloProvider client={client}>
      <header>
        <h1>Pulse</h1>
        <span data-testid="connection-state" className={`state ${state}`}>
          {state}
        </span>
        {session ? (
          <span className="who">
            signed in as <strong data-testid="viewer">{session.user.username}</strong>{' '}
            <button type="button" onClick={() => signIn(null)}>
              Sign out
            </button>
          </span>
        ) : null}
      </header>
      {session ? (
        <main>
          <MatchBoard viewerId={session.user.id} />
          <MatchmakingPanel viewerId={session.user.id} />
          <ChatPanel viewerId={session.user.id} />
          <PresencePanel viewerId={session.user.id} />
          <SeatsPanel viewerId={session.user.id} />
          <SocialPanel />
          <OperationsPanel />
        </main>
      ) : (
        <SignIn onSignedIn={signIn} />
      )}
    </ApolloProvider>
  );
}
