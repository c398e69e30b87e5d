import { describe, expect, it } from 'vitest';
import type { RuleChanges } from '@gipkit/plugin-api';
import { createGipkit } from '../index.js';
import { decisionOf, explanationOf, failedRules, hosts, inputOf, linuxServer, linuxVm, planOf, windowsServer, windowsVm, type Scenario } from './rules.fixture.js';

// One describe per default rule (named exactly after it) and per step of the selection procedure.
// Networks of the fixture: hq 10.1.0.0/16, branch 10.2.0.0/16, dmz 10.99.0.0/24 (isolated).
// The backup server `vbr` is a Windows server in hq (10.1.0.5) unless a scenario names its own.

const candidate = (scenario: Scenario, vm: string, server: string) => {
  const found = explanationOf(scenario, vm).candidates.find((c) => c.server === server);
  if (found === undefined) throw new Error(`no candidate ${server}`);
  return found;
};

describe('guest-processing-required', () => {
  const vms = [windowsVm('a', '10.1.5.1'), linuxVm('b', '10.2.5.1')];
  it('a job without application-aware processing, indexing or log processing gives no VM a proxy', () => {
    const scenario = { servers: [windowsServer('w', '10.1.0.20')], vms, job: { guestProcessing: { applicationAware: false, indexing: false, transactionLogs: false } } };
    const plan = planOf(scenario);
    expect(plan.decisions).toEqual([
      { vm: 'a', status: 'not-required', proxy: null, tier: null, connection: null, methods: [], failover: null, load: null },
      { vm: 'b', status: 'not-required', proxy: null, tier: null, connection: null, methods: [], failover: null, load: null },
    ]);
    expect(plan.summary).toMatchObject({ notRequired: 2, assigned: 0, perProxy: {} });
    expect(explanationOf(scenario, 'a').jobRule).toEqual({
      rule: 'guest-processing-required',
      message: 'job job does no application-aware processing, indexing or transaction log processing',
    });
  });
  it('application-aware processing, indexing alone or transaction logs alone need a proxy', () => {
    for (const guestProcessing of [{ applicationAware: true }, { indexing: true }, { transactionLogs: true }]) {
      expect(decisionOf({ servers: [windowsServer('w', '10.1.0.20')], vms, job: { guestProcessing } })).toMatchObject({ status: 'assigned', proxy: 'w' });
    }
  });
  it('it decides before the license does', () => {
    const decision = decisionOf({ servers: [], vms, job: { guestProcessing: {} }, inventory: { license: { kind: 'socket', edition: 'standard' } } });
    expect(decision.status).toBe('not-required');
  });
});

describe('socket-standard-backup-server', () => {
  it('under a socket Standard license the backup server serves every VM, its load growing', () => {
    const scenario = {
      servers: [windowsServer('win-hq', '10.1.0.20')],
      vms: [windowsVm('a', '10.1.5.1'), linuxVm('b', '10.2.5.1')],
      inventory: { license: { kind: 'socket', edition: 'standard' } },
    };
    const plan = planOf(scenario);
    expect(plan.decisions.map((d) => [d.vm, d.status, d.proxy, d.tier, d.connection, d.load])).toEqual([
      ['a', 'backup-server', 'vbr', 2, 'lan', 0],
      ['b', 'backup-server', 'vbr', 4, 'lan', 1],
    ]);
    expect(plan.summary).toMatchObject({ backupServer: 2, perProxy: { vbr: 2 } });
    expect(explanationOf(scenario, 'a').jobRule).toEqual({
      rule: 'socket-standard-backup-server',
      message: 'the socket license is standard edition: the backup server performs guest interaction',
    });
  });
  it('Universal, Enterprise and Enterprise Plus licenses select proxies', () => {
    for (const license of [{ kind: 'universal' }, { kind: 'socket', edition: 'enterprise' }, { kind: 'socket', edition: 'enterprise-plus' }]) {
      const decision = decisionOf({ servers: [windowsServer('win-hq', '10.1.0.20')], vms: [windowsVm('a', '10.1.5.1')], inventory: { license } });
      expect(decision).toMatchObject({ status: 'assigned', proxy: 'win-hq', tier: 1 });
    }
  });
});

describe('managed-server-required', () => {
  const scenario = { servers: [windowsServer('old', '10.1.0.20', { managed: false })], vms: [windowsVm('a', '10.1.5.1')] };
  it('an unmanaged server is never chosen, even when it ranks best', () => {
    expect(decisionOf(scenario)).toMatchObject({ status: 'assigned', proxy: 'vbr', tier: 2 });
    expect(candidate(scenario, 'a', 'old')).toMatchObject({ verdict: 'ineligible', failed: [{ rule: 'managed-server-required', message: 'old is not a managed server' }] });
  });
  it('servers are managed unless the inventory says otherwise', () => {
    expect(decisionOf({ servers: [windowsServer('new', '10.1.0.20')], vms: [windowsVm('a', '10.1.5.1')] }).proxy).toBe('new');
  });
});

