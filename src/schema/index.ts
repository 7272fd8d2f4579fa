/** The schema: imports every domain's types and fields, then builds. */
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

export const schema = builder.toSchema({ sortSchema: true });
