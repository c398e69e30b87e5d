// Getting started: on a clean checkout, the quick start's install prints no warning, and turbo
// prints no telemetry notice on a machine that has never run it.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from './cli-harness.js';

const work = mkdtempSync(join(tmpdir(), 'gipkit-install-'));
const checkout = join(work, 'checkout');
let install = { status: null as number | null, output: '' };

beforeAll(() => {
  // The working tree as git would check it out (tracked and new files, nothing ignored).
  const listed = spawnSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: ROOT, encoding: 'utf8' });
  expect(listed.status, listed.stderr).toBe(0);
  for (const file of listed.stdout.split('\0').filter(Boolean)) {
    mkdirSync(dirname(join(checkout, file)), { recursive: true });
    try {
      copyFileSync(join(ROOT, file), join(checkout, file));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error; // deleted, not yet committed
    }
  }
  // --offline: the packages come from the store the quick start filled; the test needs no network.
  // As a user's shell runs it: without the npm_config_* settings that `pnpm test` passes to its children.
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^(npm_|pnpm_)/i.test(name)));
  const result = spawnSync('npx', ['-y', 'pnpm@10.34.9', 'install', '--frozen-lockfile', '--offline'], { cwd: checkout, env, encoding: 'utf8' });
  install = { status: result.status, output: `${result.stdout}${result.stderr}` };
}, 300_000);

afterAll(() => rmSync(work, { recursive: true, force: true }), 120_000);

describe('getting started: install', () => {
  it('install --frozen-lockfile on a clean checkout prints no warning', () => {
    expect(install.status, install.output).toBe(0);
    const warnings = install.output
      .split('\n')
      .filter((line) => /warn|Ignored build scripts|Failed to create bin|approve-builds/i.test(line))
      .filter((line) => !line.includes('Unknown user config "nodedir"')); // this machine's npmrc, not gipkit
    expect(warnings).toEqual([]);
    expect(install.output).not.toContain('WARN');
  });

  it('turbo prints no telemetry notice on a machine that never ran it', () => {
    const home = join(work, 'fresh-home');
    mkdirSync(home);
    const env: NodeJS.ProcessEnv = { ...process.env, HOME: home, XDG_CONFIG_HOME: join(home, '.config') };
    delete env['TURBO_TELEMETRY_DISABLED'];
    delete env['DO_NOT_TRACK'];
    const result = spawnSync(process.execPath, ['scripts/turbo.mjs', 'run', 'build', '--dry=json'], { cwd: checkout, env, encoding: 'utf8' });
    expect(result.status, result.stderr).toBe(0);
    expect(`${result.stdout}${result.stderr}`).not.toMatch(/telemetry/i);
  });

  it('every root script that runs turbo runs it without telemetry', () => {
    const scripts = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
    const bare = Object.entries(scripts).filter(([, command]) => /(^|&&\s*)turbo\b/.test(command));
    expect(bare).toEqual([]);
  });
});
