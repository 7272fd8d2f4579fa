/** Events with seats: the list, one event with the viewer's bookings, booking, cancelling, live seat counts. */
import { graphql } from '../gql/index.js';

export const EventsDocument = graphql(`
  query Events($first: Int) {
    events(first: $first) {
      edges {
        node {
          id
          title
          startsAt
        }
      }
    }
  }
`);

export const EventSeatsDocument = graphql(`
  query EventSeats($id: ID!) {
    event(id: $id) {
      id
      title
      venue
      startsAt
      capacity
      availableSeats
      seatsCursor
      bookings(first: 20) {
        edges {
          node {
            id
            seats
            status
            user {
              id
              displayName
            }
          }
        }
      }
    }
  }
`);

/**
 * One event at once, its bookings a moment later (`@defer`): the first result has no `bookings`, a
 * second one adds them. Needs an HTTP link that accepts multipart (createPulseClient's does).
 */
export const EventThenBookingsDocument = graphql(`
  query EventThenBookings($id: ID!) {
    event(id: $id) {
      id
      title
      venue
      startsAt
      capacity
      availableSeats
      seatsCursor
      ... @defer(label: "bookings") {
        bookings(first: 20) {
          edges {
            node {
              id
              seats
              status
              user {
                id
                displayName
              }
            }
          }
        }
      }
    }
  }
`);

export const BookSeatsDocument = graphql(`
  mutation BookSeats($eventId: ID!, $seats: Int) {
    bookSeats(eventId: $eventId, seats: $seats) {
      id
      seats
      status
      event {
        id
        availableSeats
      }
    }
  }
`);

export const CancelBookingDocument = graphql(`
  mutation CancelBooking($bookingId: ID!) {
    cancelBooking(bookingId: $bookingId) {
      id
      status
      event {
        id
        availableSeats
      }
    }
  }
`);

export const SeatUpdatesDocument = graphql(`
  subscription SeatUpdates($eventId: ID!, $after: String) {
    seatUpdates(eventId: $eventId, after: $after) {
      kind
      cursor
      at
      availableSeats
      capacity
      booking {
        id
        seats
        status
        user {
          id
          displayName
        }
      }
    }
  }
`);
