/**
 * Codegen (client preset): deterministic, the committed client/src/gql is what it generates today,
 * and an operation asking for a field the schema lacks fails both generation and typechecking.
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { generate } from '@graphql-codegen/cli';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import config from '../../codegen.js';

const root = resolve(import.meta.dirname, '../..');

type Output = { filename: string; content: string };

/** The Viewer query exactly as client/src/operations/session.ts writes it. */
async function viewerOperation(): Promise<string> {
  const source = await readFile(resolve(root, 'client/src/operations/session.ts'), 'utf8');
  const match = /graphql\(`(\s*query Viewer \{[^`]*)`\)/.exec(source);
  if (!match) throw new Error('client/src/operations/session.ts has no Viewer query');
  return match[1];
}

describe('codegen', () => {
  it('generates the same files twice, equal to the committed client/src/gql', async () => {
    const first: Output[] = await generate({ ...config, cwd: root }, false);
    const second: Output[] = await generate({ ...config, cwd: root }, false);
    expect(second).toEqual(first);
    expect(first.map((o) => o.filename).sort()).toEqual([
      'client/src/gql/gql.ts',
      'client/src/gql/graphql.ts',
      'client/src/gql/index.ts',
      'client/src/gql/persisted-documents.json',
    ]);
    for (const output of first) {
      expect(await readFile(resolve(root, output.filename), 'utf8'), `${output.filename} is stale: run npm run codegen`).toBe(
        output.content,
      );
    }
  });

  it('refuses an operation with a field the schema does not have, naming it', async () => {
    await expect(generate({ ...config, cwd: root, documents: ['query Stale { viewer { userName } }'] }, false)).rejects.toThrow(
      /Cannot query field "userName" on type "User"/,
    );
  });

  it('fails typechecking when an operation no longer matches its generated document', async () => {
    const viewer = await viewerOperation();
    const stale = viewer.replace(/\busername\b/, 'userName');
    expect(stale).not.toBe(viewer);
    // Compiled from memory as if it were a file in client/src, so nothing is written to the tree.
    const file = resolve(root, 'client/src/typecheck-probe.ts');
    const source = [
      `import type { TypedDocumentNode } from '@graphql-typed-document-node/core';`,
      `import { graphql } from './gql/index.js';`,
      `export const current: TypedDocumentNode<any, any> = graphql(${JSON.stringify(viewer)});`,
      `export const stale: TypedDocumentNode<any, any> = graphql(${JSON.stringify(stale)});`,
    ].join('\n');
    const tsconfig = ts.getParsedCommandLineOfConfigFile(
      resolve(root, 'client/tsconfig.json'),
      {},
      { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => {} },
    );
    const options = { ...tsconfig!.options, noEmit: true };
    const host = ts.createCompilerHost(options);
    const getSourceFile = host.getSourceFile.bind(host);
    host.getSourceFile = (name, language, ...rest) =>
      name === file ? ts.createSourceFile(name, source, language) : getSourceFile(name, language, ...rest);
    const fileExists = host.fileExists.bind(host);
    host.fileExists = (name) => name === file || fileExists(name);
    const program = ts.createProgram([file], options, host);
    const diagnostics = ts.getPreEmitDiagnostics(program, program.getSourceFile(file));
    const lines = diagnostics.map((d) => d.file!.getLineAndCharacterOfPosition(d.start!).line + 1);
    expect(lines).toEqual([4]);
    expect(ts.flattenDiagnosticMessageText(diagnostics[0].messageText, '\n')).toMatch(/unknown/);
  });
});
