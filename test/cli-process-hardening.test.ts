import { spawn } from 'node:child_process';
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

describe('hardening 7: timeouts a timer cannot hold', () => {
  it('--step-timeout above 2147483647 ms (or not a whole number) exits 2 naming the option and the value, before any work', () => {
    for (const value of ['2147483648', '3000000000', '1.5', '0']) {
      const result = gipkit('run', '--simulate', ...LAB, '--step-timeout', value);
      expect(result.code).toBe(2);
      expect(result.stderr).toContain(`--step-timeout must be a whole number of milliseconds from 1 to 2147483647 (got '${value}')`);
      expect(result.stdout).toBe('');
    }
  });

  it('the longest step timeout a timer holds is accepted: the demo deploys', () => {
    const result = gipkit('run', '--simulate', ...LAB, '--step-timeout', '2147483647');
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
  });

  it('a lab latency above 2147483647 ms is a problem of the lab file (exit 2)', () => {
    const files = tempFiles({ 'lab.yaml': 'latencyMs: 2147483648\n' });
    const result = gipkit('run', '--simulate', '--lab', files['lab.yaml'] ?? '', ...LAB);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/latencyMs: expected at most 2147483647 ms, the longest a timer holds \(found 2147483648\)/);
  });
});
