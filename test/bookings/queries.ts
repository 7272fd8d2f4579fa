/** GraphQL documents and small helpers shared by the bookings suites. */
import { request, type Agent } from 'node:http';
import { expect } from 'vitest';
import { gqlOk, type GqlResult, type TestUser } from '../support/client.js';

export const CREATE_EVENT = `mutation($input: CreateEventInput!) {
  createEvent(input: $input) { id title venue startsAt capacity bookedSeats availableSeats organizer { id } }
}`;
export const BOOK = `mutation($eventId: ID!, $seats: Int) {
  bookSeats(eventId: $eventId, seats: $seats) { id seats status user { id } event { id availableSeats bookedSeats } }
}`;
export const CANCEL = `mutation($id: ID!) { cancelBooking(bookingId: $id) { id status seats event { availableSeats bookedSeats } } }`;
export const CAPACITY = `mutation($eventId: ID!, $capacity: Int!) {
  updateEventCapacity(eventId: $eventId, capacity: $capacity) { id capacity availableSeats bookedSeats }
}`;
export const EVENT = `query($id: ID!) { event(id: $id) { id capacity bookedSeats availableSeats } }`;
export const SEAT_UPDATES = `subscription($eventId: ID!, $after: String) {
  seatUpdates(eventId: $eventId, after: $after) { kind availableSeats capacity cursor at booking { id seats status } }
}`;

/** The `seatUpdates` payload as the suites read it. */
export interface SeatUpdate {
  kind: 'BOOKED' | 'CANCELLED' | 'CAPACITY_CHANGED' | 'GAP';
  availableSeats: number;
  capacity: number;
  cursor: string;
  at: string;
  booking: { id: string; seats: number; status: string } | null;
}

/** A date a week from now, as the API takes it. */
export const nextWeek = () => new Date(Date.now() + 7 * 86_400_000).toISOString();

/** `createEvent` (organised by `organizer`) and `book` on a suite's server; each returns the mutation's payload. */
export function bookingActions(server: { url: string }, organizer: TestUser) {
  return {
    createEvent: async (capacity: number, title = 'Concert') =>
      (await gqlOk(server.url, CREATE_EVENT, { input: { title, startsAt: nextWeek(), capacity } }, organizer.token)).createEvent,
    book: async (user: TestUser, eventId: string, seats?: number) =>
      (await gqlOk(server.url, BOOK, { eventId, seats }, user.token)).bookSeats,
  };
}

/** `extensions.availableSeats` of a SOLD_OUT error (fails the test for any other outcome). */
export function soldOutSeats(result: { errors?: { extensions?: Record<string, any> }[] }): number {
  expect(result.errors?.[0]?.extensions?.code).toBe('SOLD_OUT');
  return result.errors![0].extensions!.availableSeats;
}

/**
 * A GraphQL POST through a node:http Agent that caps open sockets per server (requests beyond the cap
 * wait in the agent): thousands of simultaneous requests stay simultaneous for the server without
 * thousands of connects overflowing its listen backlog.
 */
export function pooledGql(agent: Agent) {
  return (url: string, query: string, variables: Record<string, unknown>, token: string): Promise<GqlResult> =>
    new Promise((resolve, reject) => {
      const body = JSON.stringify({ query, variables });
      const req = request(
        url,
        {
          method: 'POST',
          agent,
          headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), authorization: `Bearer ${token}` },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => {
            try {
              resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')) as GqlResult);
            } catch (error) {
              reject(error);
            }
          });
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(body);
    });
}
