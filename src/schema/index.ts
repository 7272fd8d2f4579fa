/**
 * The schema: imports every domain's types and fields, then builds. `@defer` and `@stream` are part
 * of it (so the printed schema, codegen and GraphiQL know them); transport/incremental.ts says where
 * they take effect.
 */
import { GraphQLDeferDirective, GraphQLStreamDirective } from '@graphql-tools/utils';
import { specifiedDirectives } from 'graphql';
import { builder } from './builder.js';
import './users.js';
import './notifications.js';
import './operations.js';
import './social.js';
import './presence.js';
import './chat.js';
import './matches.js';
import './matchmaking.js';
import './game-state.js';
import './bookings.js';

export const schema = builder.toSchema({
  sortSchema: true,
  directives: [...specifiedDirectives, GraphQLDeferDirective, GraphQLStreamDirective],
});
