/** Who is asking: for resolvers whose field is `authScopes: { signedIn: true }` the viewer is set. */
import type { Context, Viewer } from '../context.js';
import { unauthenticated } from '../errors.js';

export function viewerOf(ctx: Context): Viewer {
  if (!ctx.viewer) throw unauthenticated();
  return ctx.viewer;
}
