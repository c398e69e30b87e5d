import { describe, expect, it } from 'vitest';
import { decisionOf, explanationOf, failedRules, linuxServer, linuxVm, planOf, windowsServer, windowsVm } from './rules.fixture.js';

// One describe per default rule (named exactly after it) and per step of the selection procedure.

describe('guest-processing-required', () => {
  it('a job without application-aware processing, indexing or log processing needs no proxy', () => {
    const plan = planOf({ servers: [], vms: [windowsVm('a', '10.1.5.1')], job: { guestProcessing: { applicationAware: false } } });
    expect(plan.decisions[0]).toEqual({ vm: 'a', status: 'not-required', proxy: null, tier: null, connection: null, load: null });
    expect(plan.summary.notRequired).toBe(1);
  });
  it('indexing alone or transaction logs alone need one', () => {
    for (const guestProcessing of [{ indexing: true }, { transactionLogs: true }]) {
      expect(decisionOf({ servers: [], vms: [windowsVm('a', '10.1.5.1')], job: { guestProcessing } }).status).toBe('assigned');
    }
  });
});

describe('socket-standard-backup-server', () => {
  it('under a socket Standard license the backup server serves every VM', () => {
    const plan = planOf({
      servers: [windowsServer('win-hq', '10.1.0.20')],
      vms: [windowsVm('a', '10.1.5.1'), linuxVm('b', '10.2.5.1')],
      inventory: { license: { kind: 'socket', edition: 'standard' } },
    });
    expect(plan.decisions.map((d) => [d.status, d.proxy, d.load])).toEqual([
      ['backup-server', 'vbr', 0],
      ['backup-server', 'vbr', 1],
    ]);
    expect(plan.decisions[0]).toMatchObject({ tier: 2, connection: 'lan' });
  });
  it('Enterprise and Enterprise Plus editions select proxies', () => {
    for (const edition of ['enterprise', 'enterprise-plus']) {
      const decision = decisionOf({ servers: [windowsServer('win-hq', '10.1.0.20')], vms: [windowsVm('a', '10.1.5.1')], inventory: { license: { kind: 'socket', edition } } });
      expect(decision).toMatchObject({ status: 'assigned', proxy: 'win-hq' });
    }
  });
});

describe('managed-server-required', () => {
  it('an unmanaged server is never chosen', () => {
    const scenario = { servers: [windowsServer('old', '10.1.0.20', { managed: false })], vms: [windowsVm('a', '10.1.5.1')] };
    expect(decisionOf(scenario).proxy).toBe('vbr');
    expect(explanationOf(scenario, 'a').candidates[1]?.failed).toEqual([{ rule: 'managed-server-required', message: 'old is not a managed server' }]);
  });
});

describe('hardened-repository-excluded', () => {
  it('a hardened repository is never chosen', () => {
    const scenario = { servers: [linuxServer('repo', '10.1.0.30', { hardened: true })], vms: [linuxVm('a', '10.1.5.1')] };
    expect(decisionOf(scenario).proxy).toBe('vbr');
    expect(failedRules(scenario, 'a', 'repo')).toEqual(['hardened-repository-excluded']);
  });
});

describe('rhel-samba-packages-required', () => {
  const rhel = (version: string, extra: Record<string, unknown> = {}) => ({
    servers: [linuxServer('rhel', '10.1.0.30', { os: { family: 'linux', distro: 'rhel', version }, ...extra })],
    vms: [linuxVm('a', '10.1.5.1')],
  });
  it('RHEL 9 without libmsi1, samba-client and samba-common-tools is excluded, naming what is installed', () => {
    const scenario = rhel('9.4', { packages: ['libmsi1'] });
    expect(decisionOf(scenario).proxy).toBe('vbr');
    expect(explanationOf(scenario, 'a').candidates[1]?.failed).toEqual([
      { rule: 'rhel-samba-packages-required', message: 'rhel runs rhel 9.4 without all of libmsi1, samba-client, samba-common-tools (installed: libmsi1)' },
    ]);
  });
  it('with all three packages it is eligible', () => {
    expect(decisionOf(rhel('9.4', { packages: ['samba-common-tools', 'libmsi1', 'samba-client'] })).proxy).toBe('rhel');
  });
  it('RHEL 8 needs no packages', () => {
    expect(decisionOf(rhel('8.9')).proxy).toBe('rhel');
  });
  it('Rocky 9 is covered too, and the vendor appliance is exempt', () => {
    const rocky = { servers: [linuxServer('rocky', '10.1.0.30', { os: { family: 'linux', distro: 'rocky', version: '9.3' } })], vms: [linuxVm('a', '10.1.5.1')] };
    expect(decisionOf(rocky).proxy).toBe('vbr');
    expect(decisionOf(rhel('9.4', { appliance: true })).proxy).toBe('rhel');
  });
});

