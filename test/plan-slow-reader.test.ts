import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT, tempFiles } from './cli-harness.js';

// Issue #10 (memory): `gipkit plan --format json` into a reader slower than the planner (a pipe into another
// program) waits for stdout between pieces; before, the whole plan queued in the process's memory.

const BIN = join(ROOT, 'packages/cli/dist/bin.js');
const GEN = resolve(ROOT, '../shared/anchor-bench/gen.mjs');
const scratch = mkdtempSync(join(tmpdir(), 'gipkit-slow-reader-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('gipkit plan --format json and a slow reader', () => {
  it('holds at most a few pieces of the plan waiting for the reader, not the plan, and writes all of it', async () => {
    const made = spawnSync(process.execPath, [GEN, '--vms', '20000', '--servers', '200', '--sites', '6', '--seed', '4', '--out', scratch], { encoding: 'utf8' });
    expect(made.status, made.stderr).toBe(0);
    // Records, after every write to stdout, how much of it waits for the reader.
    const probe = tempFiles({
      'probe.mjs': [
        "import { writeFileSync } from 'node:fs';",
        'let most = 0;',
        'const write = process.stdout.write.bind(process.stdout);',
        'process.stdout.write = (...args) => { const taken = write(...args); most = Math.max(most, process.stdout.writableLength); return taken; };',
        "process.on('exit', () => writeFileSync(process.env.GIPKIT_PROBE_FILE, String(most)));",
        '',
      ].join('\n'),
      'most.txt': '',
    });
    const child = spawn(process.execPath, ['--import', probe['probe.mjs'] ?? '', BIN, 'plan', '--inventory', join(scratch, 'inventory.json'), '--job', join(scratch, 'job.json'), '--format', 'json'], {
      env: { ...process.env, GIPKIT_PROBE_FILE: probe['most.txt'] },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => void (stderr += String(chunk)));
    // The reader reads nothing for a second, then 16 KiB every few milliseconds: far slower than the planner.
    child.stdout.pause();
    await new Promise((done) => setTimeout(done, 1000));
    const chunks: Buffer[] = [];
    const exited = new Promise<number | null>((done) => child.on('close', done));
    child.stdout.on('readable', function read() {
      const chunk = child.stdout.read(16 * 1024) as Buffer | null;
      if (chunk === null) return;
      chunks.push(chunk);
      setTimeout(read, 2);
    });
    expect(await exited, stderr).toBe(0);
    const plan = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { decisions: unknown[] };
    expect(plan.decisions).toHaveLength(20_000);
    const text = Buffer.concat(chunks).length;
    const most = Number(readFileSync(probe['most.txt'] ?? '', 'utf8'));
    // One piece (512 decisions, about 90 KB) and what the stream buffers; the whole plan is some 3 MB.
    expect(text).toBeGreaterThan(2_000_000);
    expect(most).toBeLessThan(400_000);
  }, 60_000);
});
