/**
 * One match's applications: its creator sees every one, with Accept on those pending while a slot is
 * open; anyone else sees their own, or applies. Applying appends nothing to the match feed (only the
 * creator is told, by a CONNECTION_REQUEST notification), so the list is read again when the
 * viewer's notifications or the match's feed say it changed (see `refreshApplications`).
 */
import { useState, type FormEvent } from 'react';
import type { ApolloClient } from '@apollo/client';
import { useMutation, useQuery } from '@apollo/client/react';
import { AcceptApplicationDocument, ApplyToMatchDocument, MatchApplicationsDocument } from '../operations/matches.js';

/** Reads the applications of the open match view again (a notification or feed event about it arrived). */
export function refreshApplications(client: ApolloClient): void {
  void client.refetchQueries({ include: [MatchApplicationsDocument] }).catch(() => {});
}

export function MatchApplications({ matchId, viewerId, onClose }: { matchId: string; viewerId: string; onClose: () => void }) {
  const { data, error } = useQuery(MatchApplicationsDocument, { variables: { id: matchId } });
  const [accept, accepting] = useMutation(AcceptApplicationDocument);
  const match = data?.match;
  if (!match) return error ? <p className="error">{error.message}</p> : null;
  const isCreator = match.creator.id === viewerId;
  const failure = accepting.error;
  return (
    <div className="details" data-testid="match-applications">
      <h3>
        {match.game} by {match.creator.displayName} · {match.openSlots}/{match.slots} open{' '}
        <button type="button" onClick={onClose} aria-label="Close">
          ×
        </button>
      </h3>
      <ul className="list">
        {match.applications.length === 0 ? <li className="muted">{isCreator ? 'No applications yet.' : 'You have not applied.'}</li> : null}
        {match.applications.map((a) => (
          <li key={a.id} data-testid="application" data-status={a.status}>
            {isCreator ? <strong>{a.applicant.displayName}</strong> : 'Your application'}
            {a.message ? <span className="muted"> “{a.message}”</span> : null} · <span className={`status ${a.status}`}>{a.status}</span>{' '}
            {isCreator && a.status === 'PENDING' && match.status === 'OPEN' ? (
              <button
                type="button"
                data-testid="accept-application"
                disabled={accepting.loading}
                onClick={() => void accept({ variables: { applicationId: a.id } }).catch(() => {})}
              >
                Accept
              </button>
            ) : null}
          </li>
        ))}
      </ul>
      {!isCreator && match.applications.length === 0 && match.status === 'OPEN' ? <Apply matchId={matchId} /> : null}
      {failure ? <p className="error">{failure.message}</p> : null}
    </div>
  );
}

function Apply({ matchId }: { matchId: string }) {
  const [message, setMessage] = useState('');
  const [apply, applying] = useMutation(ApplyToMatchDocument, { refetchQueries: [MatchApplicationsDocument] });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    void apply({ variables: { matchId, message: message.trim() || null } }).catch(() => {});
  };
  return (
    <form onSubmit={submit} className="row">
      <input
        data-testid="apply-message"
        placeholder="A word to the creator (optional)"
        value={message}
        maxLength={500}
        onChange={(e) => setMessage(e.target.value)}
      />
      <button type="submit" data-testid="apply-to-match" disabled={applying.loading}>
        Apply
      </button>
      {applying.error ? <p className="error">{applying.error.message}</p> : null}
    </form>
  );
}
