import { PGlite } from '@electric-sql/pglite';
import { PrismaPGlite } from 'pglite-prisma-adapter';
const mode = process.argv[2];
const t0 = Date.now();
process.on('exit', () => console.log('exit after', Date.now() - t0));
const pg = await PGlite.create();
if (mode !== 'nomig') {
  const { applyMigrations } = await import('/work/main/src/db/migrate.ts');
  console.log(await applyMigrations(new PrismaPGlite(pg)));
}
await pg.close();
console.log('done', Date.now() - t0);
const handles = (process as any)._getActiveHandles();
console.log(handles.map((h: any) => h.constructor?.name + ' ' + (h._idleTimeout ?? '')));
for (const h of handles) if (h.constructor?.name === 'Timeout') console.log(h._idleTimeout, h._onTimeout?.toString().slice(0, 300));
