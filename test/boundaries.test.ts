import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT } from './cli-harness.js';
// @ts-expect-error: a plain .mjs script without types
import { checkBoundaries } from '../scripts/check-boundaries.mjs';

type Check = (root?: string) => { problems: string[]; packageGraph: Map<string, Set<string>> };
const check = checkBoundaries as Check;

const scratch = mkdtempSync(join(tmpdir(), 'gipkit-boundaries-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** A workspace of small packages written from file → text. */
function workspace(files: Record<string, unknown>): string {
  const root = mkdtempSync(join(scratch, 'ws-'));
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), typeof content === 'string' ? content : JSON.stringify(content));
  }
  return root;
}

const manifest = (name: string, dependencies: Record<string, string> = {}, devDependencies: Record<string, string> = {}, exports: Record<string, string> = { '.': './dist/index.js' }) =>
  ({ name, dependencies, devDependencies, exports });
const tsconfig = { exclude: ['src/**/*.test.ts'] };

describe('package boundaries', () => {
  it('hold in this repository: plugins and kits never import core, the CLI uses public entries, no cycles', () => {
    const result = spawnSync(process.execPath, [join(ROOT, 'scripts/check-boundaries.mjs')], { encoding: 'utf8' });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    const graph = check().packageGraph;
    const composers = new Set(['@gipkit/core', '@gipkit/cli', '@gipkit/simulated-lab']);
    for (const [name, dependencies] of graph) {
      if (!composers.has(name)) expect([...dependencies], name).not.toContain('@gipkit/core');
    }
    expect([...(graph.get('@gipkit/cli') ?? [])]).not.toContain('@gipkit/testkit');
    expect([...(graph.get('@gipkit/plugin-api') ?? [])]).toEqual([]);
  });

  it('a plugin that imports core, a deep import, an undeclared dependency and a relative import out of the package are each named with file and line', () => {
    const root = workspace({
      'package.json': { devDependencies: { vitest: '1' } },
      'packages/core/package.json': manifest('@gipkit/core'),
      'packages/core/src/index.ts': 'export const core = 1;\n',
      'packages/plugin/package.json': manifest('@acme/plugin', { '@gipkit/core': '*' }),
      'packages/plugin/tsconfig.json': tsconfig,
      'packages/plugin/src/index.ts': [
        "import { core } from '@gipkit/core';",
        "import { deep } from '@gipkit/core/src/engine/gipkit.js';",
        "import { Engine } from 'json-rules-engine';",
        "import { other } from '../../core/src/index.js';",
        "// import { commented } from 'not-a-dependency';",
        'export { core, deep, Engine, other };',
        '',
      ].join('\n'),
      'packages/plugin/src/index.test.ts': "import { it } from 'vitest';\nimport { core } from '@gipkit/core';\nit('x', () => core);\n",
    });
    expect(check(root).problems).toEqual([
      'packages/plugin/src/index.ts:1: @acme/plugin imports @gipkit/core: plugins and kits depend on @gipkit/plugin-api only (STYLE.md)',
      "packages/plugin/src/index.ts:2: '@gipkit/core/src/engine/gipkit.js' is not an entry of @gipkit/core (its exports: .): import its public entry",
      'packages/plugin/src/index.ts:2: @acme/plugin imports @gipkit/core: plugins and kits depend on @gipkit/plugin-api only (STYLE.md)',
      "packages/plugin/src/index.ts:3: 'json-rules-engine' is for @gipkit/core only (STYLE.md): use the contracts of @gipkit/plugin-api",
      "packages/plugin/src/index.ts:3: 'json-rules-engine' is not a dependency of @acme/plugin",
      "packages/plugin/src/index.ts:4: '../../core/src/index.js' leaves @acme/plugin: import the other package by its name",
    ]);
  });

  it('shipped code that imports a devDependency is refused; a test may', () => {
    const root = workspace({
      'package.json': {},
      'packages/cli/package.json': manifest('@gipkit/cli', {}, { '@gipkit/testkit': '*' }),
      'packages/cli/tsconfig.json': tsconfig,
      'packages/cli/src/run.ts': "import { SimulatedLab } from '@gipkit/testkit';\nexport { SimulatedLab };\n",
      'packages/cli/src/run.test.ts': "import { SimulatedLab } from '@gipkit/testkit';\nexport { SimulatedLab };\n",
      'packages/testkit/package.json': manifest('@gipkit/testkit'),
    });
    expect(check(root).problems).toEqual([
      "packages/cli/src/run.ts:1: '@gipkit/testkit' is a devDependency of @gipkit/cli but shipped code imports it: make it a dependency, or keep it to tests",
    ]);
  });

  it('shipped code may import a devDependency the build inlines (gipkit.bundle.inline), never one that is also a dependency', () => {
    const inlining = (dependencies: Record<string, string>) => ({ ...manifest('@gipkit/cli', dependencies, { commander: '14' }), gipkit: { bundle: { inline: ['commander'] } } });
    const files = (dependencies: Record<string, string>) => ({
      'package.json': {},
      'packages/cli/package.json': inlining(dependencies),
      'packages/cli/tsconfig.json': tsconfig,
      'packages/cli/src/main.ts': "import { Command } from 'commander';\nexport { Command };\n",
    });
    expect(check(workspace(files({}))).problems).toEqual([]);
    expect(check(workspace(files({ commander: '14' }))).problems).toEqual([
      "packages/cli/src/main.ts:1: 'commander' is inlined by the build of @gipkit/cli (gipkit.bundle.inline): list it in devDependencies only",
    ]);
  });

  it('a cycle between packages and a cycle between the modules of a package are refused, naming the loop', () => {
    const root = workspace({
      'package.json': {},
      'packages/a/package.json': manifest('@acme/a', { '@acme/b': '*' }),
      'packages/a/src/index.ts': "export { b } from '@acme/b';\nexport const a = 1;\n",
      'packages/b/package.json': manifest('@acme/b', { '@acme/a': '*' }),
      'packages/b/src/index.ts': "import { a } from '@acme/a';\nexport { one } from './one.js';\nexport const b = a;\n",
      'packages/b/src/one.ts': "import { two } from './two.js';\nexport const one = two;\n",
      'packages/b/src/two.ts': "import { one } from './one.js';\nexport const two = () => one;\n",
      // A type-only import is erased when compiled: no cycle through it.
      'packages/b/src/three.ts': "import type { four } from './four.js';\nexport const three = 3 as unknown as typeof four;\n",
      'packages/b/src/four.ts': "import { three } from './three.js';\nexport const four = three;\n",
    });
    expect(check(root).problems).toEqual([
      '@acme/b: modules import each other in a cycle: src/one.ts → src/two.ts → src/one.ts',
      'packages import each other in a cycle: @acme/a → @acme/b → @acme/a',
    ]);
  });
});
