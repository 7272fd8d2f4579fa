/**
 * `npm run bench`: runs every benchmark in bench/ in turn; each prints its own figures.
 * `npm run bench -- <name> [flags]` runs one, with its flags (e.g. `npm run bench -- scale --instances 6`).
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';

const [only, ...flags] = process.argv.slice(2);
const files = readdirSync(new URL('.', import.meta.url))
  .filter((f) => f.endsWith('.ts') && f !== 'index.ts')
  .filter((f) => !only || f.startsWith(only))
  .sort();
let failed = 0;
for (const file of files) {
  console.log(`\n## bench/${file}`);
  const result = spawnSync('npx', ['tsx', `bench/${file}`, ...flags], { stdio: 'inherit' });
  if (result.status !== 0) failed++;
}
process.exit(failed ? 1 : 0);
