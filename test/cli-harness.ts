import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll } from 'vitest';

export const ROOT = resolve(import.meta.dirname, '..');
const BIN = join(ROOT, 'packages/cli/dist/bin.js');

export interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** A CLI call that has not ended by then is killed, and its test fails (a hang, not a slow run). */
const HANG_MS = 120_000;

/** Runs the built `gipkit` binary as a user would. */
export function gipkit(...args: string[]): CliResult {
  const result = spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, encoding: 'utf8', timeout: HANG_MS, killSignal: 'SIGKILL' });
  if (result.error !== undefined) throw new Error(`gipkit ${args.join(' ')}: ${result.error.message}`);
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** The temporary folders of this test file, removed when its tests are done. */
const folders: string[] = [];
afterAll(() => {
  for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
});

/** Writes files into a fresh temporary folder (removed after the test file); returns their paths by name. */
export function tempFiles(files: Record<string, string>): Record<string, string> {
  const folder = mkdtempSync(join(tmpdir(), 'gipkit-cli-'));
  folders.push(folder);
  return Object.fromEntries(
    Object.entries(files).map(([name, text]) => {
      const path = join(folder, name);
      writeFileSync(path, text);
      return [name, path];
    }),
  );
}
