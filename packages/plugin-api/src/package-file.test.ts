import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { packageFile } from './package-file.js';

const root = mkdtempSync(join(tmpdir(), 'gipkit-package-file-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function layout(): string {
  const pkg = join(root, 'node_modules/@gipkit/core');
  for (const folder of ['src/engine', 'dist/lib/engine', 'dist/chunks', 'rules']) mkdirSync(join(pkg, folder), { recursive: true });
  writeFileSync(join(root, 'package.json'), JSON.stringify({ name: 'product' }));
  writeFileSync(join(pkg, 'package.json'), JSON.stringify({ name: '@gipkit/core' }));
  // A nested package.json of another name (a fixture, a vendored folder) is passed over.
  writeFileSync(join(pkg, 'dist/package.json'), JSON.stringify({ name: 'something-else' }));
  return pkg;
}

describe('packageFile', () => {
  it('finds the package root from a module at any depth: a bundle, its chunks, tsc output, the sources', () => {
    const pkg = layout();
    for (const module of ['dist/index.js', 'dist/chunks/chunk-1.js', 'dist/lib/engine/gipkit.js', 'src/engine/gipkit.ts']) {
      expect(packageFile(pathToFileURL(join(pkg, module)).href, '@gipkit/core', 'rules/default.rules.json'), module).toBe(join(pkg, 'rules/default.rules.json'));
    }
  });

  it('never takes the package.json of another package above it, and says where it looked', () => {
    const pkg = layout();
    expect(() => packageFile(pathToFileURL(join(pkg, 'dist/index.js')).href, '@gipkit/cli', 'package.json')).toThrow(/no package\.json of @gipkit\/cli/);
  });
});
