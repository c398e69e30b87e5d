import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, symlinkSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { gipkit, tempFiles } from './cli-harness.js';

// Issue #7, point 16: input files are read with a size limit (default 1 GiB,
// --max-input-bytes raises or lowers it), and what is not a regular file
// (/dev/zero, a FIFO, a folder, a socket) is refused at once, in the same
// report as every other problem, exit 2.

const INVENTORY = `backupServer: vbr
hosts: [ { id: esx, platform: vmware, version: "8.0" } ]
servers:
  - { id: vbr, os: { family: windows }, addresses: [10.1.0.5] }
vms:
  - { id: a, host: esx, guest: { family: windows }, addresses: [10.1.5.1] }
`;
const JOB = `id: nightly
vms: [a]
credentials: { kind: standard, account: 'CORP\\backup' }
`;
const LIMIT_HINT = 'maxInputBytes, or --max-input-bytes, raises the limit';
const LAB = ['--inventory', 'examples/lab/inventory.yaml', '--job', 'examples/lab/nightly.job.yaml', '--bundle', 'examples/bundles/hello-agent'];

function fifoBeside(file: string, name: string): string {
  const path = join(dirname(file), name);
  execFileSync('mkfifo', [path]);
  return path;
}

describe('hardening 16: only regular files are read', () => {
  it('hardening 16: /dev/zero as the inventory is refused at once as a character device', () => {
    const files = tempFiles({ 'job.yaml': JOB });
    const result = gipkit('validate', '--inventory', '/dev/zero', '--job', files['job.yaml']!);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(
      'gipkit validate: invalid input (1 problem):\n  /dev/zero: is a character device, not a regular file: inputs are read from regular files only\n',
    );
  });

  it('hardening 16: a FIFO no one writes to is refused without waiting, in one report with the broken job', () => {
    const files = tempFiles({ 'job.yaml': 'id: nightly\nvms: a\n' });
    const fifo = fifoBeside(files['job.yaml']!, 'inventory.yaml');
    const result = gipkit('plan', '--inventory', fifo, '--job', files['job.yaml']!);
    expect(result.code).toBe(2);
    const lines = result.stderr.trimEnd().split('\n');
    expect(lines[0]).toBe('gipkit plan: invalid input (3 problems):');
    expect(lines[1]).toBe(`  ${fifo}: is a FIFO (named pipe), not a regular file: inputs are read from regular files only`);
    // gipkit's own words (issue #8), not zod's "Invalid input: expected array, received string".
    expect(lines.slice(2)).toEqual([
      `  ${files['job.yaml']}:2:6: vms: expected a list (found "a")`,
      `  ${files['job.yaml']}:1:1: credentials: missing (expected a mapping)`,
    ]);
  });

  it('hardening 16: a folder given as the job is refused as a folder', () => {
    const files = tempFiles({ 'inventory.yaml': INVENTORY });
    const folder = join(dirname(files['inventory.yaml']!), 'job.yaml');
    mkdirSync(folder);
    const result = gipkit('validate', '--inventory', files['inventory.yaml']!, '--job', folder);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(
      `gipkit validate: invalid input (1 problem):\n  ${folder}: is a folder, not a regular file: inputs are read from regular files only\n`,
    );
  });

  it('hardening 16: a symbolic link to /dev/zero is refused like /dev/zero, named by the path given', () => {
    const files = tempFiles({ 'job.yaml': JOB });
    const link = join(dirname(files['job.yaml']!), 'inventory.yaml');
    symlinkSync('/dev/zero', link);
    const result = gipkit('explain', '--inventory', link, '--job', files['job.yaml']!, '--vm', 'a');
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(
      `gipkit explain: invalid input (1 problem):\n  ${link}: is a character device, not a regular file: inputs are read from regular files only\n`,
    );
  });

  it('hardening 16: a FIFO as a rules file or as the lab file is refused without waiting', () => {
    const files = tempFiles({ 'inventory.yaml': INVENTORY, 'job.yaml': JOB });
    const rules = fifoBeside(files['job.yaml']!, 'rules.yaml');
    const planned = gipkit('plan', '--inventory', files['inventory.yaml']!, '--job', files['job.yaml']!, '--rules', rules);
    expect(planned.code).toBe(2);
    expect(planned.stderr).toBe(
      `gipkit plan: invalid rules (1 problem):\n  ${rules}: is a FIFO (named pipe), not a regular file: inputs are read from regular files only\n`,
    );
    const lab = fifoBeside(files['job.yaml']!, 'lab.yaml');
    const run = gipkit('run', '--simulate', '--lab', lab, ...LAB);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`${lab}: is a FIFO (named pipe), not a regular file: inputs are read from regular files only`);
  });
});

