/**
 * Looking-for-group matches by region: posting, applying, accepting into a slot, the voice channel
 * and closing. Every change is appended to the region's stream (`region:<R>`) in its transaction.
 *
 * `slots` counts the players wanted besides the creator; `acceptedCount` is maintained only by the
 * conditional UPDATE in `acceptApplication`, so a match never takes more players than it has slots.
 *
 * Each region event carries the facts `matchFeed` filters judge (streams/topics.ts `MatchFacts`): the
 * game and the open slots after the change (and just before it, for UPDATED and CLOSED), read in the
 * same transaction, so they are the match as of that commit and follow the stream's order.
 */
import { randomBytes } from 'node:crypto';
import type { Tx } from '../db/index.js';
import { badInput, conflict, forbidden, isUniqueViolation, notFound } from '../errors.js';
import type { Match, MatchApplication, Region, VoiceChannel } from '../generated/prisma/client.js';
import { notify } from '../notifications/service.js';
import { Topics, type Writer } from '../streams/index.js';
import type { Streams } from '../streams/index.js';

/** What this module's functions use of the instance's services (context.ts `Services` has them all). */
interface Deps {
  streams: Streams;
}

const MAX_SLOTS = 50;
/** Where generated invite links point; there is no external voice service behind it. */
const VOICE_BASE_URL = 'https://voice.pulse.local/join/';

export interface PostMatchInput {
  game: string;
  region: Region;
  slots: number;
  mode?: string | null;
  description?: string | null;
}

function optionalText(value: string | null | undefined, field: string, max: number): string | null {
  const text = value?.trim() ?? '';
  if (text.length > max) throw badInput(field, `The ${field} must be at most ${max} characters.`);
  return text.length === 0 ? null : text;
}

/** Posts a match with the viewer as creator; POSTED on the region's feed. */
export async function postMatch(app: Deps, creatorId: string, input: PostMatchInput): Promise<Match> {
  const game = input.game.trim();
  if (game.length < 1 || game.length > 60) throw badInput('game', 'The game must be 1-60 characters.');
  if (!Number.isInteger(input.slots) || input.slots < 1 || input.slots > MAX_SLOTS) {
    throw badInput('slots', `Slots (players wanted besides you) must be 1-${MAX_SLOTS}.`);
  }
  const mode = optionalText(input.mode, 'mode', 40);
  const description = optionalText(input.description, 'description', 500);
  return app.streams.write(async (w) => {
    const match = await w.tx.match.create({ data: { game, region: input.region, slots: input.slots, mode, description, creatorId } });
    await w.append(Topics.region(match.region), 'POSTED', { matchId: match.id, game: match.game, openSlots: match.slots });
    return match;
  });
}

interface LockedMatch {
  id: string;
  creatorId: string;
  status: Match['status'];
  region: Region;
  game: string;
}

/**
 * Reads a match under a row lock: FOR SHARE lets applications run side by side while keeping the
 * status from changing under them; FOR UPDATE serializes the creator's voice/close actions.
 */
async function lockMatch(tx: Tx, matchId: string, mode: 'share' | 'update'): Promise<LockedMatch> {
  const rows =
    mode === 'share'
      ? await tx.$queryRaw<
          LockedMatch[]
        >`SELECT id, "creatorId", status::text AS status, region::text AS region, game FROM "Match" WHERE id = ${matchId} FOR SHARE`
      : await tx.$queryRaw<
          LockedMatch[]
        >`SELECT id, "creatorId", status::text AS status, region::text AS region, game FROM "Match" WHERE id = ${matchId} FOR UPDATE`;
  if (rows.length === 0) throw notFound('Match', matchId);
  return rows[0];
}

/** Applies to an OPEN match of someone else; the creator gets CONNECTION_REQUEST. */
export async function applyToMatch(app: Deps, applicantId: string, matchId: string, message?: string | null): Promise<MatchApplication> {
  const text = optionalText(message, 'message', 500);
  return app.streams.write(async (w) => {
    const match = await lockMatch(w.tx, matchId, 'share');
    if (match.creatorId === applicantId) throw badInput('matchId', 'You cannot apply to your own match.');
    if (match.status !== 'OPEN') throw conflict(`The match is ${match.status.toLowerCase()}; it takes no more applications.`);
    let application: MatchApplication;
    try {
      application = await w.tx.matchApplication.create({ data: { matchId, applicantId, message: text } });
    } catch (error) {
      if (isUniqueViolation(error)) throw conflict('You have already applied to this match.');
      throw error;
    }
    await notify(w, {
      userId: match.creatorId,
      kind: 'CONNECTION_REQUEST',
      message: `A player wants to join your ${match.game} match${text ? `: "${text}"` : '.'}`,
      actorId: applicantId,
      subjectId: application.id,
    });
    return application;
  });
}

