/**
 * `@defer` over HTTP (transport/incremental.ts), on the wire: a client that accepts `multipart/mixed`
 * (or `text/event-stream`) gets the initial result first and the deferred part after it; any other
 * client, and every WebSocket operation, one complete result. Subscriptions refuse the directives;
 * a mutation's deferred fields come after it committed, once. The query-shape limits count deferred
 * fields, and errors in a deferred part keep their documented codes (unexpected ones are masked).
 */
import { GraphQLError } from 'graphql';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { withErrorCodes } from '../../src/transport/plugins.js';
import { BOOK, CREATE_EVENT, nextWeek } from '../bookings/queries.js';
import { errorCode, gql, gqlOk } from '../support/client.js';
import { DATABASE_KINDS } from '../support/database.js';
import { useTestServer } from '../support/setup.js';
import { connectWs } from '../support/ws.js';

const EVENT_THEN_BOOKINGS = `query($id: ID!) {
  event(id: $id) {
    id
    title
    ... @defer(label: "bookings") { bookings(first: 10) { edges { node { id seats } } } }
  }
}`;

type Part = {
  data?: any;
  errors?: any[];
  hasNext?: boolean;
  incremental?: { data?: any; errors?: any[]; path: unknown[]; label?: string }[];
};

async function post(url: string, query: string, variables: Record<string, unknown>, accept: string, token?: string) {
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept, ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
}

/** The JSON parts of a `multipart/mixed` response, in the order they came. */
async function multipartParts(response: Response): Promise<Part[]> {
  const boundary = /boundary="?([^";]+)"?/.exec(response.headers.get('content-type') ?? '')?.[1];
  if (!boundary) throw new Error(`not multipart: ${response.headers.get('content-type')}`);
  const text = await response.text();
  return text
    .split(`--${boundary}`)
    .map((part) => part.split('\r\n\r\n').slice(1).join('\r\n\r\n').trim())
    .filter((body) => body.startsWith('{'))
    .map((body) => JSON.parse(body) as Part);
}

/** The `data:` of each `next` event of a `text/event-stream` response. */
async function sseEvents(response: Response): Promise<Part[]> {
  const text = await response.text();
  return text
    .split('\n\n')
    .filter((block) => block.startsWith('event: next'))
    .map((block) => JSON.parse(block.slice(block.indexOf('data: ') + 6)) as Part);
}