describe('windows-guest-needs-windows-server', () => {
  it('a Linux server never serves a Windows guest, even in the same network', () => {
    const scenario = { servers: [linuxServer('lin', '10.1.0.30')], vms: [windowsVm('a', '10.1.5.1')] };
    expect(decisionOf(scenario)).toMatchObject({ proxy: 'vbr', tier: 2 });
    expect(explanationOf(scenario, 'a').candidates[1]?.failed).toEqual([{ rule: 'windows-guest-needs-windows-server', message: 'a runs Windows and lin runs linux' }]);
  });
  it('a Linux server serves a Linux guest', () => {
    expect(decisionOf({ servers: [linuxServer('lin', '10.1.0.30')], vms: [linuxVm('a', '10.1.5.1')] }).proxy).toBe('lin');
  });
});

describe('gmsa-needs-windows-server', () => {
  it('a gMSA keeps Linux servers out, even for a Linux guest', () => {
    const scenario = { servers: [linuxServer('lin', '10.1.0.30')], vms: [linuxVm('a', '10.1.5.1')], job: { vmCredentials: { a: { kind: 'gmsa', account: 'CORP\\g$' } } } };
    expect(decisionOf(scenario).proxy).toBe('vbr');
    expect(failedRules(scenario, 'a', 'lin')).toEqual(['gmsa-needs-windows-server']);
  });
});

describe('gmsa-needs-server-in-domain', () => {
  const scenario = (domain?: string) => ({
    servers: [windowsServer('vbr', '10.2.0.5'), windowsServer('lab', '10.1.0.20', { domain: 'LAB.example' }), windowsServer('corp', '10.1.0.21', { domain: 'Corp.Example' })],
    vms: [windowsVm('a', '10.1.5.1')],
    job: { credentials: { kind: 'gmsa', account: 'CORP\\g$', ...(domain === undefined ? {} : { domain }) } },
  });
  it('a gMSA that names its domain needs a server in that domain (compared case-insensitively)', () => {
    expect(decisionOf(scenario('corp.example')).proxy).toBe('corp');
    expect(explanationOf(scenario('corp.example'), 'a').candidates.find((c) => c.server === 'lab')?.failed).toEqual([
      { rule: 'gmsa-needs-server-in-domain', message: 'a uses a gMSA of domain corp.example and lab is in domain lab.example' },
    ]);
  });
  it('a gMSA without a domain accepts any Windows server', () => {
    expect(decisionOf(scenario()).proxy).toBe('lab');
  });
});

