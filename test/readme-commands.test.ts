// The commands the README shows after the quick start run as written, and their machine-readable
// output is nothing but JSON (one document, or one per line for NDJSON).
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from './cli-harness.js';
import { fencedBlocks, markdownSection, shellCommands } from './markdown-blocks.js';

const quickStart = markdownSection(readFileSync(join(ROOT, 'README.md'), 'utf8'), 'Quick start');
const commands = fencedBlocks(quickStart.slice(quickStart.indexOf('Then, from the repository root')), 'sh').flatMap(shellCommands);

function runAsWritten(command: string) {
  return spawnSync('bash', ['-c', command], { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
}

describe('getting started: the README commands after the quick start', () => {
  it('need no bare pnpm: a fresh machine has only node and npx', () => {
    expect(commands.length).toBeGreaterThan(0);
    expect(commands.filter((command) => /^pnpm\b/.test(command))).toEqual([]);
  });

  it.each(commands.filter((command) => command.includes('--format json')))('%s prints clean JSON', (command) => {
    const result = runAsWritten(command);
    expect(result.status, result.stderr).toBe(0);
    expect(() => JSON.parse(result.stdout) as unknown).not.toThrow();
  });

  it.each(commands.filter((command) => command.includes('--events ndjson')))('%s prints one JSON event per line', (command) => {
    const result = runAsWritten(command);
    expect(result.status, result.stderr).toBe(0);
    const lines = result.stdout.split('\n').filter((line) => line !== '');
    expect(lines.length).toBeGreaterThan(10);
    for (const line of lines) expect((JSON.parse(line) as { type?: unknown }).type, line).toEqual(expect.any(String));
  });

  it.each(commands.filter((command) => !command.includes('--format json') && !command.includes('--events ndjson')))('%s succeeds', (command) => {
    const result = runAsWritten(command);
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).not.toBe('');
  });
});