describe.each(DATABASE_KINDS)('@defer over HTTP (%s)', (kind) => {
  const { server, users } = useTestServer(kind, { users: ['organiser', 'booker'] });

  async function eventWithBooking() {
    const event = (
      await gqlOk(server.url, CREATE_EVENT, { input: { title: 'Deferred', startsAt: nextWeek(), capacity: 10 } }, users.organiser.token)
    ).createEvent;
    const booking = (await gqlOk(server.url, BOOK, { eventId: event.id, seats: 2 }, users.booker.token)).bookSeats;
    return { eventId: event.id as string, bookingId: booking.id as string };
  }

  it('multipart/mixed: the event first, without its bookings; the bookings in a later part', async () => {
    const { eventId, bookingId } = await eventWithBooking();
    const response = await post(server.url, EVENT_THEN_BOOKINGS, { id: eventId }, 'multipart/mixed', users.organiser.token);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^multipart\/mixed/);
    const [initial, ...later] = await multipartParts(response);
    expect(initial).toEqual({ data: { event: { id: eventId, title: 'Deferred' } }, hasNext: true });
    expect(later.at(-1)?.hasNext).toBe(false);
    const deferred = later.flatMap((part) => part.incremental ?? []);
    expect(deferred).toEqual([
      { data: { bookings: { edges: [{ node: { id: bookingId, seats: 2 } }] } }, path: ['event'], label: 'bookings' },
    ]);
  });

  it('@stream on a list: the first items at once, the rest in later parts', async () => {
    await eventWithBooking();
    await eventWithBooking();
    const query = `{ events(first: 2) { edges @stream(initialCount: 1) { node { id } } } }`;
    const [initial, ...later] = await multipartParts(await post(server.url, query, {}, 'multipart/mixed'));
    expect(initial.hasNext).toBe(true);
    expect(initial.data.events.edges).toHaveLength(1);
    const streamed = later.flatMap((part) => part.incremental ?? []);
    expect(streamed).toEqual([{ items: [{ node: { id: expect.any(String) } }], path: ['events', 'edges', 1] }]);
  });

  it('text/event-stream: the same parts as events', async () => {
    const { eventId, bookingId } = await eventWithBooking();
    const response = await post(server.url, EVENT_THEN_BOOKINGS, { id: eventId }, 'text/event-stream', users.organiser.token);
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const [initial, ...later] = await sseEvents(response);
    expect(initial.data.event).toEqual({ id: eventId, title: 'Deferred' });
    expect(later.flatMap((part) => part.incremental ?? []).map((part) => part.data?.bookings.edges[0].node.id)).toEqual([bookingId]);
  });

  it('a client that does not accept multipart gets one complete JSON result (application/json, or only */*)', async () => {
    const { eventId, bookingId } = await eventWithBooking();
    for (const accept of ['application/json', 'application/graphql-response+json', '*/*']) {
      const response = await post(server.url, EVENT_THEN_BOOKINGS, { id: eventId }, accept, users.organiser.token);
      expect(response.status, accept).toBe(200);
      expect(response.headers.get('content-type'), accept).toMatch(/^application\/(graphql-response\+)?json/);
      const result = (await response.json()) as Part;
      expect(result, accept).toEqual({
        data: { event: { id: eventId, title: 'Deferred', bookings: { edges: [{ node: { id: bookingId, seats: 2 } }] } } },
      });
    }
  });

  it('over WebSocket a query with @defer gets one complete result', async () => {
    const { eventId, bookingId } = await eventWithBooking();
    const ws = connectWs(server.wsUrl, users.organiser.token);
    try {
      const sub = ws.subscribe(EVENT_THEN_BOOKINGS, { id: eventId });
      expect(await sub.next()).toEqual({
        event: { id: eventId, title: 'Deferred', bookings: { edges: [{ node: { id: bookingId, seats: 2 } }] } },
      });
      await sub.ended();
      expect(sub.received).toHaveLength(1);
    } finally {
      await ws.dispose();
    }
  });

  it('subscriptions refuse @defer and @stream with BAD_USER_INPUT, over WebSocket and SSE, in fragments too', async () => {
    const { eventId } = await eventWithBooking();
    const documents = [
      `subscription($id: ID!) { seatUpdates(eventId: $id) { kind ... @defer { availableSeats } } }`,
      `subscription($id: ID!) { seatUpdates(eventId: $id) { ...Seats } } fragment Seats on SeatUpdate { kind ... @defer { capacity } }`,
      `subscription($id: ID!) { seatUpdates(eventId: $id) { kind booking { id } } } query Other { events(first: 1) @stream { edges { cursor } } }`,
    ];
    const ws = connectWs(server.wsUrl, users.organiser.token);
    try {
      for (const query of documents.slice(0, 2)) {
        const sub = ws.subscribe(query, { id: eventId });
        const { errors } = (await sub.ended()) as { errors: GraphQLError[] };
        expect(errors[0].extensions?.code, query).toBe('BAD_USER_INPUT');
        expect(errors[0].message).toMatch(/not supported in subscriptions/);
      }
    } finally {
      await ws.dispose();
    }
    const response = await post(server.url, documents[0], { id: eventId }, 'text/event-stream');
    const text = await response.text();
    expect(text).toContain('BAD_USER_INPUT');
    expect(text).toContain('not supported in subscriptions');
    // A query beside the subscription may still use them: only the subscription is refused.
    const other = await post(server.url, documents[2], { id: eventId }, 'application/json');
    expect(JSON.stringify(await other.json())).not.toContain('not supported in subscriptions');
  });

  it('a mutation commits once, before its first part; its deferred fields come after; @defer on its root field is refused', async () => {
    const event = (
      await gqlOk(server.url, CREATE_EVENT, { input: { title: 'Mutated', startsAt: nextWeek(), capacity: 5 } }, users.organiser.token)
    ).createEvent;
    const mutation = `mutation($id: ID!) {
      bookSeats(eventId: $id, seats: 1) { id seats ... @defer { event { id availableSeats } } }
    }`;
    const response = await post(server.url, mutation, { id: event.id }, 'multipart/mixed', users.booker.token);
    const [initial, ...later] = await multipartParts(response);
    expect(initial.hasNext).toBe(true);
    expect(initial.data.bookSeats).toEqual({ id: expect.any(String), seats: 1 });
    expect(later.flatMap((part) => part.incremental ?? []).map((part) => part.data)).toEqual([
      { event: { id: event.id, availableSeats: 4 } },
    ]);
    expect(await server.pulse.services.prisma.booking.count({ where: { eventId: event.id } })).toBe(1);

    const rootDeferred = await gql(
      server.url,
      `mutation($id: ID!) { ... @defer { bookSeats(eventId: $id) { id } } }`,
      { id: event.id },
      users.booker.token,
    );
    expect(errorCode(rootDeferred)).toBe('BAD_USER_INPUT');
    expect(await server.pulse.services.prisma.booking.count({ where: { eventId: event.id } })).toBe(1);
  });

  it('the limits see deferred fields: depth, cost and a forged cursor inside @defer are refused before anything runs', async () => {
    const deep = `{ matches(first: 1) { edges { node { ... @defer { ${'applications { match { '.repeat(6)} id ${'} } '.repeat(6)} } } } } }`;
    const costly = `{ conversations(first: 100) { edges { node { ... @defer { messages(last: 100) { edges { node { ${'id text '.repeat(70)} } } } } } } } }`;
    for (const [limit, query] of [
      ['depth', deep],
      ['cost', costly],
    ]) {
      const response = await post(server.url, query, {}, 'multipart/mixed', users.organiser.token);
      const text = await response.text();
      expect(text, limit).toContain('QUERY_TOO_COMPLEX');
      expect(text, limit).toContain(`"limit":"${limit}"`);
      expect(text, limit).not.toContain('"hasNext"');
    }
    const { eventId } = await eventWithBooking();
    const forged = `query($id: ID!) { event(id: $id) { id ... @defer { bookings(first: 1, after: "forged") { edges { cursor } } } } }`;
    const [refused, ...rest] = await multipartParts(await post(server.url, forged, { id: eventId }, 'multipart/mixed'));
    expect(rest).toEqual([]);
    expect(refused.data).toBeUndefined();
    expect(refused.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'after' });
  });

  it('an error in a deferred part keeps its documented code and path', async () => {
    const query = `{ events(first: 1) { edges { cursor } } ... @defer { myBookings(first: 1) { edges { cursor } } } }`;
    const [initial, ...later] = await multipartParts(await post(server.url, query, {}, 'multipart/mixed'));
    expect(initial.hasNext).toBe(true);
    const errors = later.flatMap((part) => part.incremental ?? []).flatMap((part) => part.errors ?? []);
    expect(errors).toHaveLength(1);
    expect(errors[0].extensions.code).toBe('UNAUTHENTICATED');
    expect(errors[0].path).toEqual(['myBookings']);
  });
});

describe('withErrorCodes on an incremental part', () => {
  it('masks an unexpected error inside `incremental` and codes it, as for any other result', () => {
    const leaked = new GraphQLError('connection string postgres://secret', {
      path: ['event', 'bookings'],
      originalError: new Error('boom'),
    });
    const coded = withErrorCodes(
      { incremental: [{ errors: [leaked], path: ['event'] }] } as never,
      'req-1',
      pino({ level: 'silent' }),
    ) as Part;
    const error = coded.incremental?.[0].errors?.[0];
    expect(error?.message).toBe('Unexpected error.');
    expect(error?.extensions).toEqual({ code: 'INTERNAL_SERVER_ERROR', requestId: 'req-1' });
    expect(coded.incremental?.[0].path).toEqual(['event']);
  });
});
