/** GraphQL documents and small helpers shared by the match tests. */
import { expect } from 'vitest';
import { gqlOk, type TestUser } from '../support/client.js';

const MATCH_FIELDS = 'id game region slots openSlots mode description status creator { id } players { id } createdAt';
export const POST_MATCH = `mutation($input: PostMatchInput!) { postMatch(input: $input) { ${MATCH_FIELDS} } }`;
export const APPLY = `mutation($matchId: ID!, $message: String) { applyToMatch(matchId: $matchId, message: $message) { id status message applicant { id } match { id } } }`;
export const ACCEPT = `mutation($applicationId: ID!) { acceptApplication(applicationId: $applicationId) { id status applicant { id } match { id status openSlots players { id } } } }`;
export const VOICE = `mutation($matchId: ID!) { createVoiceChannel(matchId: $matchId) { id inviteUrl match { id } } }`;
export const CLOSE = `mutation($matchId: ID!) { closeMatch(matchId: $matchId) { id status } }`;
const MATCH = `query($id: ID!) { match(id: $id) { ${MATCH_FIELDS} voiceChannel { id inviteUrl } applications { id applicant { id } status } } }`;
export const MATCH_FEED = `subscription($region: Region!, $after: String) { matchFeed(region: $region, after: $after) { kind cursor at match { id region status openSlots game } } }`;
export const NOTIFICATIONS = `subscription { notifications { kind notification { message subjectId actor { id } } } }`;
export const BROADCAST = `mutation($input: BroadcastInput!) { broadcast(input: $input) }`;

export interface FeedEvent {
  matchFeed: {
    kind: string;
    cursor: string;
    at: string;
    match: { id: string; region: string; status: string; openSlots: number; game: string } | null;
  };
}
export interface NotificationEvent {
  notifications: { kind: string; notification: { message: string; subjectId: string | null; actor: { id: string } | null } };
}

/** A small API over one server for the match tests. */
export function matchApi(url: () => string) {
  return {
    async post(user: TestUser, input: Partial<{ game: string; region: string; slots: number; mode: string; description: string }> = {}) {
      return (await gqlOk(url(), POST_MATCH, { input: { game: 'Valorant', region: 'NA', slots: 2, ...input } }, user.token)).postMatch;
    },
    async apply(user: TestUser, matchId: string, message?: string) {
      return (await gqlOk(url(), APPLY, { matchId, message }, user.token)).applyToMatch;
    },
    async accept(user: TestUser, applicationId: string) {
      return (await gqlOk(url(), ACCEPT, { applicationId }, user.token)).acceptApplication;
    },
    async voice(user: TestUser, matchId: string) {
      return (await gqlOk(url(), VOICE, { matchId }, user.token)).createVoiceChannel;
    },
    async match(user: TestUser | null, id: string) {
      return (await gqlOk(url(), MATCH, { id }, user?.token)).match;
    },
  };
}

/** Asserts the first error's code (and field, when given). */
export async function expectError(request: Promise<{ errors?: { extensions?: Record<string, any> }[] }>, code: string, field?: string) {
  const result = await request;
  expect(result.errors?.[0]?.extensions, JSON.stringify(result)).toMatchObject(field ? { code, field } : { code });
}
