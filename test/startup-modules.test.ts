import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, tempFiles } from './cli-harness.js';

// Issue #10: a command loads what it needs when it needs it. Every module a CLI call loads (ES modules through a
// load hook, CommonJS ones through the loader's compile step) is recorded, and the packages behind them are checked.

const BIN = join(ROOT, 'packages/cli/dist/bin.js');

/** The packages (`zod`, `@gipkit/core`, …) whose modules a `gipkit` call loaded. */
function packagesLoaded(args: readonly string[], expectedCode = 0): Set<string> {
  return modulesLoaded(args, expectedCode).packages;
}

/** The files a `gipkit` call loaded, and the packages behind them. */
function modulesLoaded(args: readonly string[], expectedCode = 0): { readonly packages: Set<string>; readonly files: string[] } {
  const files = tempFiles({
    'hooks.mjs': "import { appendFileSync } from 'node:fs';\nexport async function load(url, context, next) { appendFileSync(process.env.GIPKIT_LOADED, url + '\\n'); return next(url, context); }\n",
    'register.mjs': "import { register } from 'node:module';\nregister(new URL('./hooks.mjs', import.meta.url));\n",
    'cjs.cjs': "const Module = require('node:module'); const fs = require('node:fs'); const compile = Module.prototype._compile;\nModule.prototype._compile = function (content, filename) { fs.appendFileSync(process.env.GIPKIT_LOADED, 'file://' + filename + '\\n'); return compile.call(this, content, filename); };\n",
    'loaded.txt': '',
  });
  const result = spawnSync(process.execPath, ['-r', files['cjs.cjs'] ?? '', '--import', files['register.mjs'] ?? '', BIN, ...args], {
    cwd: ROOT, encoding: 'utf8', env: { ...process.env, GIPKIT_LOADED: files['loaded.txt'] },
  });
  expect(result.status, result.stderr).toBe(expectedCode);
  const packages = new Set<string>();
  const loaded = readFileSync(files['loaded.txt'] ?? '', 'utf8').split('\n').filter(Boolean);
  for (const url of loaded) {
    const dependency = /node_modules\/(?:\.pnpm\/[^/]+\/node_modules\/)?((?:@[^/]+\/)?[^/]+)\//.exec(url);
    const workspace = /\/packages\/([^/]+)\/(?:dist|bin)\//.exec(url);
    if (dependency?.[1] !== undefined) packages.add(dependency[1]);
    else if (workspace?.[1] !== undefined) packages.add(`@gipkit/${workspace[1]}`);
  }
  return { packages, files: loaded };
}

describe('what a command loads', () => {
  it('gipkit --help loads the command line only: not core, zod, rxjs, yaml or the deployment stack', () => {
    const loaded = packagesLoaded(['--help']);
    expect(loaded.has('@gipkit/cli')).toBe(true);
    for (const heavy of ['@gipkit/core', 'zod', 'rxjs', 'yaml', 'tsyringe', 'ssh2', '@gipkit/transport-ssh']) expect(loaded, heavy).not.toContain(heavy);
  });

  it('gipkit validate and plan of valid JSON files load neither zod (the slow path of validation) nor rxjs (no subscriber) nor yaml', () => {
    const inventory = join(ROOT, 'test/fixtures/startup/inventory.json');
    const job = join(ROOT, 'test/fixtures/startup/job.json');
    for (const command of ['validate', 'plan']) {
      const loaded = packagesLoaded([command, '--inventory', inventory, '--job', job]);
      expect(loaded, command).toContain('@gipkit/core');
      for (const lazy of ['zod', 'rxjs', 'yaml', 'pino', 'ssh2']) expect(loaded, `${command}: ${lazy}`).not.toContain(lazy);
    }
  });

  it('each package loads as one module (its build bundles its files), and the CLI inlines commander, core tsyringe', () => {
    const inventory = join(ROOT, 'test/fixtures/startup/inventory.json');
    const job = join(ROOT, 'test/fixtures/startup/job.json');
    const { packages, files } = modulesLoaded(['validate', '--inventory', inventory, '--job', job]);
    const ours = files.filter((url) => url.includes('/packages/'));
    // bin/gipkit.js, then one module per package and the CLI's chunks: some 110 files before the bundles.
    expect(ours.length, ours.join('\n')).toBeLessThanOrEqual(8);
    expect(ours.filter((url) => url.includes('/dist/lib/')), 'tsc output is the bundles\' input, never loaded').toEqual([]);
    for (const inlined of ['commander', 'tsyringe', 'reflect-metadata']) expect(packages, inlined).not.toContain(inlined);
  });

  it('an invalid file takes the slow path: zod is loaded, and every problem is reported with its place', () => {
    const files = tempFiles({ 'inventory.json': '{"backupServer": "vbr", "servers": [], "hosts": [], "vms": [], "extra": 1}', 'job.json': '{"id": "j", "vms": [], "credentials": {"kind": "standard", "account": "root"}}' });
    expect(packagesLoaded(['validate', '--inventory', files['inventory.json'] ?? '', '--job', files['job.json'] ?? ''], 2)).toContain('zod');
    const result = spawnSync(process.execPath, [BIN, 'validate', '--inventory', files['inventory.json'] ?? '', '--job', files['job.json'] ?? ''], { cwd: ROOT, encoding: 'utf8' });
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('extra');
    expect(result.stderr).toContain('servers');
  });
});
