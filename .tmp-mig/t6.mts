import pg from 'pg';
import { PrismaPg } from '@prisma/adapter-pg';
const url = 'postgres://postgres@127.0.0.1:5432/test';
const { applyMigrations } = await import('/work/main/src/db/migrate.ts');
const t0 = Date.now();
process.on('exit', () => console.log('exit after', Date.now() - t0));
const admin = new pg.Client(url); await admin.connect();
const schemas = ['mig_a_' + Math.random().toString(36).slice(2, 8), 'mig_b_' + Math.random().toString(36).slice(2, 8)];
for (const s of schemas) await admin.query(`CREATE SCHEMA IF NOT EXISTS "${s}"`);
const mk = (s: string) => new PrismaPg({ connectionString: url, options: `-c search_path="${s}"` }, { schema: s });
for (const s of schemas) {
  let t = Date.now();
  console.log(s, await applyMigrations(mk(s)), Date.now() - t);
  t = Date.now();
  console.log(s, await applyMigrations(mk(s)), Date.now() - t);
}
// parallel re-run
let t = Date.now();
console.log(await Promise.all(schemas.map((s) => applyMigrations(mk(s)))), Date.now() - t);
const r = await admin.query(`select table_schema, count(*)::int from information_schema.tables where table_schema = any($1) or table_name='_prisma_migrations' or table_name = 'User' group by 1`, [schemas]);
console.log(r.rows);
console.log((await admin.query(`select n.nspname, t.typname from pg_type t join pg_namespace n on n.oid=t.typnamespace where typname='Role'`)).rows);
console.log('locks', (await admin.query(`select pid, objid, granted from pg_locks where locktype='advisory'`)).rows);
console.log('conns', (await admin.query(`select count(*) from pg_stat_activity where datname='test'`)).rows);
for (const s of schemas) await admin.query(`DROP SCHEMA "${s}" CASCADE`);
await admin.end();
console.log('done', Date.now() - t0);