describe('hardened-repository-excluded', () => {
  it('a hardened repository is never chosen', () => {
    const scenario = { servers: [linuxServer('repo', '10.1.0.30', { hardened: true })], vms: [linuxVm('a', '10.1.5.1')] };
    expect(decisionOf(scenario)).toMatchObject({ proxy: 'vbr', tier: 2 });
    expect(candidate(scenario, 'a', 'repo').failed).toEqual([{ rule: 'hardened-repository-excluded', message: 'repo is a hardened repository' }]);
  });
  it('a Linux repository that is not hardened can serve', () => {
    expect(decisionOf({ servers: [linuxServer('repo', '10.1.0.30', { hardened: false })], vms: [linuxVm('a', '10.1.5.1')] }).proxy).toBe('repo');
  });
});

describe('rhel-samba-packages-required', () => {
  const scenario = (distro: string, version: string, extra: Record<string, unknown> = {}): Scenario => ({
    servers: [linuxServer('lx', '10.1.0.30', { os: { family: 'linux', distro, version }, ...extra })],
    vms: [linuxVm('a', '10.1.5.1')],
  });
  it('RHEL 9 without libmsi1, samba-client and samba-common-tools is excluded, naming what is installed', () => {
    expect(decisionOf(scenario('rhel', '9.4')).proxy).toBe('vbr');
    expect(candidate(scenario('rhel', '9.4'), 'a', 'lx').failed).toEqual([
      { rule: 'rhel-samba-packages-required', message: 'lx runs rhel 9.4 without all of libmsi1, samba-client, samba-common-tools (installed: none)' },
    ]);
    const partial = scenario('RHEL', '9', { packages: ['libmsi1', 'samba-client'] });
    expect(decisionOf(partial).proxy).toBe('vbr');
    expect(candidate(partial, 'a', 'lx').failed).toEqual([
      { rule: 'rhel-samba-packages-required', message: 'lx runs rhel 9 without all of libmsi1, samba-client, samba-common-tools (installed: libmsi1, samba-client)' },
    ]);
  });
  it('with all three packages (in any order) RHEL 9 is eligible', () => {
    expect(decisionOf(scenario('rhel', '9.4', { packages: ['samba-common-tools', 'curl', 'libmsi1', 'samba-client'] }))).toMatchObject({ proxy: 'lx', tier: 1 });
  });
  it('RHEL 8 needs no packages', () => {
    expect(decisionOf(scenario('rhel', '8.9')).proxy).toBe('lx');
  });
  it('Rocky 9 and later are covered too; the Veeam Infrastructure Appliance is exempt', () => {
    expect(decisionOf(scenario('rocky', '9.3')).proxy).toBe('vbr');
    expect(decisionOf(scenario('rocky', '10.0')).proxy).toBe('vbr');
    expect(decisionOf(scenario('rocky', '9.3', { appliance: true })).proxy).toBe('lx');
    expect(decisionOf(scenario('rhel', '9.4', { appliance: true })).proxy).toBe('lx');
  });
  it('other distributions need no packages', () => {
    expect(decisionOf(scenario('ubuntu', '24.04')).proxy).toBe('lx');
  });
});

describe('windows-guest-needs-windows-server', () => {
  it('a Linux server never serves a Windows guest, even in the same network', () => {
    const scenario = { servers: [linuxServer('lin', '10.1.0.30')], vms: [windowsVm('a', '10.1.5.1')] };
    expect(decisionOf(scenario)).toMatchObject({ proxy: 'vbr', tier: 2 });
    expect(candidate(scenario, 'a', 'lin').failed).toEqual([{ rule: 'windows-guest-needs-windows-server', message: 'a runs Windows and lin runs linux' }]);
  });
  it('a Linux server serves a Linux guest, and a Windows server serves both', () => {
    expect(decisionOf({ servers: [linuxServer('lin', '10.1.0.30')], vms: [linuxVm('a', '10.1.5.1')] }).proxy).toBe('lin');
    expect(decisionOf({ servers: [windowsServer('win', '10.1.0.30')], vms: [linuxVm('a', '10.1.5.1')] }).proxy).toBe('win');
  });
});

