// `npm install` runs this: generate the Prisma client and build the web page. An install without
// dev dependencies (`npm ci --omit=dev`, production) has no Prisma CLI and needs neither: it runs
// the artifacts of `npm run build` (dist/, client/dist), made by a full install.
import { execSync } from 'node:child_process';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
try {
  require.resolve('prisma/package.json');
} catch {
  console.log('postinstall: no dev dependencies (production install): skipping prisma generate and the page build.');
  process.exit(0);
}
execSync('npm run -s prisma:generate && npm run -s build:web', { stdio: 'inherit' });
