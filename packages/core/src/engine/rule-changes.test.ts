import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RuleError } from '@gipkit/plugin-api';
import { createGipkit } from '../index.js';
import { smallInventory, smallJob } from './engine.fixture.js';

function rulesFile(text: string, name = 'org-rules.yaml'): string {
  const file = join(mkdtempSync(join(tmpdir(), 'gipkit-rules-')), name);
  writeFileSync(file, text);
  return file;
}

const NEVER_WAN = `
add:
  - name: never-wan-accelerators
    description: WAN accelerators never act as guest interaction proxy.
    conditions: { all: [ { fact: server.roles, operator: contains, value: wan-accelerator } ] }
    event: { type: exclude, params: { message: "{server.id} is a WAN accelerator (roles: {server.roles})" } }
`;

describe('organisation rules files', () => {
  it('never-wan-accelerators: an added exclude rule keeps WAN accelerators out', () => {
    const before = createGipkit();
    const input = before.validateInput({ inventory: smallInventory, job: smallJob });
    expect(before.plan(input).decisions[1]).toMatchObject({ vm: 'app-branch', proxy: 'wan-branch' });
    const after = createGipkit({ ruleFiles: [rulesFile(NEVER_WAN)] });
    expect(after.plan(input).decisions[1]).toMatchObject({ vm: 'app-branch', proxy: 'win-branch', tier: 1, load: 3 });
    const explanation = after.explain(input, 'app-branch');
    expect(explanation.candidates.find((c) => c.server === 'wan-branch')?.failed).toEqual([
      { rule: 'never-wan-accelerators', message: 'wan-branch is a WAN accelerator (roles: wan-accelerator)' },
    ]);
  });

  it('prefer-same-site: a tier rule ranks same-site servers over the backup server', () => {
    const inventory = {
      ...smallInventory,
      networks: [...smallInventory.networks, { id: 'hq-servers', site: 'hq', cidrs: ['10.3.0.0/16'] }],
      servers: [
        { id: 'vbr', os: { family: 'windows' }, addresses: ['10.1.0.5'] },
        { id: 'win-hq', os: { family: 'windows' }, addresses: ['10.3.0.20'] },
      ],
    };
    const input = createGipkit().validateInput({ inventory, job: { ...smallJob, vms: ['app-hq'] } });
    expect(createGipkit().plan(input).decisions[0]).toMatchObject({ proxy: 'vbr', tier: 2 });
    const preferSite = rulesFile(`
add:
  - name: prefer-same-site
    description: A server of the VM's site ranks with servers of its network, above the backup server.
    conditions: { all: [ { fact: pair.sameSite, operator: equal, value: true }, { fact: server.isBackupServer, operator: equal, value: false } ] }
    event: { type: tier, params: { tier: 1 } }
`);
    expect(createGipkit({ ruleFiles: [preferSite] }).plan(input).decisions[0]).toMatchObject({ proxy: 'win-hq', tier: 1 });
  });

  it('replace and disable change default rules by name', () => {
    const input = createGipkit().validateInput({
      inventory: { ...smallInventory, servers: [...smallInventory.servers, { id: 'lin-hq', os: { family: 'linux' }, addresses: ['10.1.0.9'] }] },
      job: { ...smallJob, vms: ['app-hq'] },
    });
    const file = rulesFile(`
disable: [windows-guest-needs-windows-server]
replace:
  - name: tier-1-same-network
    description: Same network, not the backup server, Linux first.
    conditions: { all: [ { fact: pair.sameNetwork, operator: equal, value: true }, { fact: server.osFamily, operator: equal, value: linux } ] }
    event: { type: tier, params: { tier: 1 } }
`);
    const gipkit = createGipkit({ ruleFiles: [file] });
    expect(gipkit.rules.map((rule) => rule.name)).not.toContain('windows-guest-needs-windows-server');
    expect(gipkit.plan(input).decisions[0]).toMatchObject({ proxy: 'lin-hq', tier: 1 });
  });

  it('a bad rules file lists every problem with file, line:column and value, before any planning', () => {
    const file = rulesFile(`add:
  - name: tier-1-same-network
    description: duplicate of a default rule
    conditions: { all: [ { fact: server.roles, operator: contains, value: x } ] }
    event: { type: exclude, params: { message: "x" } }
  - name: typo
    description: unknown fact
    conditions: { all: [ { fact: server.rolez, operator: contains, value: x } ] }
    event: { type: exclude, params: { message: "x" } }
disable: [no-such-rule]
`);
    try {
      createGipkit({ ruleFiles: [file] });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(RuleError);
      const lines = (error as RuleError).diagnostics.map((d) => `${d.file}:${d.line}:${d.column}: ${d.path}: ${d.message} ${JSON.stringify(d.value)}`);
      expect(lines).toEqual([
        `${file}:2:11: add[0].name: a rule of this name exists (gipkit:default rules[11]); use replace "tier-1-same-network"`,
        `${file}:8:34: add[1].conditions.all[0].fact: unknown fact; did you mean "server.roles"? "server.rolez"`,
        `${file}:10:11: disable[0]: no rule of this name to disable "no-such-rule"`,
      ]);
    }
  });
});

