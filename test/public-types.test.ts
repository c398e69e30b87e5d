// No third-party type appears in a public signature: from each package's entry
// declaration file, every declaration file it reaches by relative imports
// imports types only from @gipkit packages, Node.js, and rxjs (events$ is an
// Observable; rxjs is a peer of every embedder that subscribes).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '..');
const ALLOWED = /^(@gipkit\/|node:|rxjs$)/;
const SPECIFIER = /(?:from|import)\s*\(?\s*['"]([^'"]+)['"]/g;

function reachable(entry: string): Map<string, string[]> {
  const imports = new Map<string, string[]>();
  const pending = [entry];
  while (pending.length > 0) {
    const file = pending.pop() ?? '';
    if (imports.has(file) || !existsSync(file)) continue;
    const found: string[] = [];
    for (const [, specifier] of readFileSync(file, 'utf8').matchAll(SPECIFIER)) {
      if (specifier === undefined) continue;
      if (specifier.startsWith('.')) pending.push(resolve(dirname(file), specifier.replace(/\.js$/, '.d.ts')));
      else found.push(specifier);
    }
    imports.set(file, found);
  }
  return imports;
}

describe('public type surfaces', () => {
  const packages = readdirSync(join(ROOT, 'packages')).filter((name) => existsSync(join(ROOT, 'packages', name, 'dist', 'lib', 'index.d.ts')));

  it('finds the packages to check', () => {
    expect(packages.length).toBeGreaterThanOrEqual(13);
  });

  for (const name of packages) {
    it(`${name}: its entry's declarations name no third-party type (rxjs aside)`, () => {
      const foreign = [...reachable(join(ROOT, 'packages', name, 'dist', 'lib', 'index.d.ts'))].flatMap(([file, specifiers]) =>
        specifiers.filter((specifier) => !ALLOWED.test(specifier)).map((specifier) => `${file.slice(ROOT.length + 1)} imports ${specifier}`),
      );
      expect(foreign).toEqual([]);
    });
  }
});
