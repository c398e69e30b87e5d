import { describe, expect, it } from 'vitest';
import type { RunResult } from '@gipkit/core';
import { formatRunSummary } from './run-summary.js';

const decision = (vm: string, proxy: string | null) => ({ vm, status: proxy === null ? 'unassigned' : 'assigned', proxy, tier: null, connection: null, load: null });

function result(overrides: Partial<RunResult>): RunResult {
  return {
    runId: 'r', job: 'nightly', durationMs: 1200, cancelled: false, accepted: true,
    plan: { job: 'nightly', decisions: [decision('a', 'p1'), decision('b', 'p1'), decision('c', null)], summary: {} } as unknown as RunResult['plan'],
    vms: [
      { vm: 'a', status: 'succeeded', server: 'vbr', method: 'lan', failedOver: true },
      { vm: 'b', status: 'failed', server: 'vbr', method: null, failedOver: false, cause: { code: 'X', message: 'm' } },
      { vm: 'c', status: 'crash-consistent', server: null, method: null, failedOver: false },
    ],
    counts: { succeeded: 1, failedOver: 1, failed: 1, crashConsistent: 1, skipped: 0 },
    perServer: {},
    cleanup: { removed: 1, kept: 0, stale: 0, failures: [] },
    ...overrides,
  } as RunResult;
}

describe('run summary (issue #8)', () => {
  it('every server that had VMs planned has a row, a proxy that failed for all of them included; the columns add up to the footer', () => {
    const text = formatRunSummary(result({}), { servers: ['vbr', 'p1'] });
    expect(text).toMatch(/^vbr +0 +1 +0 +0 +1$/m);
    expect(text).toMatch(/^p1 +2 +0 +1 +0 +0$/m);
    expect(text).toMatch(/^\(no proxy\) +1 +0 +0 +1 +0$/m);
    expect(text).toContain('1 done, 1 crash-consistent, 1 failed, 0 skipped (no guest processing); 1 failed over to the backup server (1 of them done)');
    expect(text.match(/^cleanup: /gm)).toHaveLength(1);
  });

  it('the result line says what made the run not accepted', () => {
    const failures = [{ vm: 'a', server: 'vbr', location: '/x', cause: { code: 'GIPKIT_DEPLOY_FAILED', message: 'busy' } }];
    const text = formatRunSummary(result({ accepted: false, cancelled: true, cleanup: { removed: 0, kept: 0, stale: 0, failures } }), { servers: [] });
    expect(text.split('\n').at(-1)).toBe('result: not accepted: 1 VM failed, cleanup could not remove 1 deployment, the run was cancelled');
    expect(formatRunSummary(result({}), { servers: [], colour: true }).split('\n').at(-1)).toBe('\u001b[32mresult: every VM ended as the job accepts\u001b[39m');
  });
});