describe('lan-connection', () => {
  it('a VM with a known address in the server\'s network connects over LAN', () => {
    expect(decisionOf({ servers: [windowsServer('w', '10.1.0.20')], vms: [windowsVm('a', '10.1.5.1')] })).toMatchObject({ proxy: 'w', connection: 'lan', tier: 1 });
  });
  it('different networks that are not isolated still connect over LAN', () => {
    const servers = [windowsServer('vbr', '10.2.0.5'), windowsServer('w', '10.2.0.20')];
    expect(decisionOf({ servers, vms: [windowsVm('a', '10.1.5.1', { tools: false })] })).toMatchObject({ proxy: 'w', connection: 'lan', tier: 3 });
  });
  it('an isolated network is reachable only from inside it', () => {
    const inside = windowsServer('inside', '10.99.0.20');
    const outside = windowsServer('outside', '10.1.0.20');
    const scenario = { servers: [outside, inside], vms: [linuxVm('a', '10.99.0.7', { tools: false })] };
    expect(decisionOf(scenario)).toMatchObject({ proxy: 'inside', connection: 'lan', tier: 1 });
    expect(explanationOf(scenario, 'a').candidates.find((c) => c.server === 'outside')?.failed.map((f) => f.rule)).toEqual(['connection-method-required']);
  });
  it('a VM without a known address has no LAN connection', () => {
    const decision = decisionOf({ servers: [windowsServer('w', '10.1.0.20')], vms: [windowsVm('a', null)] });
    expect(decision.connection).toBe('vix');
  });
  it('a VM that names its network counts as known', () => {
    expect(decisionOf({ servers: [windowsServer('w', '10.1.0.20')], vms: [windowsVm('a', null, { networks: ['hq'] })] })).toMatchObject({ proxy: 'w', connection: 'lan', tier: 1 });
  });
});

describe('vix-connection', () => {
  it('a VMware VM without a known address is reached over VIX when VMware Tools run', () => {
    expect(decisionOf({ servers: [windowsServer('w', '10.1.0.20')], vms: [windowsVm('a', null)] })).toMatchObject({ connection: 'vix', tier: 3, proxy: 'w' });
  });
  it('without VMware Tools there is no VIX', () => {
    const decision = decisionOf({ servers: [], vms: [windowsVm('a', null, { tools: false })] });
    expect(decision.status).toBe('unassigned');
  });
  it('gMSA credentials work over the network only: no VIX', () => {
    const decision = decisionOf({ servers: [], vms: [windowsVm('a', null)], job: { credentials: { kind: 'gmsa', account: 'CORP\\g$' } } });
    expect(decision).toMatchObject({ status: 'unassigned', reasons: [expect.objectContaining({ rule: 'connection-method-required' })] });
  });
});

describe('powershell-direct-connection', () => {
  const hyperv = (host: string, version: string, server: Record<string, unknown> = {}, job: Record<string, unknown> = {}) => ({
    servers: [windowsServer('vbr', '10.1.0.5', { powershell: undefined }), windowsServer('w', '10.2.0.20', server)],
    vms: [windowsVm('a', null, { host, guest: { family: 'windows', version } })],
    job,
  });
  it('Hyper-V 2016+, a Windows Server 2016+ or Windows 10+ guest and PowerShell 2.0+ on the server', () => {
    for (const version of ['2016', '2019', '2022', '10', '11']) {
      expect(decisionOf(hyperv('hv2019', version))).toMatchObject({ proxy: 'w', connection: 'powershell-direct' });
    }
  });
  it('not for a 2012 R2 guest, a 2012 R2 host, a server without PowerShell, or a gMSA', () => {
    expect(decisionOf(hyperv('hv2019', '2012 R2')).status).toBe('unassigned');
    expect(decisionOf(hyperv('hv2012', '2019')).status).toBe('unassigned');
    expect(decisionOf(hyperv('hv2019', '2019', { powershell: undefined })).status).toBe('unassigned');
    expect(decisionOf(hyperv('hv2019', '2019', { powershell: '1.0' })).status).toBe('unassigned');
    expect(decisionOf(hyperv('hv2019', '2019', {}, { credentials: { kind: 'gmsa', account: 'CORP\\g$' } })).status).toBe('unassigned');
  });
});

describe('tier-1-same-network', () => {
  it('a server in the VM\'s network that is not the backup server wins over everything else', () => {
    const decision = decisionOf({ servers: [windowsServer('vbr', '10.1.0.5'), windowsServer('far', '10.2.0.20'), windowsServer('near', '10.1.0.20', { runningTasks: 50 })], vms: [windowsVm('a', '10.1.5.1')] });
    expect(decision).toMatchObject({ proxy: 'near', tier: 1, load: 50 });
  });
});

