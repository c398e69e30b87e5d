import { describe, expect, it } from 'vitest';
import { gipkit } from './cli-harness.js';

const LAB = ['--inventory', 'examples/lab/inventory.yaml', '--job', 'examples/lab/nightly.job.yaml', '--bundle', 'examples/bundles/hello-agent'];

describe('hardening 20: gipkit run that cannot deploy refuses to start', () => {
  it('hardening 20: gipkit run without --simulate on the lab exits 2 before any connection, one line per platform and method naming the VMs and what to configure', () => {
    const result = gipkit('run', ...LAB, '--events', 'ndjson');
    expect(result.code).toBe(2);
    // No job started: the only events are the plan's.
    const types = result.stdout.trim().split('\n').filter((line) => line !== '').map((line) => (JSON.parse(line) as { type: string }).type);
    expect(types).not.toContain('job.started');
    expect(types).not.toContain('deployment.started');
    const lines = result.stderr.trim().split('\n');
    expect(lines.find((line) => line.startsWith('gipkit run:'))).toBe('gipkit run: cannot start job nightly: 15 of 22 VMs cannot be reached by any configured connector by the methods planned for them [GIPKIT_RUN_NO_CONNECTOR]');
    expect(lines.filter((line) => line.startsWith('  - '))).toEqual([
      '  - hyperv/lan to windows guests: the hyperv/lan connector is configured for linux guests only, not windows (4 VMs: file-hq, sql-b, erp-b, desk-b)',
      '  - hyperv/powershell-direct to windows guests: no connector is registered for hyperv/powershell-direct (5 VMs: file-hq, app-hq-psd, sql-b, erp-b, desk-b)',
      '  - vmware/lan to windows guests: the vmware/lan connector is configured for linux guests only, not windows (7 VMs: sql-hq-01, sql-hq-02, exch-hq, dc-hq, sql-a and 2 more)',
      '  - vmware/vix to linux guests: no connector is registered for vmware/vix (2 VMs: build-hq, dmz-web)',
      '  - vmware/vix to windows guests: no connector is registered for vmware/vix (7 VMs: sql-hq-01, sql-hq-02, dc-hq, sql-a, file-a and 2 more)',
    ]);
    expect(result.stderr).toContain('The gipkit CLI reaches Linux guests over LAN by SSH only');
    expect(result.stderr).toContain('--when-no-connector fail-vms');
    expect(result.stderr).not.toMatch(/crash-consistent|every VM ended as the job accepts/);
  });

  it('hardening 20: --when-no-connector takes refuse or fail-vms only', () => {
    const result = gipkit('run', ...LAB, '--when-no-connector', 'maybe');
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("--when-no-connector must be one of refuse, fail-vms (got 'maybe')");
  });
});
