/**
 * Matchmaking: join or leave a queue, the live position, the game found, and its start and end.
 * The `matchmaking` stream is ephemeral (a signal, not replayed), so each signal is shown in the
 * panel's log and the state (ticket, game) is read again after it: what the panel shows is the
 * server's state as of the latest signal, whatever order a signal and a read answer in. After a
 * reconnect the page reads it again too (App), since signals sent meanwhile are gone.
 */
import { useRef, useState, type FormEvent } from 'react';
import { useMutation, useQuery, useSubscription } from '@apollo/client/react';
import type { GameCardFragment, MatchmakingSubscription, Region } from '../gql/graphql.js';
import {
  EndGameDocument,
  JoinQueueDocument,
  LeaveQueueDocument,
  MatchmakingDocument,
  MatchmakingStateDocument,
  StartGameDocument,
} from '../operations/matchmaking.js';
import { LiveGame } from './LiveGame.js';
import { REGIONS } from './regions.js';

type Signal = MatchmakingSubscription['matchmaking'];
/** A signal in the log, numbered in arrival order (its key). */
type Logged = { n: number; signal: Signal };

/** The server's modes (TEAM_SIZES in src/matchmaking/service.ts) with their team sizes. */
const MODES = [
  { mode: 'duel', players: 2 },
  { mode: 'squad', players: 4 },
];
/** Signals kept in the panel's log. */
const LOG = 5;
const refetchState = { refetchQueries: [MatchmakingStateDocument] };

export function MatchmakingPanel({ viewerId }: { viewerId: string }) {
  const { data, error, refetch } = useQuery(MatchmakingStateDocument);
  const [log, setLog] = useState<Logged[]>([]);
  const arrived = useRef(0);
  // currentGame is null once a game ends: the last ended game is kept from its GAME_ENDED signal.
  const [ended, setEnded] = useState<GameCardFragment | null>(null);
  useSubscription(MatchmakingDocument, {
    onData: ({ data: result }) => {
      const signal = result.data?.matchmaking;
      if (!signal) return;
      const n = ++arrived.current;
      setLog((list) => [{ n, signal }, ...list].slice(0, LOG));
      if (signal.kind === 'GAME_ENDED') setEnded(signal.game);
      void refetch().catch(() => {});
    },
  });
  const ticket = data?.queueTicket ?? null;
  // A game this page just ended is ENDED in the cache until the state is read again: it is over.
  const game = data?.currentGame?.status === 'ENDED' ? null : (data?.currentGame ?? null);
  return (
    <section className="panel" data-testid="matchmaking-panel">
      <h2>Matchmaking</h2>
      {error ? <p className="error">{error.message}</p> : null}
      {!data ? (
        <p className="muted">Loading…</p>
      ) : game ? (
        <Game game={game} viewerId={viewerId} />
      ) : ticket ? (
        <Ticket ticket={ticket} />
      ) : (
        <Join />
      )}
      {!game && ended ? (
        <p className="muted" data-testid="game-ended">
          Last game ({ended.mode}) ended{ended.winner ? `: ${ended.winner.displayName} won` : ''}.
        </p>
      ) : null}
      {log.length > 0 ? <h3>Signals</h3> : null}
      <ul className="list signals">
        {log.map(({ n, signal }) => (
          <li key={n} data-testid="matchmaking-signal" className="muted">
            {new Date(signal.at).toLocaleTimeString()} {describe(signal)}
          </li>
        ))}
      </ul>
    </section>
  );
}

function describe(signal: Signal): string {
  switch (signal.kind) {
    case 'QUEUED':
      return `Queued at position ${signal.position}`;
    case 'POSITION':
      return `Now at position ${signal.position}`;
    case 'LEFT':
      return 'Left the queue';
    case 'MATCH_FOUND':
      return `Match found: ${signal.game?.mode ?? ''} game`;
    case 'GAME_STARTED':
      return 'Game started';
    case 'GAME_ENDED':
      return signal.game?.winner ? `Game ended: ${signal.game.winner.displayName} won` : 'Game ended';
  }
}

function Join() {
  const [mode, setMode] = useState(MODES[0].mode);
  const [region, setRegion] = useState<Region>('NA');
  const [join, joining] = useMutation(JoinQueueDocument, refetchState);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    void join({ variables: { mode, region } }).catch(() => {});
  };
  return (
    <form onSubmit={submit}>
      <p data-testid="matchmaking-status">Not in a queue.</p>
      <div className="row">
        <select data-testid="queue-mode" value={mode} onChange={(e) => setMode(e.target.value)} aria-label="Mode">
          {MODES.map((m) => (
            <option key={m.mode} value={m.mode}>
              {m.mode} ({m.players} players)
            </option>
          ))}
        </select>
        <select data-testid="queue-region" value={region} onChange={(e) => setRegion(e.target.value as Region)} aria-label="Region">
          {REGIONS.map((r) => (
            <option key={r}>{r}</option>
          ))}
        </select>
        <button type="submit" data-testid="join-queue" disabled={joining.loading}>
          Join queue
        </button>
      </div>
      {joining.error ? <p className="error">{joining.error.message}</p> : null}
    </form>
  );
}

function Ticket({ ticket }: { ticket: { mode: string; region: Region; position: number } }) {
  const [leave, leaving] = useMutation(LeaveQueueDocument, refetchState);
  return (
    <>
      <p data-testid="matchmaking-status">
        In the {ticket.mode} queue ({ticket.region}): position <strong data-testid="queue-position">{ticket.position}</strong>
      </p>
      <button type="button" data-testid="leave-queue" disabled={leaving.loading} onClick={() => void leave().catch(() => {})}>
        Leave queue
      </button>
      {leaving.error ? <p className="error">{leaving.error.message}</p> : null}
    </>
  );
}

function Game({ game, viewerId }: { game: GameCardFragment; viewerId: string }) {
  const [start, starting] = useMutation(StartGameDocument, refetchState);
  const [end, ending] = useMutation(EndGameDocument, refetchState);
  const others = game.players.filter((p) => p.id !== viewerId).map((p) => p.displayName);
  const failure = starting.error ?? ending.error;
  return (
    <>
      <p data-testid="matchmaking-status">
        {game.status === 'FORMED' ? 'Match found' : 'Game in progress'}: {game.mode} in {game.region} with {others.join(', ')} ·{' '}
        <span className={`status ${game.status}`}>{game.status}</span>
      </p>
      {game.status === 'FORMED' ? (
        <button
          type="button"
          data-testid="start-game"
          disabled={starting.loading}
          onClick={() => void start({ variables: { gameId: game.id } }).catch(() => {})}
        >
          Start game
        </button>
      ) : (
        <>
          <div className="live-game" data-testid="live-game">
            <LiveGame key={game.id} gameId={game.id} />
          </div>
          <button
            type="button"
            data-testid="end-game"
            disabled={ending.loading}
            onClick={() => void end({ variables: { gameId: game.id, winnerId: viewerId } }).catch(() => {})}
          >
            End game: I won
          </button>
        </>
      )}
      {failure ? <p className="error">{failure.message}</p> : null}
    </>
  );
}
