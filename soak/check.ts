/**
 * The invariant checker. It reads the database directly and trusts nothing the server said:
 * - per subscriber, the logged events received (by cursor seq, across reconnects) are exactly the
 *   topic's committed seqs after its starting point, each once, in order; GAP is documented (retention,
 *   a subscriber too far behind) and counted apart, never as a loss;
 * - seat counts equal the bookings, like counts equal the likes;
 * - every mutation answered with data is stored; every refused message is not.
 */
import type pg from 'pg';
import type { Answer, Subscriber } from './traffic.js';

export interface Verdicts {
  deliveries: number;
  lost: number;
  duplicated: number;
  reordered: number;
  gaps: number;
  seatMismatches: number;
  likeMismatches: number;
  answeredNotStored: number;
  refusedButStored: number;
  problems: string[];
}

export async function check(
  db: pg.Client,
  subscribers: Subscriber[],
  startSeqs: Map<Subscriber, number>,
  answers: Answer[],
): Promise<Verdicts> {
  const v: Verdicts = {
    deliveries: 0,
    lost: 0,
    duplicated: 0,
    reordered: 0,
    gaps: 0,
    seatMismatches: 0,
    likeMismatches: 0,
    answeredNotStored: 0,
    refusedButStored: 0,
    problems: [],
  };
  const heads = new Map<string, number>();
  for (const row of (await db.query<{ topic: string; seq: number }>('SELECT "topic", "seq" FROM "StreamTopic"')).rows) {
    heads.set(row.topic, Number(row.seq));
  }
  for (const sub of subscribers) {
    const start = startSeqs.get(sub) ?? 0;
    const head = heads.get(sub.topic) ?? start;
    let expected = start + 1;
    const seen = new Set<number>();
    let last = start;
    for (const event of sub.received) {
      v.deliveries++;
      if (event.kind === 'GAP') {
        v.gaps++;
        expected = Math.max(expected, event.seq + 1);
        last = Math.max(last, event.seq);
        continue;
      }
      if (seen.has(event.seq)) {
        v.duplicated++;
        continue;
      }
      seen.add(event.seq);
      if (event.seq < last) v.reordered++;
      if (event.seq > expected) {
        v.lost += event.seq - expected;
        v.problems.push(`${sub.topic}: seqs ${expected}-${event.seq - 1} never reached a subscriber`);
      }
      expected = Math.max(expected, event.seq + 1);
      last = Math.max(last, event.seq);
    }
    if (head >= expected) {
      v.lost += head - expected + 1;
      v.problems.push(`${sub.topic}: seqs ${expected}-${head} committed but not received by the end`);
    }
  }

  const seats = await db.query<{ id: string; bookedSeats: number; capacity: number; booked: string }>(
    `SELECT e."id", e."bookedSeats", e."capacity", COALESCE(SUM(b."seats") FILTER (WHERE b."status" = 'ACTIVE'), 0) AS "booked"
       FROM "Event" e LEFT JOIN "Booking" b ON b."eventId" = e."id" GROUP BY e."id"`,
  );
  for (const e of seats.rows) {
    if (Number(e.booked) !== e.bookedSeats || e.bookedSeats > e.capacity) {
      v.seatMismatches++;
      v.problems.push(`event ${e.id}: bookedSeats ${e.bookedSeats}, bookings ${e.booked}, capacity ${e.capacity}`);
    }
  }
  const likes = await db.query<{ id: string; likeCount: number; likes: string }>(
    `SELECT p."id", p."likeCount", COUNT(l."userId") AS "likes" FROM "Post" p LEFT JOIN "Like" l ON l."postId" = p."id" GROUP BY p."id"`,
  );
  for (const p of likes.rows) {
    if (Number(p.likes) !== p.likeCount) {
      v.likeMismatches++;
      v.problems.push(`post ${p.id}: likeCount ${p.likeCount}, likes ${p.likes}`);
    }
  }

  const table: Record<string, string> = { postMatch: 'Match', sendMessage: 'Message', bookSeats: 'Booking', addComment: 'Comment' };
  for (const answer of answers) {
    const name = table[answer.op];
    if (!name) continue;
    if (answer.outcome === 'ok' && answer.id) {
      const found = await db.query(`SELECT 1 FROM "${name}" WHERE "id" = $1`, [answer.id]);
      if (found.rowCount === 0) {
        v.answeredNotStored++;
        v.problems.push(`${answer.op} answered ${answer.id} but it is not stored`);
      }
    }
    if (answer.outcome === 'refused' && answer.clientMessageId) {
      const found = await db.query('SELECT 1 FROM "Message" WHERE "clientMessageId" = $1', [answer.clientMessageId]);
      if ((found.rowCount ?? 0) > 0) {
        v.refusedButStored++;
        v.problems.push(`sendMessage ${answer.clientMessageId} was refused (${answer.code}) but is stored`);
      }
    }
  }
  return v;
}
