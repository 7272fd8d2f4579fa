/**
 * Acceptance 2 of issue 12: snapshot cursors. A query returns its stream's cursor as of its read; an
 * event committed after the query and before the subscription (forced here: the test commits it in
 * between) is delivered exactly once to a subscription started `after` that cursor, and nothing the
 * query already showed is delivered again. For every stream with a snapshot cursor, on PGlite and
 * PostgreSQL; and once through the typed client (Apollo), which resumes from the query's cursor even
 * when its subscription has delivered nothing before a reconnect.
 */
import WebSocket from 'ws';
import { describe, expect, it } from 'vitest';
import { createPulseClient, EventSeatsDocument, SeatUpdatesDocument } from '../../client/src/index.js';
import { gqlOk, registerUser } from '../support/client.js';
import { connectWs } from '../support/ws.js';
import { withTimeout, deferred } from '../support/wait.js';
import { DATABASE_KINDS } from '../support/database.js';
import { waitForSubscriptions } from '../support/server.js';
import { useTestServer } from '../support/setup.js';
import { BOOK, CREATE_EVENT } from '../bookings/queries.js';
import { CREATE_POST, LIKE } from '../social/queries.js';
import { POST_MATCH } from '../matches/queries.js';
import { createGroup, SEND } from '../chat/operations.js';

const EVENT_INPUT = { title: 'Gig', startsAt: '2030-01-01T20:00:00Z', capacity: 10 };

