import { PGlite } from '@electric-sql/pglite';
import { PrismaPGlite } from 'pglite-prisma-adapter';
import { applyMigrations } from '/work/main/src/db/migrate.ts';
let t = Date.now();
const pg = await PGlite.create();
console.log('pglite start', Date.now() - t);
t = Date.now();
console.log(await applyMigrations(new PrismaPGlite(pg), { log: (m) => console.log('LOG', m) }), Date.now() - t);
t = Date.now();
console.log(await applyMigrations(new PrismaPGlite(pg)), Date.now() - t);
const r = await pg.query(`select table_schema, table_name from information_schema.tables where table_schema not in ('pg_catalog','information_schema') order by 2`);
console.log(r.rows.length, r.rows.map((x: any) => x.table_name).join(','));
console.log((await pg.query(`select migration_name, checksum, finished_at, applied_steps_count, logs from _prisma_migrations`)).rows);
// fresh pglite in same process
const pg2 = await PGlite.create();
t = Date.now();
console.log(await applyMigrations(new PrismaPGlite(pg2)), Date.now() - t);
await pg.close(); await pg2.close();
console.log('done');
