/** `npm run schema:check` passes on the committed SDL and fails when it differs from the code. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const check = (file?: string) =>
  spawnSync('npx', ['tsx', 'scripts/print-schema.ts', '--check', ...(file ? ['--file', file] : [])], { encoding: 'utf8' });

describe('schema drift check', () => {
  it('passes for the committed schema/schema.graphql', () => {
    const result = check();
    expect(result.stderr).not.toContain('out of date');
    expect(result.status).toBe(0);
  });

  it('fails when the printed SDL does not match the code', () => {
    const tampered = join(mkdtempSync(join(tmpdir(), 'pulse-schema-')), 'schema.graphql');
    const sdl = readFileSync('schema/schema.graphql', 'utf8');
    // As if a field had been added to the code without re-printing: the committed file lacks it.
    writeFileSync(tampered, sdl.replace(/\n\s*viewer: User\n/, '\n'));
    expect(readFileSync(tampered, 'utf8')).not.toEqual(sdl);
    const result = check(tampered);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('out of date');
  });
});
