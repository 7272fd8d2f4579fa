/** Event seats: the live count of one event, booking a seat and cancelling the viewer's bookings. */
import { useState } from 'react';
import { useMutation, useQuery, useSubscription } from '@apollo/client/react';
import { useSnapshotCursor } from './snapshot.js';
import {
  BookSeatsDocument,
  CancelBookingDocument,
  EventsDocument,
  EventSeatsDocument,
  SeatUpdatesDocument,
} from '../operations/bookings.js';

export function SeatsPanel({ viewerId }: { viewerId: string }) {
  const { data } = useQuery(EventsDocument, { variables: { first: 20 } });
  const [chosen, setChosen] = useState<string | null>(null);
  const events = data?.events.edges.map((e) => e.node) ?? [];
  const eventId = chosen ?? events[0]?.id ?? null;
  return (
    <section className="panel" data-testid="seats-panel">
      <h2>
        Event seats{' '}
        <select data-testid="event-select" value={eventId ?? ''} onChange={(e) => setChosen(e.target.value)}>
          {events.map((e) => (
            <option key={e.id} value={e.id}>
              {e.title}
            </option>
          ))}
        </select>
      </h2>
      {eventId ? <EventSeats key={eventId} eventId={eventId} viewerId={viewerId} /> : <p className="muted">No events yet.</p>}
    </section>
  );
}

function EventSeats({ eventId, viewerId }: { eventId: string; viewerId: string }) {
  const { data, error, refetch } = useQuery(EventSeatsDocument, { variables: { id: eventId } });
  // Each seat update carries the exact counts as of its commit: the latest one is the truth.
  const after = useSnapshotCursor(data?.event?.seatsCursor);
  const { data: live } = useSubscription(SeatUpdatesDocument, {
    variables: { eventId, after },
    skip: !after,
    onData: ({ data: update }) => {
      if (update.data?.seatUpdates.booking?.user.id === viewerId || update.data?.seatUpdates.kind === 'GAP') void refetch();
    },
  });
  const [book, booking] = useMutation(BookSeatsDocument);
  const [cancel, cancelling] = useMutation(CancelBookingDocument);

  const event = data?.event;
  if (!event) return error ? <p className="error">{error.message}</p> : <p className="muted">Loading…</p>;
  const available = live?.seatUpdates.availableSeats ?? event.availableSeats;
  const capacity = live?.seatUpdates.capacity ?? event.capacity;
  const mine = event.bookings.edges.map((e) => e.node).filter((b) => b.status === 'ACTIVE' && b.user.id === viewerId);
  const failure = booking.error ?? cancelling.error;

  return (
    <>
      <p>
        <strong>{event.title}</strong> {event.venue ? `at ${event.venue}` : ''} · {new Date(event.startsAt).toLocaleString()}
      </p>
      <p className="big">
        <span data-testid="seats-available">{available}</span> of <span data-testid="seats-capacity">{capacity}</span> seats left
      </p>
      <button
        type="button"
        data-testid="book-seat"
        disabled={booking.loading || available < 1}
        onClick={() =>
          void book({ variables: { eventId, seats: 1 } }).then(
            () => refetch(),
            () => {},
          )
        }
      >
        Book a seat
      </button>
      <ul className="list">
        {mine.map((b) => (
          <li key={b.id} data-testid="my-booking">
            {b.seats} seat{b.seats === 1 ? '' : 's'}{' '}
            <button
              type="button"
              data-testid="cancel-booking"
              disabled={cancelling.loading}
              onClick={() =>
                void cancel({ variables: { bookingId: b.id } }).then(
                  () => refetch(),
                  () => {},
                )
              }
            >
              Cancel
            </button>
          </li>
        ))}
      </ul>
      {failure ? <p className="error">{failure.message}</p> : null}
    </>
  );
}
