import { describe, expect, it } from 'vitest';
import type { Decision, Plan } from '@gipkit/plugin-api';
import { gipkit } from './cli-harness.js';

const LAB = 'examples/lab';

function plan(job: string, ...extra: string[]): Plan {
  const result = gipkit('plan', '--inventory', `${LAB}/inventory.yaml`, '--job', `${LAB}/${job}`, '--format', 'json', ...extra);
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
  return JSON.parse(result.stdout) as Plan;
}

const byVm = (p: Plan): Record<string, Decision> => Object.fromEntries(p.decisions.map((decision) => [decision.vm, decision]));

describe('examples/lab', () => {
  it('the demo command prints the nightly plan as a table', () => {
    const result = gipkit('plan', '--inventory', `${LAB}/inventory.yaml`, '--job', `${LAB}/nightly.job.yaml`);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('job nightly');
    expect(result.stdout).toContain('22 VMs, 20 assigned, 0 fallback, 0 backup-server, 0 not-required, 2 unassigned');
  });

  it('nightly: tiers, gMSA, networkless methods and unreachable VMs', () => {
    const decisions = byVm(plan('nightly.job.yaml'));
    expect(decisions['exch-hq']).toMatchObject({ status: 'assigned', proxy: 'win-proxy-hq', tier: 1, connection: 'lan' });
    expect(decisions['web-hq-01']).toMatchObject({ proxy: 'lin-proxy-hq', tier: 1, connection: 'lan' });
    expect(decisions['build-hq']).toMatchObject({ tier: 3, connection: 'vix' });
    expect(decisions['app-hq-psd']).toMatchObject({ tier: 3, connection: 'powershell-direct' });
    expect(decisions['dmz-web']).toMatchObject({ tier: 3, connection: 'vix' });
    expect(decisions['legacy-hq']).toMatchObject({ status: 'unassigned', proxy: null });
    expect(decisions['dmz-proxy']).toMatchObject({ status: 'unassigned', proxy: null });
    for (const decision of Object.values(decisions)) {
      expect(['repo-hardened', 'rhel-repo', 'old-proxy']).not.toContain(decision.proxy);
    }
  });

  it('sql-logs: gMSA credentials keep Linux servers and the other domain out', () => {
    for (const decision of plan('sql-logs.job.yaml').decisions) {
      expect(decision.status).toBe('assigned');
      expect(['lin-proxy-hq', 'lin-proxy-a', 'win-lab']).not.toContain(decision.proxy);
      expect(decision.connection).toBe('lan');
    }
  });

  it('branch-preferred: listed servers only, and the backup server as fallback', () => {
    const decisions = byVm(plan('branch-preferred.job.yaml'));
    for (const vm of ['sql-a', 'file-a', 'web-a', 'kiosk-a']) expect(['win-proxy-a', 'lin-proxy-a']).toContain(decisions[vm]?.proxy);
    expect(decisions['app-hq-psd']).toMatchObject({ status: 'fallback', proxy: 'vbr', connection: 'powershell-direct' });
  });

  it('org-rules: WAN accelerators are never used', () => {
    const before = plan('nightly.job.yaml');
    const after = plan('nightly.job.yaml', '--rules', `${LAB}/org-rules.yaml`);
    expect(before.decisions.some((decision) => decision.proxy === 'wan-b')).toBe(true);
    expect(after.decisions.some((decision) => decision.proxy === 'wan-b')).toBe(false);
  });
});
