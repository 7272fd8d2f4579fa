/**
 * Opaque stream cursors: base64url of `<topic>\n<seq>`. A cursor names its stream, so one taken
 * from another stream is rejected instead of silently resuming at the wrong place.
 */
import { badInput } from '../errors.js';

export function encodeCursor(topic: string, seq: number): string {
  return Buffer.from(`${topic}\n${seq}`, 'utf8').toString('base64url');
}

/** The seq a cursor points at; `BAD_USER_INPUT` (field `after`) if it is malformed or for another stream. */
export function decodeCursor(cursor: string, topic: string): number {
  const decoded = Buffer.from(cursor, 'base64url').toString('utf8');
  const newline = decoded.lastIndexOf('\n');
  const seq = Number(decoded.slice(newline + 1));
  if (newline < 0 || !Number.isSafeInteger(seq) || seq < 0) {
    throw badInput('after', 'The cursor is not valid.');
  }
  if (decoded.slice(0, newline) !== topic) {
    throw badInput('after', 'The cursor belongs to another stream.');
  }
  return seq;
}
