/**
 * `npm run codegen:check`: regenerates client/src/gql in memory and fails when the committed files
 * differ (or a generated file is missing or left over), so CI catches a stale client.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { generate } from '@graphql-codegen/cli';
import config from '../codegen.js';

const root = resolve(import.meta.dirname, '..');
let outputs: { filename: string; content: string }[];
try {
  outputs = await generate({ ...config, cwd: root }, false);
} catch (error) {
  // The client's operations no longer match the schema: codegen itself names the field and file.
  const errors = error instanceof AggregateError ? error.errors : [error];
  console.error(`npm run codegen fails:\n${errors.map((e) => (e instanceof Error ? e.message : String(e))).join('\n')}`);
  process.exit(1);
}
const expected = new Map(outputs.map((o) => [relative(root, resolve(root, o.filename)), o.content]));
const dir = 'client/src/gql';
const present = readdirSync(join(root, dir)).map((name) => join(dir, name));

const stale = [...expected]
  .filter(([file, content]) => !present.includes(file) || readFileSync(join(root, file), 'utf8') !== content)
  .map(([f]) => f);
const extra = present.filter((file) => !expected.has(file));
if (stale.length || extra.length) {
  console.error(
    `client/src/gql is stale: ${[...stale.map((f) => `${f} differs`), ...extra.map((f) => `${f} is not generated`)].join(', ')}.\nRun \`npm run codegen\` and commit the result.`,
  );
  process.exit(1);
}
console.log(`client/src/gql is up to date (${expected.size} files).`);
