import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ErrorCode, InputError, RuleError, formatDiagnostic } from '@gipkit/plugin-api';
import { createGipkit, DEFAULT_MAX_INPUT_BYTES } from '../index.js';
import { loadRuleChanges } from '../rules/load-rule-changes.js';
import { maxInputBytesOf, readInputFile } from './read-input-file.js';

// Hardening 16: an input file is read only if it is a regular file, and only up
// to a limit; everything else is one sentence naming what the file is.

const folder = mkdtempSync(join(tmpdir(), 'gipkit-read-input-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const path = join(folder, name);
  writeFileSync(path, text);
  return path;
}

describe('readInputFile', () => {
  it('reads a regular file as UTF-8 text, whole', () => {
    const text = `servers: [ "ünïcode" ]\n${'x'.repeat(3 * 1024 * 1024)}\n`;
    expect(readInputFile(file('big.yaml', text))).toEqual({ text, sha256: createHash('sha256').update(text).digest('hex'), bytes: Buffer.byteLength(text) });
  });

  it('reads ASCII and UTF-8 text alike: an all-ASCII file and one with a single é further on give their text', () => {
    const ascii = `servers: [ "plain" ]\n${'x'.repeat(100_000)}\n`;
    expect(readInputFile(file('ascii.yaml', ascii))).toMatchObject({ text: ascii, bytes: ascii.length });
    const accented = `${ascii}# café\n`;
    expect(readInputFile(file('accented.yaml', accented))).toMatchObject({ text: accented, bytes: Buffer.byteLength(accented) });
  });

  it('reads a file of exactly the limit and refuses one byte more, naming both sizes', () => {
    const path = file('exact.yaml', 'abcd');
    expect(readInputFile(path, { maxInputBytes: 4 })).toEqual({ text: 'abcd', sha256: '88d4266fd4e6338d13b845fcf289579d209c897823b9217da3e161936f031589', bytes: 4 });
    expect(readInputFile(path, { maxInputBytes: 3 })).toEqual({
      problem: 'is too large: 4 bytes (at most 3; maxInputBytes, or --max-input-bytes, raises the limit)',
    });
  });

  it('hardening 16: a file whose size the system does not know is read only up to the limit', () => {
    // procfs reports size 0 and then gives more: the read stops at limit + 1.
    expect(readInputFile('/proc/self/status', { maxInputBytes: 64 })).toEqual({
      problem: 'is too large: more than 64 bytes (at most 64; maxInputBytes, or --max-input-bytes, raises the limit)',
    });
    const status = readInputFile('/proc/self/status');
    expect('text' in status && status.text).toMatch(/^Name:/);
  });

  it('hardening 16: a file under the limit but more text than one string holds is refused with a way out', () => {
    // A sparse file: no disk is used, the read gives zeros.
    const path = join(folder, 'sparse.json');
    writeFileSync(path, '');
    truncateSync(path, 540 * 1024 * 1024);
    expect(readInputFile(path)).toEqual({
      problem: expect.stringMatching(/^is too large: 566231040 bytes is more text than Node\.js holds in one string \(about \d+ MiB\); split the file$/),
    });
  });

  it('names the kind of what is not a regular file, and the error code of what cannot be read', () => {
    expect(readInputFile(folder)).toEqual({ problem: 'is a folder, not a regular file: inputs are read from regular files only' });
    expect(readInputFile('/dev/null')).toEqual({ problem: 'is a character device, not a regular file: inputs are read from regular files only' });
    expect(readInputFile(join(folder, 'missing.yaml'))).toEqual({ problem: 'cannot read the file (ENOENT)' });
  });

  it('throws a RangeError for a limit that is not a whole number of bytes', () => {
    expect(maxInputBytesOf()).toBe(DEFAULT_MAX_INPUT_BYTES);
    expect(DEFAULT_MAX_INPUT_BYTES).toBe(1024 ** 3);
    for (const bad of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53]) {
      expect(() => maxInputBytesOf({ maxInputBytes: bad })).toThrow(
        new RangeError(`maxInputBytes must be a whole number of bytes of at least 1 (found ${String(bad)})`),
      );
    }
  });
});

describe('the limit in the SDK', () => {
  const inventory = file(
    'inventory.yaml',
    'backupServer: vbr\nhosts: [ { id: esx, platform: vmware, version: "8.0" } ]\nservers: [ { id: vbr, os: { family: windows } } ]\nvms: [ { id: a, host: esx, guest: { family: linux } } ]\n',
  );
  const job = file('job.yaml', 'id: j\nvms: [ a ]\ncredentials: { kind: standard, account: x }\n');

  it('hardening 16: createGipkit refuses a bad maxInputBytes before anything is read', () => {
    for (const bad of [0, 1.5, Number.NaN]) {
      expect(() => createGipkit({ maxInputBytes: bad })).toThrow(RangeError);
    }
  });

  it('hardening 16: loadInput with a small limit lists each file over it, in one InputError', () => {
    let caught: unknown;
    try {
      createGipkit({ maxInputBytes: 40 }).loadInput({ inventory, job });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(InputError);
    expect((caught as InputError).code).toBe(ErrorCode.InputInvalid);
    expect((caught as InputError).diagnostics.map(formatDiagnostic)).toEqual([
      expect.stringMatching(new RegExp(`^${inventory}: is too large: \\d+ bytes \\(at most 40; `)),
      expect.stringMatching(new RegExp(`^${job}: is too large: \\d+ bytes \\(at most 40; `)),
    ]);
    expect(createGipkit({ maxInputBytes: 4096 }).loadInput({ inventory, job }).job.id).toBe('j');
  });

  it('hardening 16: a rules file over the limit is a RuleError naming the file', () => {
    const rules = file('rules.yaml', `disable: [ tier-required ]\n# ${'x'.repeat(100)}\n`);
    expect(() => loadRuleChanges(rules, { maxInputBytes: 50 })).toThrow(RuleError);
    expect(() => createGipkit({ maxInputBytes: 50, ruleFiles: [rules] })).toThrow(/is too large/);
    expect(loadRuleChanges(rules, { maxInputBytes: 500 }).changes.disable).toEqual(['tier-required']);
  });
});
