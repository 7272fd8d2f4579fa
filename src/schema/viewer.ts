/**
 * The one way a viewer-dependent field shows nothing to a signed-out caller: it filters by
 * `viewerIdOf(ctx)`, which is `NOBODY` ('') when signed out, an id no row has, so the field's own
 * query finds nothing for them; no field branches on the viewer.
 */
import type { Viewer } from '../auth/viewer.js';

export const NOBODY = '';

export const viewerIdOf = (ctx: { viewer: Viewer | null }): string => ctx.viewer?.id ?? NOBODY;

/** Who reads a stream, for the fair replay gate (streams/replays.ts): the user, else the connection, else the address. */
export const readerOf = (ctx: { viewer: Viewer | null; connectionId: string | null; ip: string | undefined }): string =>
  ctx.viewer ? `user:${ctx.viewer.id}` : ctx.connectionId ? `connection:${ctx.connectionId}` : `ip:${ctx.ip ?? 'unknown'}`;