describe('gmsa-needs-windows-server', () => {
  const gmsa = { vmCredentials: { a: { kind: 'gmsa', account: 'CORP\\g$' } } };
  it('a gMSA keeps Linux servers out, even for a Linux guest', () => {
    const scenario = { servers: [linuxServer('lin', '10.1.0.30')], vms: [linuxVm('a', '10.1.5.1'), linuxVm('b', '10.1.5.2')], job: gmsa };
    const plan = planOf(scenario);
    expect(plan.decisions.map((d) => d.proxy)).toEqual(['vbr', 'lin']);
    expect(candidate(scenario, 'a', 'lin').failed).toEqual([{ rule: 'gmsa-needs-windows-server', message: 'a uses gMSA credentials and lin runs linux' }]);
    expect(failedRules(scenario, 'b', 'lin')).toEqual([]);
  });
  it('a Windows server of another network wins over a Linux server of the same network', () => {
    expect(decisionOf({ servers: [windowsServer('vbr', '10.2.0.5'), linuxServer('lin', '10.1.0.30'), windowsServer('far', '10.2.0.30')], vms: [linuxVm('a', '10.1.5.1')], job: gmsa })).toMatchObject({
      proxy: 'far',
      tier: 3,
    });
  });
});

describe('gmsa-needs-server-in-domain', () => {
  const scenario = (domain?: string): Scenario => ({
    servers: [windowsServer('vbr', '10.2.0.5'), windowsServer('lab', '10.1.0.20', { domain: 'LAB.example' }), windowsServer('corp', '10.1.0.21', { domain: 'Corp.Example' })],
    vms: [windowsVm('a', '10.1.5.1')],
    job: { credentials: { kind: 'gmsa', account: 'CORP\\g$', ...(domain === undefined ? {} : { domain }) } },
  });
  it('a gMSA that names its domain needs a server in that domain', () => {
    expect(decisionOf(scenario('corp.example'))).toMatchObject({ proxy: 'corp', tier: 1, connection: 'lan' });
    expect(candidate(scenario('corp.example'), 'a', 'lab').failed).toEqual([
      { rule: 'gmsa-needs-server-in-domain', message: 'a uses a gMSA of domain corp.example and lab is in domain lab.example' },
    ]);
  });
  it('domains compare case-insensitively', () => {
    expect(decisionOf(scenario('CORP.EXAMPLE')).proxy).toBe('corp');
    expect(decisionOf(scenario('Lab.Example')).proxy).toBe('lab');
  });
  it('a server in no domain cannot use the gMSA', () => {
    const noDomain = { ...scenario('corp.example'), servers: [windowsServer('vbr', '10.1.0.5', { domain: undefined })] };
    expect(decisionOf(noDomain)).toMatchObject({ status: 'unassigned' });
    expect(candidate(noDomain, 'a', 'vbr').failed).toEqual([
      { rule: 'gmsa-needs-server-in-domain', message: 'a uses a gMSA of domain corp.example and vbr is in domain none' },
    ]);
  });
  it('a gMSA without a domain accepts any Windows server', () => {
    expect(decisionOf(scenario())).toMatchObject({ proxy: 'lab', tier: 1 });
  });
  it('standard credentials ignore domains', () => {
    expect(decisionOf({ ...scenario(), job: { credentials: { kind: 'standard', account: 'CORP\\backup' } } }).proxy).toBe('lab');
  });
});

describe('lan-connection', () => {
  it('a VM with a known address in the server\'s network connects over LAN', () => {
    const scenario = { servers: [windowsServer('w', '10.1.0.20')], vms: [windowsVm('a', '10.1.5.1')] };
    expect(decisionOf(scenario)).toMatchObject({ proxy: 'w', connection: 'lan', tier: 1 });
    expect(candidate(scenario, 'a', 'w').methods[0]).toBe('lan');
  });
  it('different networks that are not isolated still connect over LAN', () => {
    const scenario = { servers: [windowsServer('vbr', '10.2.0.5'), windowsServer('w', '10.2.0.20')], vms: [windowsVm('a', '10.1.5.1', { tools: false })] };
    expect(decisionOf(scenario)).toMatchObject({ proxy: 'w', connection: 'lan', tier: 3 });
    expect(candidate(scenario, 'a', 'w').methods).toEqual(['lan']);
  });
  it('an isolated VM network is unreachable from outside but reachable from inside', () => {
    const outside = windowsServer('outside', '10.1.0.20');
    const inside = windowsServer('inside', '10.99.0.20', { runningTasks: 9 });
    const fromOutside = { servers: [outside], vms: [linuxVm('a', '10.99.0.7', { tools: false })] };
    expect(decisionOf(fromOutside)).toMatchObject({ status: 'unassigned' });
    expect(candidate(fromOutside, 'a', 'outside')).toMatchObject({ verdict: 'ineligible', methods: [] });
    expect(candidate(fromOutside, 'a', 'outside').failed).toEqual([
      {
        rule: 'connection-method-required',
        message: expect.stringContaining('LAN needs a known address of a and a network shared with the server, unless neither side is isolated (VM networks: dmz): pair.sameNetwork is false (needs true), and vm.isolated is true (needs false)'),
      },
    ]);
    const both = { servers: [outside, inside], vms: [linuxVm('a', '10.99.0.7', { tools: false })] };
    expect(decisionOf(both)).toMatchObject({ proxy: 'inside', connection: 'lan', tier: 1, load: 9 });
  });
  it('a server inside an isolated network reaches only that network', () => {
    const scenario = { servers: [windowsServer('vbr', '10.99.0.5'), windowsServer('dmz-proxy', '10.99.0.20')], vms: [linuxVm('a', '10.1.5.1', { tools: false })] };
    expect(decisionOf(scenario)).toMatchObject({ status: 'unassigned' });
  });
  it('a VM without a known address has no LAN connection', () => {
    const scenario = { servers: [windowsServer('w', '10.1.0.20')], vms: [windowsVm('a', null)] };
    expect(decisionOf(scenario)).toMatchObject({ proxy: 'w', connection: 'vix', tier: 3 });
    expect(candidate(scenario, 'a', 'w').methods).toEqual(['vix']);
    expect(decisionOf({ servers: [windowsServer('w', '10.1.0.20')], vms: [windowsVm('a', null, { tools: false })] }).status).toBe('unassigned');
  });
  it('a LAN connection needs a known address: a VM that only names its network is in it (tier) but gets no LAN connection', () => {
    const named = { servers: [windowsServer('w', '10.1.0.20')], vms: [windowsVm('a', null, { networks: ['hq'] })] };
    expect(decisionOf(named)).toMatchObject({ proxy: 'w', connection: 'vix', tier: 1 });
    expect(candidate(named, 'a', 'w').methods).toEqual(['vix']);
    const noTools = { servers: [windowsServer('w', '10.1.0.20')], vms: [windowsVm('a', null, { networks: ['hq'], tools: false })] };
    expect(decisionOf(noTools)).toMatchObject({ status: 'unassigned', proxy: null, connection: null });
  });
});

