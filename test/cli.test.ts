import { describe, expect, it } from 'vitest';
import { gipkit, tempFiles } from './cli-harness.js';

const INVENTORY = `
backupServer: vbr
networks:
  - { id: hq, site: hq, cidrs: [10.1.0.0/16] }
  - { id: dmz, cidrs: [10.99.0.0/24], isolated: true }
hosts:
  - { id: esx, platform: vmware, version: "8.0" }
servers:
  - { id: vbr, os: { family: windows }, addresses: [10.1.0.5] }
  - { id: win-hq, os: { family: windows }, addresses: [10.1.0.20], runningTasks: 1 }
  - { id: lin-hq, os: { family: linux, distro: ubuntu }, addresses: [10.1.0.21] }
vms:
  - { id: sql, host: esx, guest: { family: windows, version: "2019" }, addresses: [10.1.5.20] }
  - { id: web, host: esx, guest: { family: linux }, addresses: [10.1.5.21] }
  - { id: dmz-box, host: esx, guest: { family: linux }, addresses: [10.99.0.7], tools: false }
`;
const JOB = `
id: nightly
vms: [sql, web]
guestProcessing: { applicationAware: true }
credentials: { kind: standard, account: 'CORP\\backup' }
`;
const JOB_WITH_UNREACHABLE = JOB.replace('vms: [sql, web]', 'vms: [sql, web, dmz-box]');

describe('gipkit plan', () => {
  it('prints the JSON contract: job, decisions in job order, summary', () => {
    const files = tempFiles({ 'inventory.yaml': INVENTORY, 'job.yaml': JOB });
    const result = gipkit('plan', '--inventory', files['inventory.yaml']!, '--job', files['job.yaml']!, '--format', 'json');
    expect(result.code).toBe(0);
    const plan = JSON.parse(result.stdout);
    expect(plan.job).toBe('nightly');
    expect(plan.decisions).toEqual([
      { vm: 'sql', status: 'assigned', proxy: 'win-hq', tier: 1, connection: 'lan', load: 1 },
      { vm: 'web', status: 'assigned', proxy: 'lin-hq', tier: 1, connection: 'lan', load: 0 },
    ]);
    expect(plan.summary).toMatchObject({ vms: 2, assigned: 2, unassigned: 0, perProxy: { 'win-hq': 1, 'lin-hq': 1 } });
  });

  it('prints a table by default', () => {
    const files = tempFiles({ 'inventory.yaml': INVENTORY, 'job.yaml': JOB });
    const result = gipkit('plan', '--inventory', files['inventory.yaml']!, '--job', files['job.yaml']!);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/VM\s+STATUS\s+PROXY\s+TIER\s+CONNECTION\s+LOAD/);
    expect(result.stdout).toMatch(/sql\s+assigned\s+win-hq\s+1\s+lan\s+1/);
    expect(result.stdout).toContain('2 VMs, 2 assigned');
  });

  it('exits 0 with unassigned VMs, and 3 with --strict', () => {
    const files = tempFiles({ 'inventory.yaml': INVENTORY, 'job.yaml': JOB_WITH_UNREACHABLE });
    const args = ['plan', '--inventory', files['inventory.yaml']!, '--job', files['job.yaml']!, '--format', 'json'];
    const relaxed = gipkit(...args);
    expect(relaxed.code).toBe(0);
    const decision = JSON.parse(relaxed.stdout).decisions[2];
    expect(decision).toMatchObject({ vm: 'dmz-box', status: 'unassigned', proxy: null, tier: null, connection: null, load: null });
    expect(decision.reasons).toEqual([
      {
        rule: 'connection-method-required',
        candidates: 3,
        example: { server: 'vbr', message: expect.stringContaining('vbr has no connection method to dmz-box; LAN: dmz-box has no known address, or shares no network with vbr while one side is isolated (VM networks: dmz; server networks: hq)') },
      },
    ]);
    expect(gipkit(...args, '--strict').code).toBe(3);
  });

  it('bad input exits 2 before planning, one line per problem with file, line:column, path and value', () => {
    const files = tempFiles({
      'inventory.yaml': INVENTORY.replace('host: esx, guest: { family: linux }, addresses: [10.1.5.21]', 'host: esx9, guest: { family: linux }, addresses: [10.1.5.321]'),
      'job.yaml': JOB.replace('vms: [sql, web]', 'vms: [sql, web, ghost]') + 'proxy: { mode: preferred, servers: [nobody] }\n',
    });
    const result = gipkit('plan', '--inventory', files['inventory.yaml']!, '--job', files['job.yaml']!, '--format', 'json');
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    const lines = result.stderr.trim().split('\n').slice(1).map((line) => line.trim());
    expect(lines).toEqual([
      `${files['inventory.yaml']}:14:22: vms[1].host: unknown host (found "esx9")`,
      `${files['inventory.yaml']}:14:66: vms[1].addresses[0]: malformed IP address (found "10.1.5.321")`,
      `${files['job.yaml']}:3:17: vms[2]: unknown VM: not in the inventory (found "ghost")`,
      `${files['job.yaml']}:6:37: proxy.servers[0]: preferred server is not among the servers (found "nobody")`,
    ]);
  });

  it('a usage error exits 2 with the command help', () => {
    const result = gipkit('plan', '--inventory', 'x.yaml');
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('missing --job');
    expect(result.stderr).toContain('Usage: gipkit plan');
  });

  it('--rules applies an organisation rules file', () => {
    const files = tempFiles({
      'inventory.yaml': INVENTORY,
      'job.yaml': JOB,
      'rules.yaml': `
add:
  - name: never-linux-proxies
    description: This organisation uses Windows proxies only.
    conditions: { all: [ { fact: server.osFamily, operator: equal, value: linux } ] }
    event: { type: exclude, params: { message: "{server.id} runs Linux" } }
`,
    });
    const result = gipkit('plan', '--inventory', files['inventory.yaml']!, '--job', files['job.yaml']!, '--rules', files['rules.yaml']!, '--format', 'json');
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout).decisions[1]).toMatchObject({ vm: 'web', proxy: 'win-hq', tier: 1, load: 2 });
  });
});

