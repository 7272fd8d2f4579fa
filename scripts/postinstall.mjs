// `npm install` runs this: generate the Prisma client and build the web page. A production install
// (`npm ci --omit=dev` beside the artifacts of `npm run build`: dist/, client/dist) needs neither and
// has no Vite; it skips both.
import { execSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const omitsDev = (process.env.npm_config_omit ?? '').split(/[\s,]+/).includes('dev');
let hasDevTools = true;
try {
  require.resolve('vite/package.json');
} catch {
  hasDevTools = false;
}
if (omitsDev || !hasDevTools || !existsSync('prisma/schema.prisma')) {
  console.log('postinstall: production install (no dev dependencies): skipping prisma generate and the page build.');
  process.exit(0);
}
execSync('npm run -s prisma:generate && npm run -s build:web', { stdio: 'inherit' });
