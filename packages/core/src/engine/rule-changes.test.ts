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
        `${file}:8:34: add[1].conditions.all[0].fact: unknown fact "server.rolez"`,
        `${file}:10:11: disable[0]: no rule of this name to disable "no-such-rule"`,
      ]);
    }
  });
});