describe('gipkit explain', () => {
  it('lists every candidate with verdict, failed rules with actual values, tier, load, and why the winner won', () => {
    const files = tempFiles({ 'inventory.yaml': INVENTORY, 'job.yaml': JOB });
    const result = gipkit('explain', '--inventory', files['inventory.yaml']!, '--job', files['job.yaml']!, '--vm', 'sql', '--format', 'json');
    expect(result.code).toBe(0);
    const explanation = JSON.parse(result.stdout);
    expect(explanation.decision).toMatchObject({ vm: 'sql', proxy: 'win-hq', tier: 1 });
    expect(explanation.candidates).toEqual([
      expect.objectContaining({ server: 'vbr', verdict: 'eligible', tier: 2, load: 0, isBackupServer: true }),
      expect.objectContaining({ server: 'win-hq', verdict: 'chosen', tier: 1, load: 1, methods: ['lan', 'vix'] }),
      expect.objectContaining({
        server: 'lin-hq',
        verdict: 'ineligible',
        failed: [{ rule: 'windows-guest-needs-windows-server', message: 'sql runs Windows and lin-hq runs linux' }],
      }),
    ]);
    expect(explanation.because.join(' ')).toContain('lowest tier among them is 1');
  });

  it('prints text by default and exits 2 for a VM that is not in the job', () => {
    const files = tempFiles({ 'inventory.yaml': INVENTORY, 'job.yaml': JOB });
    const text = gipkit('explain', '--inventory', files['inventory.yaml']!, '--job', files['job.yaml']!, '--vm', 'web');
    expect(text.code).toBe(0);
    expect(text.stdout).toContain('VM web in job nightly: assigned → lin-hq');
    expect(text.stdout).toContain('Why:');
    const missing = gipkit('explain', '--inventory', files['inventory.yaml']!, '--job', files['job.yaml']!, '--vm', 'dmz-box');
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('VM dmz-box is not in job nightly');
  });
});

describe('gipkit validate and schema', () => {
  it('validate exits 0 on valid input and 2 on invalid', () => {
    const files = tempFiles({ 'inventory.yaml': INVENTORY, 'job.yaml': JOB, 'bad.json': '{"id": "x", "vms": [1]}' });
    const valid = gipkit('validate', '--inventory', files['inventory.yaml']!, '--job', files['job.yaml']!);
    expect(valid.code).toBe(0);
    expect(valid.stdout).toContain('valid: 3 servers, 3 VMs, job nightly with 2 VMs');
    const invalid = gipkit('validate', '--inventory', files['inventory.yaml']!, '--job', files['bad.json']!);
    expect(invalid.code).toBe(2);
    expect(invalid.stderr).toContain(`${files['bad.json']}:1:21: vms[0]:`);
    expect(invalid.stderr).toContain(`${files['bad.json']}:1:1: credentials: missing`);
  });

  it('schema prints JSON Schemas that an editor can use', () => {
    const inventory = JSON.parse(gipkit('schema', 'inventory').stdout);
    expect(inventory.required).toEqual(['backupServer', 'hosts', 'servers', 'vms']);
    expect(inventory.properties.servers.items.properties.os.properties.family.enum).toEqual(['windows', 'linux']);
    const both = JSON.parse(gipkit('schema').stdout);
    expect(Object.keys(both.$defs)).toEqual(['inventory', 'job', 'rules']);
    expect(gipkit('schema', 'nope').code).toBe(2);
  });

  it('gipkit schema rules prints the JSON Schema of organisation rules files, with help on every property', () => {
    const result = gipkit('schema', 'rules');
    expect(result.code).toBe(0);
    const rules = JSON.parse(result.stdout);
    expect(rules.title).toBe('gipkit rules file');
    expect(Object.keys(rules.properties)).toEqual(['add', 'replace', 'disable']);
    const rule = rules.properties.add.items;
    expect(rule.required).toEqual(['name', 'description', 'conditions', 'event']);
    expect(rule.properties.event.description).toContain('What the rule does');
  });
});

describe('hardening 19: an empty inventory', () => {
  it('hardening 19: reports "the inventory has no VMs" once, with no unknown VM per job entry', () => {
    const files = tempFiles({ 'inventory.yaml': INVENTORY.replace(/vms:\n[\s\S]*$/, 'vms: []\n'), 'job.yaml': JOB });
    const result = gipkit('validate', '--inventory', files['inventory.yaml']!, '--job', files['job.yaml']!);
    expect(result.code).toBe(2);
    const lines = result.stderr.trim().split('\n').slice(1).map((line) => line.trim());
    expect(lines).toEqual([`${files['inventory.yaml']}:12:6: vms: the inventory has no VMs`]);
    expect(result.stderr).not.toContain('unknown VM');
  });
});
