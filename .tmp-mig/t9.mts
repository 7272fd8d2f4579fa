import { PGlite } from '@electric-sql/pglite';
import { PrismaPGlite } from 'pglite-prisma-adapter';
import { bindMigrationAwareSqlAdapterFactory } from '@prisma/driver-adapter-utils';
const pg = await PGlite.create();
const glue: any = await import('@prisma/schema-engine-wasm/schema_engine_bg');
const fs = await import('node:fs');
const mod = await WebAssembly.compile(fs.readFileSync('node_modules/@prisma/schema-engine-wasm/schema_engine_bg.wasm'));
const inst = await WebAssembly.instantiate(mod, { './schema_engine_bg.js': glue });
glue.__wbg_set_wasm(inst.exports); (inst.exports as any).__wbindgen_start();
const f = new PrismaPGlite(pg);
const orig = f.connect.bind(f);
(f as any).connect = async () => { const a: any = await orig(); a.executeScript = async (s: string) => { try { await a.client.exec(s) } catch (e) { a.onError(e) } }; return a; };
const bound = bindMigrationAwareSqlAdapterFactory(f);
const engine = await glue.SchemaEngine.new({ datamodels: undefined }, () => {}, bound);
const { readMigrationsList } = await import('/work/main/src/db/migrate.ts');
try { await engine.applyMigrations({ migrationsList: await readMigrationsList('/tmp/mig/bad2'), filters: { externalTables: [], externalEnums: [] } }); } catch (e: any) {
  console.log(Object.getOwnPropertyNames(e), e.name, e.code, e.meta, JSON.stringify(e), e.message);
  console.log((bound.errorRegistry as any));
}
