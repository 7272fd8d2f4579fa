/** GraphQL documents and small helpers shared by the bookings suites. */
import type { TestServer } from '../support/server.js';

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

export { noSubscriptionsLeft } from '../support/server.js';
