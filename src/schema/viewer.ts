/** The viewer of a field that is not built with `t.withAuth` but is only reachable signed in (UNAUTHENTICATED otherwise). */
import type { Context, Viewer } from '../context.js';
import { unauthenticated } from '../errors.js';

export function viewerOf(ctx: Context): Viewer {
  if (!ctx.viewer) throw unauthenticated();
  return ctx.viewer;
}
