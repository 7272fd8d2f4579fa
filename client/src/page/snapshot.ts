/**
 * Query, then subscribe from the query's snapshot cursor: nothing committed between the two is
 * missed. The first cursor a panel's query returned is kept, so a later refetch does not restart
 * its subscription (the typed client moves the subscription's own position as events arrive).
 */
import { useRef } from 'react';

export function useSnapshotCursor(cursor: string | null | undefined): string | null {
  const kept = useRef<string | null>(null);
  if (kept.current === null && cursor) kept.current = cursor;
  return kept.current;
}
