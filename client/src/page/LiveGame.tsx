/**
 * A game in progress: every move either player sends, in the one order the server gives them
 * (`gameEvents`, from the game's snapshot cursor, so nothing between reading and subscribing is
 * missed), and a box to send one (`sendGameAction`, with a client id so a retry is stored once).
 */
import { useState, type FormEvent } from 'react';
import { useMutation, useQuery, useSubscription } from '@apollo/client/react';
import { GameDocument, GameEventsDocument, SendGameActionDocument } from '../operations/games.js';

interface Move {
  cursor: string;
  by: string;
  text: string;
}

/** The text of an action this page sent (`{ move }`), or its JSON for any other client's. */
const describe = (action: unknown): string =>
  typeof action === 'object' && action !== null && 'move' in action ? String(action.move) : JSON.stringify(action);

export function LiveGame({ gameId }: { gameId: string }) {
  const { data } = useQuery(GameDocument, { variables: { id: gameId }, fetchPolicy: 'network-only' });
  const after = data?.game?.eventsCursor ?? null;
  const [moves, setMoves] = useState<Move[]>([]);
  const [text, setText] = useState('');
  useSubscription(GameEventsDocument, {
    variables: { gameId, after },
    skip: !after,
    onData: ({ data: result }) => {
      const event = result.data?.gameEvents;
      if (event?.kind !== 'ACTION') return;
      const move = { cursor: event.cursor, by: event.by?.displayName ?? '?', text: describe(event.action) };
      setMoves((list) => (list.some((m) => m.cursor === move.cursor) ? list : [...list, move]));
    },
  });
  const [send, sending] = useMutation(SendGameActionDocument);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const move = text.trim();
    if (!move) return;
    setText('');
    void send({ variables: { gameId, action: { move }, clientActionId: crypto.randomUUID() } }).catch(() => {});
  };
  return (
    <div className="live-game-moves">
      <ol data-testid="game-moves">
        {moves.map((m) => (
          <li key={m.cursor}>
            {m.by}: {m.text}
          </li>
        ))}
      </ol>
      <form onSubmit={submit} className="row">
        <input
          data-testid="game-move-input"
          placeholder="Your move"
          value={text}
          maxLength={200}
          onChange={(e) => setText(e.target.value)}
        />
        <button type="submit" data-testid="game-move-send" disabled={sending.loading || !after}>
          Send
        </button>
      </form>
    </div>
  );
}