describe('tier-2-same-network-backup-server', () => {
  it('the backup server in the VM\'s network comes before servers of other networks', () => {
    expect(decisionOf({ servers: [windowsServer('far', '10.2.0.20')], vms: [windowsVm('a', '10.1.5.1')] })).toMatchObject({ proxy: 'vbr', tier: 2 });
  });
});

describe('tier-3-other-network', () => {
  it('a server of another network comes before the backup server of another network', () => {
    expect(decisionOf({ servers: [windowsServer('vbr', '10.2.0.5'), windowsServer('other', '10.2.0.20', { runningTasks: 9 })], vms: [windowsVm('a', '10.1.5.1')] })).toMatchObject({ proxy: 'other', tier: 3 });
  });
});

describe('tier-4-other-network-backup-server', () => {
  it('the backup server of another network is the last resort', () => {
    expect(decisionOf({ servers: [windowsServer('vbr', '10.2.0.5')], vms: [windowsVm('a', '10.1.5.1')] })).toMatchObject({ proxy: 'vbr', tier: 4 });
  });
});

describe('lowest-tier-wins', () => {
  it('the lowest tier wins whatever the load', () => {
    const decision = decisionOf({ servers: [windowsServer('idle-far', '10.2.0.20'), windowsServer('busy-near', '10.1.0.20', { runningTasks: 100 })], vms: [windowsVm('a', '10.1.5.1')] });
    expect(decision).toMatchObject({ proxy: 'busy-near', tier: 1 });
  });
});

describe('least-load-wins', () => {
  it('among equal tiers the least loaded wins; VMs assigned earlier in the plan count', () => {
    const plan = planOf({
      servers: [windowsServer('w1', '10.1.0.20', { runningTasks: 1 }), windowsServer('w2', '10.1.0.21', { runningTasks: 0 })],
      vms: [windowsVm('a', '10.1.5.1'), windowsVm('b', '10.1.5.2'), windowsVm('c', '10.1.5.3'), windowsVm('d', '10.1.5.4')],
    });
    expect(plan.decisions.map((d) => `${d.proxy}:${d.load}`)).toEqual(['w2:0', 'w1:1', 'w2:1', 'w1:2']);
  });
});

describe('inventory-order-breaks-ties', () => {
  it('equal tier and load: the server listed first in the inventory', () => {
    expect(decisionOf({ servers: [windowsServer('zeta', '10.1.0.20'), windowsServer('alpha', '10.1.0.21')], vms: [windowsVm('a', '10.1.5.1')] }).proxy).toBe('zeta');
  });
  it('in preferred mode too: inventory order, not the order of the preferred list', () => {
    const decision = decisionOf({
      servers: [windowsServer('zeta', '10.1.0.20'), windowsServer('alpha', '10.1.0.21')],
      vms: [windowsVm('a', '10.1.5.1')],
      job: { proxy: { mode: 'preferred', servers: ['alpha', 'zeta'] } },
    });
    expect(decision.proxy).toBe('zeta');
  });
});

describe('protocol-order', () => {
  const scenario = (inverseProtocolOrder: boolean) => ({ servers: [windowsServer('w', '10.1.0.20')], vms: [windowsVm('a', '10.1.5.1')], job: { inverseProtocolOrder } });
  it('network first, networkless second', () => {
    expect(decisionOf(scenario(false)).connection).toBe('lan');
    expect(explanationOf(scenario(false), 'a').candidates[1]?.methods).toEqual(['lan', 'vix']);
  });
  it('inverseProtocolOrder: networkless first', () => {
    expect(decisionOf(scenario(true)).connection).toBe('vix');
    expect(explanationOf(scenario(true), 'a').candidates[1]?.methods).toEqual(['vix', 'lan']);
  });
});

