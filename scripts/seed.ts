/** `npm run db:seed`: migrates the configured database and seeds demo data if it is empty. */
import { loadConfig } from '../src/config.js';
import { openDatabase } from '../src/db/index.js';
import { applyMigrations } from '../src/db/migrate.js';
import { DEMO_PASSWORD, DEMO_USERS, seedDemoData } from '../src/seed.js';

const config = loadConfig();
const database = await openDatabase(config.database);
try {
  await applyMigrations(database.factory);
  if (await seedDemoData(database.prisma)) {
    console.log(`seeded demo users ${DEMO_USERS.map((u) => u.username).join(', ')} (password "${DEMO_PASSWORD}")`);
  } else {
    console.log('the database already has users: nothing seeded');
  }
} finally {
  await database.close();
}
process.exit(0);
