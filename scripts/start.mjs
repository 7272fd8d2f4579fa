// `npm start`: with NODE_ENV=production, the compiled server (dist/, made by `npm run build`);
// otherwise the TypeScript sources, compiled on the fly by tsx in this same process.
import { existsSync } from 'node:fs';

if (process.env.NODE_ENV === 'production') {
  const compiled = new URL('../dist/main.js', import.meta.url);
  if (!existsSync(compiled)) {
    console.error('dist/main.js is missing: run `npm run build` before starting with NODE_ENV=production.');
    process.exit(1);
  }
  await import(compiled.href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/main.ts');
}
