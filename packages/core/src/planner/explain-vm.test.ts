import { describe, expect, it } from 'vitest';
import { explanationOf, linuxServer, planOf, windowsServer, windowsVm, type Scenario } from '../rules/rules.fixture.js';

// Issue #8: an unassigned VM's explanation begins with its root cause, says each identical
// reason once, lists only the methods of the VM's own platform, and names every value.

const twelveServers = Array.from({ length: 12 }, (_, i) => windowsServer(`w${String(i + 1).padStart(2, '0')}`, `10.2.0.${i + 20}`));
const legacy: Scenario = {
  servers: twelveServers,
  vms: [windowsVm('legacy', null, { host: 'hv2012', guest: { family: 'windows', version: '2012 R2' } })],
};

describe('explain an unassigned VM', () => {
  it('begins with the root cause in one line naming the conditions that failed', () => {
    const explanation = explanationOf(legacy, 'legacy');
    expect(explanation.rootCause).toBe(
      'no server can connect to legacy: lan: vm.addressKnown is false (needs true); ' +
        'powershell-direct: vm.hostVersion is 2012 R2 (needs 2016 or later), and vm.guestVersion is 2012 R2 (needs one of 10, 11), and vm.guestVersion is 2012 R2 (needs 2016 or later)',
    );
    expect(explanation.because[0]).toBe(`Root cause: ${explanation.rootCause ?? ''}.`);
    expect(explanation.rootCause).not.toContain('\n');
  });

  it('groups identical reasons: one finding for the 13 servers, not 13 copies of the sentence', () => {
    const explanation = explanationOf(legacy, 'legacy');
    expect(explanation.findings).toHaveLength(1);
    const [finding] = explanation.findings;
    expect(finding?.rule).toBe('connection-method-required');
    expect(finding?.servers).toEqual(['vbr', ...twelveServers.map((server) => server.id)]);
    expect(finding?.message).toMatch(/^the server has no connection method to legacy; /);
    // Each candidate still carries its own findings, with its own id.
    expect(explanation.candidates[1]?.failed[0]?.message).toMatch(/^w01 has no connection method to legacy; /);
  });

  it('a group of one server keeps that server\'s own sentence', () => {
    const scenario: Scenario = { servers: [linuxServer('lin', '10.1.0.30'), windowsServer('old', '10.1.0.31', { managed: false })], vms: [windowsVm('a', '10.1.5.1')], job: { proxy: { mode: 'preferred', servers: ['lin', 'old'], fallback: 'fail' } } };
    const { findings } = explanationOf(scenario, 'a');
    expect(findings).toEqual([
      { rule: 'windows-guest-needs-windows-server', message: 'a runs Windows and lin runs linux', servers: ['lin'] },
      { rule: 'managed-server-required', message: 'old is not a managed server', servers: ['old'] },
    ]);
  });

  it('shows only the connection methods of the VM\'s own platform', () => {
    const vmware = explanationOf({ servers: [], vms: [windowsVm('a', null, { tools: false })] }, 'a');
    expect(vmware.rootCause).toContain('vix: vm.tools is false (needs true)');
    expect(vmware.rootCause).not.toContain('powershell-direct');
    expect(vmware.findings[0]?.message).not.toContain('PowerShell Direct');
    const hyperv = explanationOf(legacy, 'legacy');
    expect(hyperv.rootCause).not.toContain('vix');
    expect(hyperv.findings[0]?.message).not.toContain('VIX');
  });

  it('names the exclude rule that kept every candidate out, with its values', () => {
    const scenario: Scenario = { servers: [linuxServer('vbr', '10.1.0.5'), linuxServer('lin', '10.1.0.30')], vms: [windowsVm('a', '10.1.5.1')] };
    const explanation = explanationOf(scenario, 'a');
    expect(explanation.rootCause).toBe('every candidate fails windows-guest-needs-windows-server: a runs Windows and the server runs linux');
    expect(explanation.findings).toEqual([{ rule: 'windows-guest-needs-windows-server', message: 'a runs Windows and the server runs linux', servers: ['vbr', 'lin'] }]);
  });

  it('tier-required names the facts its tier rules read and their values', () => {
    const scenario: Scenario = { servers: [windowsServer('w', '10.1.0.20')], vms: [windowsVm('a', '10.1.5.1')], options: { ruleChanges: [{ origin: 'no-tiers', disable: ['tier-1-same-network', 'tier-2-same-network-backup-server', 'tier-3-other-network', 'tier-4-other-network-backup-server'] }] } };
    const explanation = explanationOf(scenario, 'a');
    expect(explanation.candidates[1]?.failed).toEqual([{ rule: 'tier-required', message: 'no tier rule applies to w for a (there are no tier rules)' }]);
    const oneTier: Scenario = { ...scenario, options: { ruleChanges: [{ origin: 'one-tier', disable: ['tier-1-same-network', 'tier-2-same-network-backup-server', 'tier-4-other-network-backup-server'] }] } };
    expect(explanationOf(oneTier, 'a').candidates[1]?.failed).toEqual([
      { rule: 'tier-required', message: 'no tier rule applies to w for a (pair.sameNetwork true, server.isBackupServer false)' },
    ]);
  });
});

