import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { GipkitEvent } from '@gipkit/plugin-api';
import { ROOT, gipkit, tempFiles } from './cli-harness.js';

const BIN = join(ROOT, 'packages/cli/dist/bin.js');
const LAB = ['--inventory', 'examples/lab/inventory.yaml', '--job', 'examples/lab/nightly.job.yaml', '--bundle', 'examples/bundles/hello-agent'];

describe('hardening 5: a standard error that goes away', () => {
  it('--events ndjson 2>(closed): the run is cancelled, not crashed, cleans up what it deployed, and the events end with cleanup.completed and job.completed', async () => {
    const files = tempFiles({ 'lab.yaml': 'latencyMs: 60\n' });
    const child = spawn(process.execPath, [BIN, 'run', '--simulate', '--lab', files['lab.yaml'] ?? '', '--per-proxy', '1', ...LAB, '--events', 'ndjson'], { cwd: ROOT });
    let stdout = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      // The reader of stderr goes away once something is deployed; the next progress line meets a closed pipe.
      if (!child.stderr.destroyed && stdout.includes('"deployment.succeeded"')) child.stderr.destroy();
    });
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    const events = stdout.trim().split('\n').map((line) => JSON.parse(line) as GipkitEvent);
    expect(events.slice(-2).map((event) => event.type)).toEqual(['cleanup.completed', 'job.completed']);
    expect(events.at(-1)).toMatchObject({ type: 'job.completed', cancelled: true, accepted: false });
    expect(events.some((event) => event.type === 'deployment.failed' && event.cause.code === 'GIPKIT_RUN_CANCELLED')).toBe(true);
    const deployed = events.filter((event) => event.type === 'deployment.succeeded').length;
    const cleanup = events.at(-2);
    expect(cleanup?.type === 'cleanup.completed' && cleanup.failures).toEqual([]);
    expect(cleanup?.type === 'cleanup.completed' && cleanup.removed >= deployed && deployed > 0).toBe(true);
    expect(code).toBe(1);
  });
});

/** Runs the CLI; a run still going after `hangAfterMs` gets SIGINT, then SIGKILL 5 s later (code null: it froze). */
async function runGuarded(args: readonly string[], hangAfterMs = 20_000): Promise<{ code: number | null; stderr: string; interrupted: boolean }> {
  const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  child.stdout.resume();
  let interrupted = false;
  const interrupt = setTimeout(() => {
    interrupted = true;
    child.kill('SIGINT');
  }, hangAfterMs);
  const kill = setTimeout(() => child.kill('SIGKILL'), hangAfterMs + 5_000);
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  clearTimeout(interrupt);
  clearTimeout(kill);
  return { code, stderr, interrupted };
}

describe('hardening 6: a secret file that would block', () => {
  it('a FIFO as the job\'s secret file: gipkit run does not freeze; it exits 2 before any work, naming the file and why', async () => {
    const fifo = join(mkdtempSync(join(tmpdir(), 'gipkit-cli-fifo-')), 'secret');
    execFileSync('mkfifo', [fifo]);
    const files = tempFiles({
      'job.yaml': `id: fifo\nvms: [sql-a, file-a, web-hq-01]\nguestProcessing: { applicationAware: true }\ncredentials: { kind: standard, account: backup, secret: { file: '${fifo}' } }\n`,
      // A refused connection makes an error message, which today's code redacts by reading the secret file again.
      'lab.yaml': 'faults:\n  - { vm: sql-a, fault: refuse }\n',
    });
    const result = await runGuarded(['run', '--simulate', '--lab', files['lab.yaml'] ?? '', '--inventory', 'examples/lab/inventory.yaml', '--job', files['job.yaml'] ?? '', '--bundle', 'examples/bundles/hello-agent']);
    expect(result.code).toBe(2);
    expect(result.interrupted).toBe(false);
    expect(result.stderr).toContain('cannot start job fifo:');
    expect(result.stderr).toContain(`the secret for account backup cannot be used: file ${fifo} is a FIFO (named pipe), not a regular file`);
  }, 40_000);

  it('a whitespace-only secret variable: exit 2 naming the variable, never its content', () => {
    const files = tempFiles({ 'job.yaml': 'id: blank\nvms: [sql-a]\nguestProcessing: { applicationAware: true }\ncredentials: { kind: standard, account: backup, secret: { env: GIPKIT_TEST_CLI_BLANK } }\n' });
    process.env.GIPKIT_TEST_CLI_BLANK = ' \t ';
    try {
      const result = gipkit('run', '--simulate', '--inventory', 'examples/lab/inventory.yaml', '--job', files['job.yaml'] ?? '', '--bundle', 'examples/bundles/hello-agent');
      expect(result.code).toBe(2);
      expect(result.stderr).toContain('the secret for account backup cannot be used: environment variable GIPKIT_TEST_CLI_BLANK holds only whitespace');
    } finally {
      delete process.env.GIPKIT_TEST_CLI_BLANK;
    }
  });
});

describe('hardening 7: timeouts a timer cannot hold', () => {
  it('--step-timeout above 2147483647 ms (or not a whole number) exits 2 naming the option and the value, before any work', () => {
    for (const value of ['2147483648', '3000000000', '1.5', '0']) {
      const result = gipkit('run', '--simulate', ...LAB, '--step-timeout', value);
      expect(result.code).toBe(2);
      expect(result.stderr).toContain(`--step-timeout must be a whole number of milliseconds from 1 to 2147483647 (got '${value}')`);
      expect(result.stdout).toBe('');
    }
  });

  it('a lab latency above 2147483647 ms is a problem of the lab file (exit 2)', () => {
    const files = tempFiles({ 'lab.yaml': 'latencyMs: 2147483648\n' });
    const result = gipkit('run', '--simulate', '--lab', files['lab.yaml'] ?? '', ...LAB);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/latencyMs: expected at most 2147483647 ms, the longest a timer holds \(found 2147483648\)/);
  });
});

describe('gipkit run at the timer limit', () => {
  it('the longest step timeout a timer holds is accepted: the demo deploys', () => {
    const result = gipkit('run', '--simulate', ...LAB, '--step-timeout', '2147483647');
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
  });
});