describe('hardening 16: input files are read up to a limit', () => {
  it('hardening 16: an inventory over --max-input-bytes is refused with its size and the limit, and loads with a larger limit', () => {
    const files = tempFiles({ 'inventory.yaml': INVENTORY, 'job.yaml': JOB });
    const size = Buffer.byteLength(INVENTORY);
    const small = gipkit('validate', '--inventory', files['inventory.yaml']!, '--job', files['job.yaml']!, '--max-input-bytes', String(size - 1));
    expect(small.code).toBe(2);
    expect(small.stderr).toBe(
      `gipkit validate: invalid input (1 problem):\n  ${files['inventory.yaml']}: is too large: ${size} bytes (at most ${size - 1}; ${LIMIT_HINT})\n`,
    );
    const exact = gipkit('validate', '--inventory', files['inventory.yaml']!, '--job', files['job.yaml']!, '--max-input-bytes', String(size));
    expect(exact).toMatchObject({ code: 0, stdout: 'valid: 1 servers, 1 VMs, job nightly with 1 VMs, 15 rules\n' });
    const byDefault = gipkit('validate', '--inventory', files['inventory.yaml']!, '--job', files['job.yaml']!);
    expect(byDefault.code).toBe(0);
  });

  it('hardening 16: the limit holds for rules files and the lab file too', () => {
    const inventory = readFileSync('examples/lab/inventory.yaml', 'utf8');
    const limit = Buffer.byteLength(inventory) + 100;
    const padding = `# ${'x'.repeat(limit)}\n`;
    const files = tempFiles({
      'rules.yaml': `${readFileSync('examples/lab/org-rules.yaml', 'utf8')}${padding}`,
      'lab.yaml': `${readFileSync('examples/lab/simulated-lab.yaml', 'utf8')}${padding}`,
    });
    const rules = gipkit('plan', ...LAB.slice(0, 4), '--rules', files['rules.yaml']!, '--max-input-bytes', String(limit));
    expect(rules.code).toBe(2);
    expect(rules.stderr).toMatch(new RegExp(`^gipkit plan: invalid rules \\(1 problem\\):\\n  ${files['rules.yaml']}: is too large: \\d+ bytes \\(at most ${limit}; `));
    const lab = gipkit('run', '--simulate', '--lab', files['lab.yaml']!, ...LAB, '--max-input-bytes', String(limit));
    expect(lab.code).toBe(2);
    expect(lab.stderr).toMatch(new RegExp(`  ${files['lab.yaml']}: is too large: \\d+ bytes \\(at most ${limit}; `));
    const ran = gipkit('run', '--simulate', '--lab', files['lab.yaml']!, ...LAB, '--max-input-bytes', String(limit * 2));
    expect(ran.stderr).toBe('');
    expect(ran.code).toBe(0);
    expect(ran.stdout).toContain('result: every VM ended as the job accepts');
  });

  for (const command of ['validate', 'plan', 'explain', 'run']) {
    it(`hardening 16: gipkit ${command} refuses --max-input-bytes values that are not a whole number of bytes (exit 2)`, () => {
      for (const value of ['0', '-1', '1.5', 'abc', '1e3', '', '9007199254740993']) {
        const args = command === 'run' ? [...LAB, '--simulate'] : command === 'explain' ? [...LAB.slice(0, 4), '--vm', 'a'] : LAB.slice(0, 4);
        const result = gipkit(command, ...args, `--max-input-bytes=${value}`);
        expect(result.code, value).toBe(2);
        expect(result.stderr, value).toContain(`--max-input-bytes must be a whole number of bytes from 1 to 9007199254740991 (got '${value}')`);
        expect(result.stdout, value).toBe('');
      }
    });
  }
});
