import { defineConfig } from 'prisma/config';

// Pulse connects through driver adapters (src/db/), so no datasource URL is configured here.
// Migrations are applied by `npm run db:migrate` with Prisma's WASM schema engine (src/db/migrate.ts).
export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations', seed: 'tsx scripts/seed.ts' },
});
