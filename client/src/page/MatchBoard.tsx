/**
 * Looking for group: the board of one region, live (POSTED / UPDATED / CLOSED), a form to post a
 * match, and the applications of the match the viewer opens (apply, or accept as its creator).
 */
import { useState, type FormEvent } from 'react';
import { useApolloClient, useMutation, useQuery, useSubscription } from '@apollo/client/react';
import type { MatchCardFragment, Region } from '../gql/graphql.js';
import { MatchesDocument, MatchFeedDocument, PostMatchDocument } from '../operations/matches.js';
import { MatchApplications, refreshApplications } from './MatchApplications.js';
import { REGIONS } from './regions.js';
import { useSnapshotCursor } from './snapshot.js';

export function MatchBoard({ viewerId }: { viewerId: string }) {
  const [region, setRegion] = useState<Region>('NA');
  return (
    <section className="panel" data-testid="match-board">
      <h2>
        Match board{' '}
        <select data-testid="region-select" value={region} onChange={(e) => setRegion(e.target.value as Region)}>
          {REGIONS.map((r) => (
            <option key={r}>{r}</option>
          ))}
        </select>
      </h2>
      {/* Keyed by region: a new region starts a new list and a new feed. */}
      <RegionBoard key={region} region={region} viewerId={viewerId} />
    </section>
  );
}

function RegionBoard({ region, viewerId }: { region: Region; viewerId: string }) {
  const { data, error } = useQuery(MatchesDocument, { variables: { region, first: 20 } });
  const client = useApolloClient();
  const [opened, setOpened] = useState<string | null>(null);
  // Matches posted since the list was loaded; updates to known ones arrive through the cache (Match:id).
  const [posted, setPosted] = useState<MatchCardFragment[]>([]);
  const after = useSnapshotCursor(data?.matches.streamCursor);
  useSubscription(MatchFeedDocument, {
    variables: { region, after },
    skip: !after,
    onData: ({ data: event }) => {
      const match = event.data?.matchFeed.match;
      if (!match) return;
      setPosted((list) => [match, ...list.filter((m) => m.id !== match.id)]);
      // An accepted application changes the match (slots, status): the open view reads its list again.
      if (match.id === opened && event.data?.matchFeed.kind !== 'POSTED') refreshApplications(client);
    },
  });
  const [postMatch, posting] = useMutation(PostMatchDocument);
  const [game, setGame] = useState('');
  const [slots, setSlots] = useState(2);

  const known = new Set(posted.map((m) => m.id));
  const matches = [...posted, ...(data?.matches.edges.map((e) => e.node).filter((m) => !known.has(m.id)) ?? [])];

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const result = await postMatch({ variables: { input: { game, region, slots } } }).catch(() => null);
    if (result?.data) setGame('');
  };

  return (
    <>
      {error ? <p className="error">{error.message}</p> : null}
      <ul className="list">
        {matches.length === 0 ? <li className="muted">No matches in {region} yet.</li> : null}
        {matches.map((m) => (
          <li key={m.id} data-testid="match-item">
            <button type="button" className="link" data-testid="match-open" onClick={() => setOpened(m.id)}>
              {m.game}
            </button>{' '}
            {m.mode ? `(${m.mode}) ` : ''}by {m.creator.displayName} · {m.openSlots}/{m.slots} open ·{' '}
            <span className={`status ${m.status}`}>{m.status}</span>
            {m.description ? <div className="muted">{m.description}</div> : null}
          </li>
        ))}
      </ul>
      {opened ? <MatchApplications key={opened} matchId={opened} viewerId={viewerId} onClose={() => setOpened(null)} /> : null}
      <form onSubmit={submit} className="row">
        <input data-testid="post-match-game" placeholder="Game" value={game} onChange={(e) => setGame(e.target.value)} required />
        <input type="number" min={1} max={50} value={slots} onChange={(e) => setSlots(Number(e.target.value))} aria-label="Slots" />
        <button type="submit" data-testid="post-match-submit" disabled={posting.loading}>
          Post match
        </button>
      </form>
      {posting.error ? <p className="error">{posting.error.message}</p> : null}
    </>
  );
}