describe('vix-connection', () => {
  it('a VMware VM is reached over VIX when VMware Tools run', () => {
    const scenario = { servers: [windowsServer('w', '10.1.0.20')], vms: [windowsVm('a', null)] };
    expect(decisionOf(scenario)).toMatchObject({ connection: 'vix', tier: 3, proxy: 'w' });
  });
  it('without VMware Tools there is no VIX', () => {
    const scenario = { servers: [], vms: [windowsVm('a', null, { tools: false })] };
    expect(decisionOf(scenario).status).toBe('unassigned');
    expect(candidate(scenario, 'a', 'vbr').failed[0]?.message).toContain('VIX needs a VMware VM with VMware Tools running and no gMSA: vm.tools is false (needs true)');
  });
  it('not for Hyper-V VMs', () => {
    const scenario = { servers: [], vms: [linuxVm('a', null, { host: 'hv2019' })] };
    expect(decisionOf(scenario).status).toBe('unassigned');
    // Only the methods of the VM's own platform: VIX is not listed for a Hyper-V VM.
    const message = candidate(scenario, 'a', 'vbr').failed[0]?.message ?? '';
    expect(message).toContain('PowerShell Direct needs');
    expect(message).toContain('vm.guestFamily is linux (needs windows)');
    expect(message).not.toContain('VIX');
  });
  it('gMSA credentials work over the network only: no VIX', () => {
    const gmsa = { credentials: { kind: 'gmsa', account: 'CORP\\g$' } };
    const unreachable = { servers: [], vms: [windowsVm('a', null)], job: gmsa };
    expect(decisionOf(unreachable)).toMatchObject({ status: 'unassigned', reasons: [expect.objectContaining({ rule: 'connection-method-required', candidates: 1 })] });
    const reachable = { servers: [windowsServer('w', '10.1.0.20')], vms: [windowsVm('a', '10.1.5.1')], job: { ...gmsa, inverseProtocolOrder: true } };
    expect(decisionOf(reachable)).toMatchObject({ proxy: 'w', connection: 'lan' });
    expect(candidate(reachable, 'a', 'w').methods).toEqual(['lan']);
  });
});