/**
 * Accepts an application into one of the match's slots (creator only). The slot is taken by one
 * conditional UPDATE, so concurrent accepts on any number of instances never exceed `slots`; the
 * match turns FULL in the same statement. The applicant gets PLAYER_ACCEPTED (and VOICE_CREATED when
 * the voice channel already exists).
 */
export async function acceptApplication(app: Deps, viewerId: string, applicationId: string): Promise<MatchApplication> {
  return app.streams.write(async (w) => {
    const application = await w.tx.matchApplication.findUnique({
      where: { id: applicationId },
      include: { match: { select: { creatorId: true, game: true } } },
    });
    if (!application) throw notFound('Application', applicationId);
    if (application.match.creatorId !== viewerId) throw forbidden('Only the creator of the match can accept players.');
    const accepted = await w.tx.matchApplication.updateMany({
      where: { id: applicationId, status: 'PENDING' },
      data: { status: 'ACCEPTED' },
    });
    if (accepted.count === 0) throw conflict('This application has already been accepted.');
    const taken = await w.tx.$queryRaw<{ region: Region; status: string; game: string; openSlots: number }[]>`
      UPDATE "Match"
         SET "acceptedCount" = "acceptedCount" + 1,
             status = CASE WHEN "acceptedCount" + 1 >= slots THEN 'FULL'::"MatchStatus" ELSE status END,
             "updatedAt" = now()
       WHERE id = ${application.matchId} AND status = 'OPEN' AND "acceptedCount" < slots
      RETURNING region::text AS region, status::text AS status, game, slots - "acceptedCount" AS "openSlots"`;
    if (taken.length === 0) throw conflict('The match has no open slot left (it is full or closed).');
    const openSlots = Number(taken[0].openSlots);
    // The statement took exactly one slot: the match had one more open just before it.
    await w.append(Topics.region(taken[0].region), 'UPDATED', {
      matchId: application.matchId,
      game: taken[0].game,
      openSlots,
      openSlotsBefore: openSlots + 1,
    });
    await notify(w, {
      userId: application.applicantId,
      kind: 'PLAYER_ACCEPTED',
      message: `You were accepted into a ${application.match.game} match.`,
      actorId: viewerId,
      subjectId: application.matchId,
    });
    // Read after the slot UPDATE, which waited for any voice channel being opened concurrently.
    const voice = await w.tx.voiceChannel.findUnique({ where: { matchId: application.matchId } });
    if (voice) await notifyVoice(w, voice, [application.applicantId], viewerId, application.match.game);
    return { ...application, status: 'ACCEPTED' as const };
  });
}

async function notifyVoice(w: Writer, voice: VoiceChannel, userIds: string[], actorId: string, game: string) {
  // In id order: transactions that notify the same users lock their topics in the same order.
  for (const userId of [...userIds].sort()) {
    await notify(w, {
      userId,
      kind: 'VOICE_CREATED',
      message: `Voice channel for your ${game} match: ${voice.inviteUrl}`,
      actorId,
      subjectId: voice.matchId,
    });
  }
}

/**
 * Opens the match's voice channel (creator only) and sends every accepted player VOICE_CREATED with
 * the invite URL. Asking again returns the existing channel and notifies nobody (a safe retry).
 */
export async function createVoiceChannel(app: Deps, viewerId: string, matchId: string): Promise<VoiceChannel> {
  return app.streams.write(async (w) => {
    const match = await lockMatch(w.tx, matchId, 'update');
    if (match.creatorId !== viewerId) throw forbidden('Only the creator of the match can open its voice channel.');
    const existing = await w.tx.voiceChannel.findUnique({ where: { matchId } });
    if (existing) return existing;
    if (match.status === 'CLOSED') throw conflict('The match is closed.');
    const voice = await w.tx.voiceChannel.create({
      data: { matchId, inviteUrl: VOICE_BASE_URL + randomBytes(18).toString('base64url') },
    });
    const players = await w.tx.matchApplication.findMany({
      where: { matchId, status: 'ACCEPTED' },
      select: { applicantId: true },
      orderBy: { createdAt: 'asc' },
    });
    await notifyVoice(
      w,
      voice,
      players.map((p) => p.applicantId),
      viewerId,
      match.game,
    );
    return voice;
  });
}

/** Closes the match (creator only): CLOSED on the region's feed; closing twice is CONFLICT. */
export async function closeMatch(app: Deps, viewerId: string, matchId: string): Promise<Match> {
  return app.streams.write(async (w) => {
    const match = await lockMatch(w.tx, matchId, 'update');
    if (match.creatorId !== viewerId) throw forbidden('Only the creator of the match can close it.');
    if (match.status === 'CLOSED') throw conflict('The match is already closed.');
    const closed = await w.tx.match.update({ where: { id: matchId }, data: { status: 'CLOSED' } });
    const openSlotsBefore = Math.max(0, closed.slots - closed.acceptedCount);
    await w.append(Topics.region(closed.region), 'CLOSED', { matchId, game: closed.game, openSlots: 0, openSlotsBefore });
    return closed;
  });
}