describe.each(DATABASE_KINDS)('snapshot cursors (%s)', (kind) => {
  const { server, users, cleanup } = useTestServer(kind, { users: ['alice', 'bob'] });
  const { alice, bob } = users;

  /** Query (with its cursor), commit one event, subscribe after the cursor: exactly that event arrives. */
  async function between(opts: {
    before: () => Promise<unknown>;
    query: () => Promise<string | null>;
    commit: () => Promise<string>;
    subscription: string;
    variables: Record<string, unknown>;
    token?: string;
    idOf: (event: any) => string;
  }) {
    await opts.before();
    const cursor = await opts.query();
    expect(cursor).toEqual(expect.any(String));
    const committed = await opts.commit();
    const live = server.pulse.services.subscriptionStats.liveCount();
    const sub = cleanup.add(connectWs(server.wsUrl, opts.token)).subscribe(opts.subscription, { ...opts.variables, after: cursor });
    await waitForSubscriptions(server, live + 1);
    const first = await sub.next();
    expect(opts.idOf(first)).toBe(committed);
    // Exactly once, and nothing from before the query: a second commit is the very next event.
    const second = await opts.commit();
    expect(opts.idOf(await sub.next())).toBe(second);
    expect(sub.pending).toHaveLength(0);
  }

  it('event(id).seatsCursor → seatUpdates', async () => {
    const event = (await gqlOk(server.url, CREATE_EVENT, { input: EVENT_INPUT }, alice.token)).createEvent;
    await between({
      before: () => gqlOk(server.url, BOOK, { eventId: event.id, seats: 1 }, bob.token),
      query: async () =>
        (await gqlOk(server.url, `query($id: ID!) { event(id: $id) { availableSeats seatsCursor } }`, { id: event.id })).event.seatsCursor,
      commit: async () => (await gqlOk(server.url, BOOK, { eventId: event.id, seats: 1 }, bob.token)).bookSeats.id,
      subscription: `subscription($eventId: ID!, $after: String) { seatUpdates(eventId: $eventId, after: $after) { kind booking { id } } }`,
      variables: { eventId: event.id },
      token: alice.token, // the organiser sees every booking behind a seat update
      idOf: (e) => e.seatUpdates.booking.id,
    });
  });

  it('matches(region).streamCursor → matchFeed (null without a region)', async () => {
    const post = async () =>
      (await gqlOk(server.url, POST_MATCH, { input: { game: 'g', region: 'ASIA', slots: 1 } }, alice.token)).postMatch.id;
    await between({
      before: post,
      query: async () =>
        (await gqlOk(server.url, `query { matches(region: ASIA, first: 5) { streamCursor edges { node { id } } } }`)).matches.streamCursor,
      commit: post,
      subscription: `subscription($region: Region!, $after: String) { matchFeed(region: $region, after: $after) { kind match { id } } }`,
      variables: { region: 'ASIA' },
      idOf: (e) => e.matchFeed.match.id,
    });
    expect((await gqlOk(server.url, `query { matches(first: 1) { streamCursor } }`)).matches.streamCursor).toBeNull();
  });

  /** `before` and `commit` for `between`: each likes `postId` as the next of three fresh users; `commit` names its liker. */
  async function likesBy(postId: string, prefix: string) {
    const likers = await Promise.all([0, 1, 2].map(() => registerUser(server.url, prefix)));
    let next = 0;
    const like = async () => {
      const liker = likers[next++];
      await gqlOk(server.url, LIKE, { postId }, liker.token);
      return liker.id;
    };
    return { before: like, commit: like };
  }

  it('post(id).activityCursor → postActivity', async () => {
    const post = (await gqlOk(server.url, CREATE_POST, { content: 'snap' }, alice.token)).createPost;
    await between({
      ...(await likesBy(post.id, 'liker')),
      query: async () =>
        (await gqlOk(server.url, `query($id: ID!) { post(id: $id) { likeCount activityCursor } }`, { id: post.id })).post.activityCursor,
      subscription: `subscription($postId: ID!, $after: String) { postActivity(postId: $postId, after: $after) { kind actor { id } } }`,
      variables: { postId: post.id },
      idOf: (e) => e.postActivity.actor.id,
    });
  });

  it('conversation(id).eventsCursor → conversationEvents', async () => {
    const id = await createGroup(server.url, alice, [bob]);
    let n = 0;
    const send = async () => (await gqlOk(server.url, SEND, { id, text: `m${n++}` }, bob.token)).sendMessage.id;
    await between({
      before: send,
      query: async () =>
        (await gqlOk(server.url, `query($id: ID!) { conversation(id: $id) { eventsCursor } }`, { id }, alice.token)).conversation
          .eventsCursor,
      commit: send,
      subscription: `subscription($id: ID!, $after: String) { conversationEvents(conversationId: $id, after: $after) { kind message { id } } }`,
      variables: { id },
      token: alice.token,
      idOf: (e) => e.conversationEvents.message.id,
    });
  });

  it('notifications.streamCursor → notifications', async () => {
    const post = (await gqlOk(server.url, CREATE_POST, { content: 'notify me' }, alice.token)).createPost;
    await between({
      ...(await likesBy(post.id, 'fan')),
      query: async () =>
        (await gqlOk(server.url, `query { notifications(first: 5) { streamCursor } }`, {}, alice.token)).notifications.streamCursor,
      subscription: `subscription($after: String) { notifications(after: $after) { kind notification { actor { id } } } }`,
      variables: {},
      token: alice.token,
      idOf: (e) => e.notifications.notification.actor.id,
    });
  });

  it('the typed client queries, then subscribes from the query cursor, and resumes from it across a reconnect before any event', async () => {
    const event = (await gqlOk(server.url, CREATE_EVENT, { input: EVENT_INPUT }, alice.token)).createEvent;
    const gaps: string[] = [];
    const client = createPulseClient({
      url: server.url,
      getToken: () => bob.token,
      webSocketImpl: WebSocket,
      onGap: (name) => gaps.push(name),
    });
    cleanup.defer(() => client.dispose());
    const { data } = await client.query({ query: EventSeatsDocument, variables: { id: event.id }, fetchPolicy: 'network-only' });
    const cursor = data!.event!.seatsCursor!;

    const received: { kind: string; availableSeats: number }[] = [];
    const arrived = deferred<void>();
    const live = server.pulse.services.subscriptionStats.liveCount();
    const subscription = client
      .subscribe({ query: SeatUpdatesDocument, variables: { eventId: event.id, after: cursor } })
      .subscribe(({ data: update }) => {
        if (update) received.push(update.seatUpdates);
        arrived.resolve();
      });
    cleanup.defer(() => subscription.unsubscribe());
    await waitForSubscriptions(server, live + 1);
    // The socket drops before the subscription delivered anything; a booking commits meanwhile.
    const reconnected = deferred<void>();
    const stop = client.ws.on('connected', () => reconnected.resolve());
    cleanup.defer(stop);
    client.ws.terminate();
    await gqlOk(server.url, BOOK, { eventId: event.id, seats: 2 }, alice.token);
    await withTimeout(reconnected.promise, 10_000, 'the reconnect');
    await withTimeout(arrived.promise, 10_000, 'the seat update');
    expect(received).toEqual([expect.objectContaining({ kind: 'BOOKED', availableSeats: 8 })]);
    expect(gaps).toEqual([]);
  });
});
