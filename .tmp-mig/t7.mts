import pg from 'pg';
import { PrismaPg } from '@prisma/adapter-pg';
const url = 'postgres://postgres@127.0.0.1:5432/test';
const { applyMigrations } = await import('/work/main/src/db/migrate.ts');
const admin = new pg.Client(url); await admin.connect();
const where = async (s: string) => (await admin.query(`select table_schema, count(*)::int from information_schema.tables where table_name in ('_prisma_migrations','User','Post') group by 1`)).rows;
const variants: Record<string, (s: string) => PrismaPg> = {
  searchPathOnly: (s) => new PrismaPg({ connectionString: url, options: `-c search_path="${s}"` }),
  schemaOnly: (s) => new PrismaPg({ connectionString: url }, { schema: s }),
  bothNoCreate: (s) => new PrismaPg({ connectionString: url, options: `-c search_path="${s}"` }, { schema: s }),
};
for (const [name, mk] of Object.entries(variants)) {
  const s = 'mig_' + name.toLowerCase();
  if (name !== 'bothNoCreate') await admin.query(`CREATE SCHEMA IF NOT EXISTS "${s}"`);
  try { console.log(name, await applyMigrations(mk(s)), await where(s)); console.log(name, "second", await applyMigrations(mk(s))); } catch (e) { console.log(name, 'ERR', (e as Error).message.slice(0, 300)); }
  await admin.query(`DROP SCHEMA IF EXISTS "${s}" CASCADE`);
  for (const t of ['_prisma_migrations']) await admin.query(`DROP TABLE IF EXISTS public."${t}"`);
  // clean public
  const pub = (await admin.query(`select table_name from information_schema.tables where table_schema='public'`)).rows.map((r) => r.table_name);
  for (const t of pub) await admin.query(`DROP TABLE IF EXISTS public."${t}" CASCADE`);
  const types = (await admin.query(`select typname from pg_type t join pg_namespace n on n.oid=t.typnamespace where n.nspname='public' and t.typtype='e'`)).rows.map((r) => r.typname);
  for (const t of types) await admin.query(`DROP TYPE public."${t}" CASCADE`);
}
await admin.end();