describe('validate rules files (issue #8)', () => {
  const problemsOf = (ruleFiles: string[]): string[] => {
    try {
      createGipkit({ ruleFiles });
    } catch (error) {
      if (!(error instanceof RuleError)) throw error;
      return error.diagnostics.map((d) => `${d.file.split('/').pop() ?? ''}:${d.line}: ${d.path}: ${d.message}`);
    }
    return [];
  };

  it('reports the problems of every file even when one file does not parse', () => {
    const broken = rulesFile('disable: [ lan-connection\n', 'broken.yaml');
    const typo = rulesFile('disable: [ tier-1-same-netwrk ]\n', 'typo.yaml');
    const found = problemsOf([broken, typo]);
    expect(found).toHaveLength(2);
    expect(found[0]).toMatch(/^broken\.yaml:2: : invalid YAML: /);
    expect(found[1]).toBe('typo.yaml:1: disable[0]: no rule of this name to disable; did you mean "tier-1-same-network"?');
  });

  it('a misspelt top-level key does not hide the problems of the rules under the other keys', () => {
    const file = rulesFile(`disabel: [ x ]
add:
  - name: typo
    description: misspelt fact, operator and key
    conditions: { all: [ { fact: vm.guestFamly, operator: equl, value: windows }, { fact: vm.tools, operator: not:equl, value: true } ] }
    event: { type: exlude, params: { message: x } }
    priorty: 2
replace:
  - { name: tier-1-same-netwrk, description: d, conditions: { all: [] }, event: { type: tier, params: { tier: 1 } } }
`);
    expect(problemsOf([file])).toEqual([
      'org-rules.yaml:1: disabel: unknown key; expected add, replace or disable; did you mean "disable"?',
      'org-rules.yaml:7: add[0].priorty: unknown key in a rule; did you mean "priority"?',
      'org-rules.yaml:5: add[0].conditions.all[0].fact: unknown fact; did you mean "vm.guestFamily"?',
      'org-rules.yaml:5: add[0].conditions.all[0].operator: unknown operator; did you mean "equal"?',
      'org-rules.yaml:5: add[0].conditions.all[1].operator: unknown operator; did you mean "not:equal"?',
      'org-rules.yaml:6: add[0].event.type: event type must be one of job-outcome, exclude, method, tier; did you mean "exclude"?',
      'org-rules.yaml:9: replace[0].name: no rule of this name to replace; did you mean "tier-1-same-network"?',
    ]);
  });

  it('"an exclude rule needs params.message", and a misspelt params key is named', () => {
    const file = rulesFile(`add:
  - name: no-message
    description: d
    conditions: { all: [ { fact: vm.tools, operator: equal, value: true } ] }
    event: { type: exclude, params: { mesage: x } }
`);
    expect(problemsOf([file])).toEqual([
      'org-rules.yaml:5: add[0].event.params.message: an exclude rule needs params.message (a non-empty string); params.mesage looks like a misspelling of it',
    ]);
  });
});