describe('powershell-direct-connection', () => {
  const hyperv = (hostVersion: string, guestVersion: string, server: Record<string, unknown> = {}, job: Record<string, unknown> = {}): Scenario => ({
    servers: [windowsServer('vbr', '10.1.0.5', { powershell: undefined }), windowsServer('w', '10.2.0.20', server)],
    vms: [windowsVm('a', null, { host: 'hv', guest: { family: 'windows', version: guestVersion } })],
    inventory: { hosts: [...hosts, { id: 'hv', platform: 'hyperv', version: hostVersion }] },
    job,
  });
  it('Hyper-V 2016+ host, Windows 10/11 or Windows Server 2016+ guest, PowerShell 2.0+ on the server', () => {
    for (const host of ['2016', '2019', '2022']) {
      for (const guest of ['10', '11', '2016', '2019', '2022']) {
        expect(decisionOf(hyperv(host, guest)), `${host} ${guest}`).toMatchObject({ status: 'assigned', proxy: 'w', connection: 'powershell-direct', tier: 3 });
      }
    }
    expect(decisionOf(hyperv('2019', '2019', { powershell: '2.0' })).proxy).toBe('w');
  });
  it('not on a 2012 R2 host', () => {
    const scenario = hyperv('2012 R2', '2019');
    expect(decisionOf(scenario).status).toBe('unassigned');
    expect(candidate(scenario, 'a', 'w').failed[0]?.message).toContain('PowerShell Direct needs a Hyper-V 2016+ host, a Windows 10+/Server 2016+ guest, PowerShell 2.0+ on the server and no gMSA: vm.hostVersion is 2012 R2 (needs 2016 or later)');
  });
  it('not for a 2012 R2 or Windows 8.1 guest, nor a Linux guest', () => {
    expect(decisionOf(hyperv('2019', '2012 R2')).status).toBe('unassigned');
    expect(decisionOf(hyperv('2019', '8.1')).status).toBe('unassigned');
    expect(decisionOf({ ...hyperv('2019', '2019'), vms: [linuxVm('a', null, { host: 'hv' })] }).status).toBe('unassigned');
  });
  it('not from a server without PowerShell 2.0', () => {
    expect(decisionOf(hyperv('2019', '2019', { powershell: undefined })).status).toBe('unassigned');
    expect(decisionOf(hyperv('2019', '2019', { powershell: '1.0' })).status).toBe('unassigned');
  });
  it('not with gMSA credentials', () => {
    const scenario = hyperv('2019', '2019', {}, { credentials: { kind: 'gmsa', account: 'CORP\\g$' } });
    expect(decisionOf(scenario).status).toBe('unassigned');
    expect(candidate(scenario, 'a', 'w').failed[0]?.message).toContain('no gMSA: vm.credentialKind is gmsa (needs anything but gmsa)');
  });
});

describe('tier-1-same-network', () => {
  it('a server in the VM\'s network that is not the backup server wins over everything else, whatever its load', () => {
    const scenario = { servers: [windowsServer('vbr', '10.1.0.5'), windowsServer('far', '10.2.0.20'), windowsServer('near', '10.1.0.20', { runningTasks: 50 })], vms: [windowsVm('a', '10.1.5.1')] };
    expect(decisionOf(scenario)).toMatchObject({ proxy: 'near', tier: 1, load: 50 });
    expect(candidate(scenario, 'a', 'near')).toMatchObject({ verdict: 'chosen', tier: 1, tierRule: 'tier-1-same-network' });
  });
});

describe('tier-2-same-network-backup-server', () => {
  it('the backup server in the VM\'s network comes before servers of other networks', () => {
    const scenario = { servers: [windowsServer('far', '10.2.0.20')], vms: [windowsVm('a', '10.1.5.1')] };
    expect(decisionOf(scenario)).toMatchObject({ proxy: 'vbr', tier: 2 });
    expect(candidate(scenario, 'a', 'vbr')).toMatchObject({ verdict: 'chosen', tier: 2, tierRule: 'tier-2-same-network-backup-server' });
    expect(candidate(scenario, 'a', 'far')).toMatchObject({ verdict: 'eligible', tier: 3, tierRule: 'tier-3-other-network' });
  });
});

describe('tier-3-other-network', () => {
  it('a server of another network comes before the backup server of another network', () => {
    const scenario = { servers: [windowsServer('vbr', '10.2.0.5'), windowsServer('other', '10.2.0.20', { runningTasks: 9 })], vms: [windowsVm('a', '10.1.5.1')] };
    expect(decisionOf(scenario)).toMatchObject({ proxy: 'other', tier: 3, load: 9 });
    expect(candidate(scenario, 'a', 'vbr')).toMatchObject({ verdict: 'eligible', tier: 4, tierRule: 'tier-4-other-network-backup-server' });
  });
  it('a VM without a known network is in another network from every server', () => {
    expect(decisionOf({ servers: [windowsServer('w', '10.1.0.20')], vms: [windowsVm('a', null)] }).tier).toBe(3);
  });
});

describe('tier-4-other-network-backup-server', () => {
  it('the backup server of another network is the last resort', () => {
    const scenario = { servers: [windowsServer('vbr', '10.2.0.5')], vms: [windowsVm('a', '10.1.5.1')] };
    expect(decisionOf(scenario)).toMatchObject({ status: 'assigned', proxy: 'vbr', tier: 4 });
    expect(candidate(scenario, 'a', 'vbr').tierRule).toBe('tier-4-other-network-backup-server');
  });
});

describe('lowest-tier-wins', () => {
  it('the lowest tier wins whatever the load', () => {
    const scenario = { servers: [windowsServer('idle-far', '10.2.0.20'), windowsServer('busy-near', '10.1.0.20', { runningTasks: 100 })], vms: [windowsVm('a', '10.1.5.1')] };
    expect(decisionOf(scenario)).toMatchObject({ proxy: 'busy-near', tier: 1, load: 100 });
    expect(explanationOf(scenario, 'a').because[0]).toBe('3 of 3 candidates are eligible; the lowest tier among them is 1 (tier-1-same-network).');
  });
});