describe('explain grammar', () => {
  it('"1 of 1 candidate is eligible", "2 of 3 candidates are eligible"', () => {
    const one = explanationOf({ servers: [windowsServer('vbr', '10.1.0.5')], vms: [windowsVm('a', '10.1.5.1')] }, 'a');
    expect(one.because[0]).toBe('1 of 1 candidate is eligible; the lowest tier among them is 2 (tier-2-same-network-backup-server).');
    const two = explanationOf({ servers: [windowsServer('w', '10.1.0.20'), linuxServer('lin', '10.1.0.30')], vms: [windowsVm('a', '10.1.5.1')] }, 'a');
    expect(two.because[0]).toBe('2 of 3 candidates are eligible; the lowest tier among them is 1 (tier-1-same-network).');
  });
});

describe('plan and explain say which rules applied', () => {
  const siteRule = {
    name: 'prefer-same-site', description: 'Same site ranks first.',
    conditions: { all: [{ fact: 'pair.sameSite', operator: 'equal', value: true }, { fact: 'server.isBackupServer', operator: 'equal', value: false }] },
    event: { type: 'tier', params: { tier: 0 } },
  };
  const replaced = { ...siteRule, name: 'hardened-repository-excluded', description: 'Never hardened.', conditions: { all: [{ fact: 'server.hardened', operator: 'equal', value: true }] }, event: { type: 'exclude', params: { message: '{server.id} is hardened (ours)' } } };
  const scenario: Scenario = {
    servers: [windowsServer('w', '10.1.0.20'), linuxServer('repo', '10.1.0.30', { hardened: true })],
    vms: [windowsVm('a', '10.1.5.1')],
    options: { ruleChanges: [{ origin: 'org-rules.yaml', add: [siteRule as never], replace: [replaced as never] }] },
  };
  it('the plan lists the rule packs, the rules files and the rules they added or replaced', () => {
    expect(planOf(scenario).rules).toEqual({
      packs: ['gipkit:default'],
      files: ['org-rules.yaml'],
      changed: [
        { rule: 'hardened-repository-excluded', change: 'replaced', file: 'org-rules.yaml' },
        { rule: 'prefer-same-site', change: 'added', file: 'org-rules.yaml' },
      ],
    });
    expect(planOf({ ...scenario, options: {} }).rules).toEqual({ packs: ['gipkit:default'], files: [], changed: [] });
  });
  it('explain marks a rule the organisation added where it names it', () => {
    const explanation = explanationOf(scenario, 'a');
    expect(explanation.rules.changed.map((changed) => changed.rule)).toContain('prefer-same-site');
    expect(explanation.because[0]).toBe('2 of 3 candidates are eligible; the lowest tier among them is 0 (prefer-same-site, added by org-rules.yaml).');
    expect(explanation.findings).toContainEqual({ rule: 'hardened-repository-excluded', message: 'repo is hardened (ours)', servers: ['repo'] });
  });
});

describe('explain root cause across different servers', () => {
  it('names the conditions every candidate fails, not those of the first candidate only', () => {
    const scenario: Scenario = {
      servers: [windowsServer('vbr', '10.1.0.5', { powershell: undefined }), windowsServer('w', '10.2.0.20')],
      vms: [windowsVm('legacy', null, { host: 'hv2019', guest: { family: 'windows', version: '2012 R2' } })],
    };
    const { rootCause } = explanationOf(scenario, 'legacy');
    expect(rootCause).toBe(
      'no server can connect to legacy: lan: vm.addressKnown is false (needs true); powershell-direct: vm.guestVersion is 2012 R2 (needs one of 10, 11), and vm.guestVersion is 2012 R2 (needs 2016 or later)',
    );
    expect(rootCause).not.toContain('server.powershell');
  });
});
