import { createMigrationSql } from '/work/main/src/db/migrate.ts';
const t = Date.now();
const sql = await createMigrationSql();
console.log(sql);
console.error('took', Date.now() - t);