describe('least-load-wins', () => {
  it('among equal tiers the least loaded wins; running tasks and VMs assigned earlier in the plan count', () => {
    const scenario = {
      servers: [windowsServer('w1', '10.1.0.20', { runningTasks: 1 }), windowsServer('w2', '10.1.0.21', { runningTasks: 0 })],
      vms: [windowsVm('a', '10.1.5.1'), windowsVm('b', '10.1.5.2'), windowsVm('c', '10.1.5.3'), windowsVm('d', '10.1.5.4')],
    };
    const plan = planOf(scenario);
    expect(plan.decisions.map((d) => `${d.proxy}:${d.load}`)).toEqual(['w2:0', 'w1:1', 'w2:1', 'w1:2']);
    expect(plan.summary.perProxy).toEqual({ w1: 2, w2: 2 });
    const c = explanationOf(scenario, 'c');
    expect(c.candidates.map((x) => [x.server, x.load])).toEqual([['vbr', 0], ['w1', 2], ['w2', 1]]);
    expect(c.because).toContain('2 candidates share tier 1; w2 has the least load (1).');
  });
  it('VMs assigned in other tiers count toward a server\'s load too', () => {
    const plan = planOf({
      servers: [windowsServer('vbr', '10.9.0.5'), windowsServer('w1', '10.2.0.20'), windowsServer('w2', '10.2.0.21')],
      vms: [windowsVm('near', '10.2.5.1'), windowsVm('far', '10.1.5.1')],
    });
    expect(plan.decisions.map((d) => [d.vm, d.proxy, d.tier, d.load])).toEqual([
      ['near', 'w1', 1, 0],
      ['far', 'w2', 3, 0],
    ]);
  });
});

