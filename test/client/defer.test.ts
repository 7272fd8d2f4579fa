/**
 * Acceptance 3 of issue 23: `@defer` through Apollo Client 4 (HttpLink reads the multipart response;
 * `Defer20220824Handler` merges the parts). The query's observable yields the event first, without
 * its bookings, and then the event with them: the typed client (its trusted document sent by hash,
 * with PERSISTED_DOCUMENTS=allow and =only) and a plain Apollo Client sending the text.
 */
import { ApolloClient, gql, HttpLink, InMemoryCache, type ObservableQuery, type OperationVariables } from '@apollo/client';
import { Defer20220824Handler } from '@apollo/client/incremental';
import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createPulseClient, EventThenBookingsDocument } from '../../client/src/index.js';
import { bookSeats } from '../../src/bookings/group-commit.js';
import { createEvent } from '../../src/bookings/service.js';
import { nextWeek } from '../bookings/queries.js';
import { DATABASE_KINDS } from '../support/database.js';
import { createUsers, type TestServer } from '../support/server.js';
import { useTestServer } from '../support/setup.js';
import { deferred, withTimeout } from '../support/wait.js';

/** What the observable showed, in order: whether `bookings` was there, and the state Apollo gave. */
type Seen = { dataState: string; bookings: string[] | null };

/** Every result of `observable` that carries data, until the complete one (or an error). */
async function resultsUntilComplete<V extends OperationVariables>(observable: ObservableQuery<any, V>): Promise<Seen[]> {
  const seen: Seen[] = [];
  const done = deferred<Seen[]>();
  const subscription = observable.subscribe({
    next: (result) => {
      if (result.error) return done.reject(result.error);
      if (result.dataState === 'empty') return;
      const event = result.data.event;
      seen.push({
        dataState: result.dataState,
        bookings: 'bookings' in event && event.bookings ? event.bookings.edges.map((e: { node: { id: string } }) => e.node.id) : null,
      });
      if (result.dataState === 'complete') done.resolve(seen);
    },
    error: done.reject,
  });
  try {
    return await withTimeout(done.promise, 20_000, 'the complete result');
  } finally {
    subscription.unsubscribe();
  }
}

/**
 * An event and one booking, made through the domain services (PERSISTED_DOCUMENTS=only refuses ad-hoc
 * mutations); returns the organiser, who sees every booking.
 */
async function eventWithBooking(server: TestServer) {
  const app = server.pulse.services;
  const [organiser, booker] = await createUsers(server, 2, `defer${Math.random().toString(36).slice(2, 8)}`);
  const eventId = await createEvent(app, organiser.id, { title: 'Deferred through Apollo', startsAt: new Date(nextWeek()), capacity: 10 });
  const booking = await bookSeats(app, booker.id, eventId, 3);
  return { organiser, eventId, bookingId: booking.id };
}

const FIRST_EVENT_THEN_BOOKINGS = (bookingId: string): Seen[] => [
  { dataState: 'streaming', bookings: null },
  { dataState: 'complete', bookings: [bookingId] },
];

for (const persistedDocuments of ['allow', 'only'] as const) {
  describe.each(DATABASE_KINDS)(`@defer through Apollo Client 4, PERSISTED_DOCUMENTS=${persistedDocuments} (%s)`, (kind) => {
    const { server, cleanup } = useTestServer(kind, { config: { persistedDocuments } });

    it('the typed client: the event first, then the event with its bookings', async () => {
      const { organiser, eventId, bookingId } = await eventWithBooking(server);
      const client = createPulseClient({ url: server.url, getToken: () => organiser.token, webSocketImpl: WebSocket });
      cleanup.defer(() => client.dispose());
      const seen = await resultsUntilComplete(client.watchQuery({ query: EventThenBookingsDocument, variables: { id: eventId } }));
      expect(seen).toEqual(FIRST_EVENT_THEN_BOOKINGS(bookingId));
      // The merged result is what the cache keeps.
      const cached = client.readQuery({ query: EventThenBookingsDocument, variables: { id: eventId } });
      expect(cached?.event?.title).toBe('Deferred through Apollo');
    });
  });
}

describe.each(DATABASE_KINDS)('@defer through a plain Apollo Client 4 (%s)', (kind) => {
  const { server, cleanup } = useTestServer(kind);

  it('HttpLink with Defer20220824Handler: two results, the deferred fields in the second', async () => {
    const { organiser, eventId, bookingId } = await eventWithBooking(server);
    const client = new ApolloClient({
      link: new HttpLink({ uri: server.url, headers: { authorization: `Bearer ${organiser.token}` } }),
      cache: new InMemoryCache(),
      incrementalHandler: new Defer20220824Handler(),
    });
    cleanup.defer(() => client.stop());
    const query = gql`
      query AdHocDeferred($id: ID!) {
        event(id: $id) {
          id
          title
          ... @defer {
            bookings(first: 5) {
              edges {
                node {
                  id
                  seats
                }
              }
            }
          }
        }
      }
    `;
    expect(await resultsUntilComplete(client.watchQuery({ query, variables: { id: eventId } }))).toEqual(
      FIRST_EVENT_THEN_BOOKINGS(bookingId),
    );
  });
});