describe('preferred-servers-only', () => {
  it('only the listed servers are candidates, even when others rank better', () => {
    const decision = decisionOf({
      servers: [windowsServer('near', '10.1.0.20'), windowsServer('far', '10.2.0.20', { runningTasks: 7 })],
      vms: [windowsVm('a', '10.1.5.1')],
      job: { proxy: { mode: 'preferred', servers: ['far'] } },
    });
    expect(decision).toMatchObject({ status: 'assigned', proxy: 'far', tier: 3, load: 7 });
    const explanation = explanationOf({ servers: [windowsServer('near', '10.1.0.20'), windowsServer('far', '10.2.0.20')], vms: [windowsVm('a', '10.1.5.1')], job: { proxy: { mode: 'preferred', servers: ['far'] } } }, 'a');
    expect(explanation.candidates.find((c) => c.server === 'near')?.verdict).toBe('not-a-candidate');
  });
});

describe('preferred-fallback-backup-server', () => {
  const job = { proxy: { mode: 'preferred', servers: ['lin'], fallback: 'backup-server' } };
  it('when no listed server can serve, the backup server takes over (fallback)', () => {
    expect(decisionOf({ servers: [linuxServer('lin', '10.1.0.30')], vms: [windowsVm('a', '10.1.5.1')], job })).toMatchObject({ status: 'fallback', proxy: 'vbr', tier: 2, connection: 'lan' });
  });
  it('fallback is the default', () => {
    expect(decisionOf({ servers: [linuxServer('lin', '10.1.0.30')], vms: [windowsVm('a', '10.1.5.1')], job: { proxy: { mode: 'preferred', servers: ['lin'] } } }).status).toBe('fallback');
  });
  it('when the backup server cannot serve either, the VM is unassigned', () => {
    const decision = decisionOf({
      servers: [linuxServer('vbr', '10.1.0.5'), linuxServer('lin', '10.1.0.30')],
      vms: [windowsVm('a', '10.1.5.1')],
      job,
    });
    expect(decision).toMatchObject({ status: 'unassigned', proxy: null });
    expect(decision.reasons).toEqual([expect.objectContaining({ rule: 'windows-guest-needs-windows-server', candidates: 2 })]);
  });
});

describe('preferred-fallback-fail', () => {
  it('with fallback: fail the VM is unassigned', () => {
    const decision = decisionOf({ servers: [linuxServer('lin', '10.1.0.30')], vms: [windowsVm('a', '10.1.5.1')], job: { proxy: { mode: 'preferred', servers: ['lin'], fallback: 'fail' } } });
    expect(decision).toMatchObject({ status: 'unassigned', proxy: null, reasons: [{ rule: 'windows-guest-needs-windows-server', candidates: 1, example: { server: 'lin', message: 'a runs Windows and lin runs linux' } }] });
  });
});

describe('automatic-unassigned-with-reasons', () => {
  it('no eligible server: unassigned, with every candidate counted under each rule it failed', () => {
    const scenario = {
      servers: [linuxServer('vbr', '10.1.0.5'), linuxServer('repo', '10.1.0.30', { hardened: true }), windowsServer('old', '10.1.0.31', { managed: false })],
      vms: [windowsVm('a', '10.1.5.1')],
    };
    const decision = decisionOf(scenario);
    expect(decision).toMatchObject({ status: 'unassigned', proxy: null, tier: null, connection: null, load: null });
    expect(decision.reasons).toEqual([
      { rule: 'windows-guest-needs-windows-server', candidates: 2, example: { server: 'vbr', message: 'a runs Windows and vbr runs linux' } },
      { rule: 'hardened-repository-excluded', candidates: 1, example: { server: 'repo', message: 'repo is a hardened repository' } },
      { rule: 'managed-server-required', candidates: 1, example: { server: 'old', message: 'old is not a managed server' } },
    ]);
    const explanation = explanationOf(scenario, 'a');
    expect(explanation.candidates.map((c) => [c.server, c.verdict, c.failed.map((f) => f.rule)])).toEqual([
      ['vbr', 'ineligible', ['windows-guest-needs-windows-server']],
      ['repo', 'ineligible', ['hardened-repository-excluded', 'windows-guest-needs-windows-server']],
      ['old', 'ineligible', ['managed-server-required']],
    ]);
  });
});