describe('inventory-order-breaks-ties', () => {
  it('equal tier and load: the server listed first in the inventory', () => {
    const scenario = { servers: [windowsServer('zeta', '10.1.0.20'), windowsServer('alpha', '10.1.0.21')], vms: [windowsVm('a', '10.1.5.1')] };
    expect(decisionOf(scenario).proxy).toBe('zeta');
    expect(explanationOf(scenario, 'a').because).toContain('alpha had the same load; zeta is the first of them in the inventory.');
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
  const vmware = (inverseProtocolOrder: boolean): Scenario => ({ servers: [windowsServer('w', '10.1.0.20')], vms: [windowsVm('a', '10.1.5.1')], job: { inverseProtocolOrder } });
  const hyperv = (inverseProtocolOrder: boolean): Scenario => ({
    servers: [windowsServer('w', '10.1.0.20')],
    vms: [windowsVm('a', '10.1.5.1', { host: 'hv2019' })],
    job: { inverseProtocolOrder },
  });
  it('network first, networkless second', () => {
    expect(decisionOf(vmware(false)).connection).toBe('lan');
    expect(candidate(vmware(false), 'a', 'w').methods).toEqual(['lan', 'vix']);
    expect(decisionOf(hyperv(false)).connection).toBe('lan');
    expect(candidate(hyperv(false), 'a', 'w').methods).toEqual(['lan', 'powershell-direct']);
    expect(explanationOf(vmware(false), 'a').because).toContain('It connects with lan (then vix).');
  });
  it('inverseProtocolOrder: networkless first', () => {
    expect(decisionOf(vmware(true)).connection).toBe('vix');
    expect(candidate(vmware(true), 'a', 'w').methods).toEqual(['vix', 'lan']);
    expect(decisionOf(hyperv(true)).connection).toBe('powershell-direct');
    expect(candidate(hyperv(true), 'a', 'w').methods).toEqual(['powershell-direct', 'lan']);
  });
  it('the order does not change which server is chosen', () => {
    const scenario = (inverseProtocolOrder: boolean): Scenario => ({
      servers: [windowsServer('far', '10.2.0.20'), windowsServer('near', '10.1.0.20')],
      vms: [windowsVm('a', '10.1.5.1')],
      job: { inverseProtocolOrder },
    });
    expect(decisionOf(scenario(true))).toMatchObject({ proxy: 'near', tier: 1, connection: 'vix' });
  });
});

describe('preferred-servers-only', () => {
  const scenario = (runningTasks: number): Scenario => ({
    servers: [windowsServer('near', '10.1.0.20'), windowsServer('far', '10.2.0.20', { runningTasks }), windowsServer('other', '10.2.0.21')],
    vms: [windowsVm('a', '10.1.5.1')],
    job: { proxy: { mode: 'preferred', servers: ['far'] } },
  });
  it('only the listed servers are candidates, even when others rank better or are less loaded', () => {
    expect(decisionOf(scenario(7))).toMatchObject({ status: 'assigned', proxy: 'far', tier: 3, load: 7 });
    const explanation = explanationOf(scenario(7), 'a');
    expect(explanation.candidates.map((c) => [c.server, c.verdict])).toEqual([
      ['vbr', 'not-a-candidate'],
      ['near', 'not-a-candidate'],
      ['far', 'chosen'],
      ['other', 'not-a-candidate'],
    ]);
    expect(explanation.because[0]).toBe('1 of 1 candidate is eligible; the lowest tier among them is 3 (tier-3-other-network).');
  });
});

describe('preferred-fallback-backup-server', () => {
  const job = { proxy: { mode: 'preferred', servers: ['lin'], fallback: 'backup-server' } };
  it('when no listed server can serve and the backup server can, the backup server takes over (fallback)', () => {
    const scenario = { servers: [linuxServer('lin', '10.1.0.30')], vms: [windowsVm('a', '10.1.5.1')], job };
    const plan = planOf(scenario);
    expect(plan.decisions[0]).toEqual({ vm: 'a', status: 'fallback', proxy: 'vbr', tier: 2, connection: 'lan', methods: ['lan', 'vix'], failover: null, load: 0 });
    expect(plan.summary).toMatchObject({ fallback: 1, perProxy: { vbr: 1 } });
    const explanation = explanationOf(scenario, 'a');
    expect(explanation.candidates.map((c) => [c.server, c.verdict])).toEqual([
      ['vbr', 'chosen'],
      ['lin', 'ineligible'],
    ]);
    expect(explanation.because).toEqual(['No preferred server (lin) can serve a; the backup server vbr takes the role (fallback: backup-server).']);
  });
  it('fallback to the backup server is the default', () => {
    expect(decisionOf({ servers: [linuxServer('lin', '10.1.0.30')], vms: [windowsVm('a', '10.1.5.1')], job: { proxy: { mode: 'preferred', servers: ['lin'] } } }).status).toBe('fallback');
  });
  it('when the backup server cannot serve either, the VM is unassigned, the backup server counted among the reasons', () => {
    const decision = decisionOf({ servers: [linuxServer('vbr', '10.1.0.5'), linuxServer('lin', '10.1.0.30')], vms: [windowsVm('a', '10.1.5.1')], job });
    expect(decision).toMatchObject({ status: 'unassigned', proxy: null, tier: null, connection: null, load: null });
    expect(decision.reasons).toEqual([{ rule: 'windows-guest-needs-windows-server', candidates: 2, example: { server: 'vbr', message: 'a runs Windows and vbr runs linux' } }]);
  });
});

describe('preferred-fallback-backup-server explained', () => {
  it('explain counts the backup server as the fallback candidate and says why it could not serve', () => {
    const scenario = {
      servers: [linuxServer('vbr', '10.1.0.5'), linuxServer('lin', '10.1.0.6')],
      vms: [windowsVm('a', '10.1.5.5')],
      job: { proxy: { mode: 'preferred', servers: ['lin'] } },
    };
    const explanation = explanationOf(scenario, 'a');
    expect(explanation.decision.status).toBe('unassigned');
    expect(explanation.candidates.find((c) => c.server === 'vbr')).toMatchObject({ verdict: 'ineligible', failed: [{ rule: 'windows-guest-needs-windows-server' }] });
    expect(explanation.because.join(' ')).toContain('the backup server vbr cannot serve it either (fallback: backup-server)');
  });
});

describe('preferred-fallback-fail', () => {
  it('with fallback: fail the VM is unassigned, though the backup server could serve it', () => {
    const scenario = { servers: [linuxServer('lin', '10.1.0.30')], vms: [windowsVm('a', '10.1.5.1')], job: { proxy: { mode: 'preferred', servers: ['lin'], fallback: 'fail' } } };
    expect(decisionOf(scenario)).toEqual({
      vm: 'a',
      status: 'unassigned',
      proxy: null,
      tier: null,
      connection: null,
      methods: [],
      failover: null,
      load: null,
      reasons: [{ rule: 'windows-guest-needs-windows-server', candidates: 1, example: { server: 'lin', message: 'a runs Windows and lin runs linux' } }],
    });
    const explanation = explanationOf(scenario, 'a');
    expect(explanation.candidates.find((c) => c.server === 'vbr')).toMatchObject({ verdict: 'not-a-candidate', failed: [] });
    expect(explanation.because).toEqual([
      'Root cause: every candidate fails windows-guest-needs-windows-server: a runs Windows and lin runs linux.',
      'No preferred server can serve a and the job does not fall back (fallback: fail).',
    ]);
  });
});

describe('automatic-unassigned-with-reasons', () => {
  const scenario = {
    servers: [linuxServer('vbr', '10.1.0.5'), linuxServer('repo', '10.1.0.30', { hardened: true }), windowsServer('old', '10.1.0.31', { managed: false }), windowsServer('dmz', '10.99.0.9')],
    vms: [windowsVm('a', '10.1.5.1', { tools: false })],
  };
  it('no eligible server: unassigned, each rule counted over the candidates it kept out, with an example naming actual values', () => {
    const decision = decisionOf(scenario);
    expect(decision).toMatchObject({ status: 'unassigned', proxy: null, tier: null, connection: null, load: null });
    expect(decision.reasons).toEqual([
      { rule: 'windows-guest-needs-windows-server', candidates: 2, example: { server: 'vbr', message: 'a runs Windows and vbr runs linux' } },
      { rule: 'hardened-repository-excluded', candidates: 1, example: { server: 'repo', message: 'repo is a hardened repository' } },
      { rule: 'managed-server-required', candidates: 1, example: { server: 'old', message: 'old is not a managed server' } },
      { rule: 'connection-method-required', candidates: 1, example: { server: 'dmz', message: expect.stringContaining('dmz has no connection method to a') } },
    ]);
  });
  it('explain lists every candidate with the rules it failed and messages with the actual values', () => {
    const explanation = explanationOf(scenario, 'a');
    expect(explanation.candidates.map((c) => [c.server, c.verdict, c.failed.map((f) => f.rule)])).toEqual([
      ['vbr', 'ineligible', ['windows-guest-needs-windows-server']],
      ['repo', 'ineligible', ['hardened-repository-excluded', 'windows-guest-needs-windows-server']],
      ['old', 'ineligible', ['managed-server-required']],
      ['dmz', 'ineligible', ['connection-method-required']],
    ]);
    const dmz = explanation.candidates[3]?.failed[0]?.message ?? '';
    expect(dmz).toContain('dmz has no connection method to a');
    expect(dmz).toContain('(VM networks: hq): pair.sameNetwork is false (needs true), and server.isolated is true (needs false)');
    expect(dmz).toContain('VIX needs a VMware VM with VMware Tools running and no gMSA: vm.tools is false (needs true)');
    // A VMware VM: PowerShell Direct (Hyper-V) is not among its methods.
    expect(dmz).not.toContain('PowerShell Direct');
    expect(explanation.because).toEqual([
      'Root cause: no single rule: each candidate fails at least one of windows-guest-needs-windows-server (2 servers), hardened-repository-excluded (1 server), managed-server-required (1 server), connection-method-required (1 server).',
      'No server can serve a.',
    ]);
  });
});

describe('sites (hosts[].site)', () => {
  const preferSameSite: RuleChanges = {
    origin: 'org-rules.yaml',
    add: [{
      name: 'prefer-same-site', description: 'A server of the VM\'s site ranks in tier 1.',
      conditions: { all: [{ fact: 'pair.sameSite', operator: 'equal', value: true }, { fact: 'server.isBackupServer', operator: 'equal', value: false }] },
      event: { type: 'tier', params: { tier: 1 } },
    }],
  };
  const sited = { inventory: { hosts: hosts.map((host) => ({ ...host, site: 'branch' })) } };
  const servers = [windowsServer('hq-proxy', '10.1.0.20'), windowsServer('branch-proxy', '10.2.0.20', { runningTasks: 5 })];

  it('a VM without an address is in its host\'s site for rules that read sites', () => {
    const scenario = { servers, vms: [windowsVm('a', null)], ...sited, options: { ruleChanges: [preferSameSite] } };
    const facts = createGipkit(scenario.options).factsFor(createGipkit().validateInput(inputOf(scenario)), 'a', 'branch-proxy');
    expect(facts['vm.sites']).toEqual(['branch']);
    expect(facts['pair.sameSite']).toBe(true);
    expect(decisionOf(scenario)).toMatchObject({ proxy: 'branch-proxy', connection: 'vix', tier: 1, load: 5 });
  });
  it('a VM with an address is in the sites of its networks only, whatever its host\'s site', () => {
    const scenario = { servers, vms: [windowsVm('a', '10.1.5.1')], ...sited, options: { ruleChanges: [preferSameSite] } };
    expect(createGipkit().factsFor(createGipkit().validateInput(inputOf(scenario)), 'a', 'hq-proxy')['vm.sites']).toEqual(['hq']);
    expect(decisionOf(scenario)).toMatchObject({ proxy: 'hq-proxy', connection: 'lan', tier: 1 });
  });
  it('without a host site, a VM without an address is in no site', () => {
    const scenario = { servers, vms: [windowsVm('a', null)] };
    expect(createGipkit().factsFor(createGipkit().validateInput(inputOf(scenario)), 'a', 'hq-proxy')['vm.sites']).toEqual([]);
  });
  it('a host site is an id: control characters are refused with the place and value', () => {
    const scenario = { servers, vms: [windowsVm('a', null)], inventory: { hosts: [{ ...hosts[0], site: 'br\u001banch' }] } };
    expect(() => createGipkit().validateInput(inputOf(scenario))).toThrow(/hosts\[0\]\.site/);
  });
});
