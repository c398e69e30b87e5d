import { createHash } from 'node:crypto';
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
  it('prints the JSON contract: job, decisions in job order with methods and failover, summary, what it was made from', () => {
    const files = tempFiles({ 'inventory.yaml': INVENTORY, 'job.yaml': JOB });
    const result = gipkit('plan', '--inventory', files['inventory.yaml']!, '--job', files['job.yaml']!, '--format', 'json');
    expect(result.code).toBe(0);
    const plan = JSON.parse(result.stdout);
    expect(plan.job).toBe('nightly');
    const failover = { server: 'vbr', methods: ['lan', 'vix'] };
    expect(plan.decisions).toEqual([
      { vm: 'sql', status: 'assigned', proxy: 'win-hq', tier: 1, connection: 'lan', methods: ['lan', 'vix'], failover, load: 1 },
      { vm: 'web', status: 'assigned', proxy: 'lin-hq', tier: 1, connection: 'lan', methods: ['lan', 'vix'], failover, load: 0 },
    ]);
    expect(plan.summary).toMatchObject({ vms: 2, assigned: 2, unassigned: 0, perProxy: { 'win-hq': 1, 'lin-hq': 1 } });
    // The digests are those sha256sum prints for the files.
    const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');
    expect(plan.madeFrom.inventory).toEqual({ file: files['inventory.yaml'], sha256: sha256(INVENTORY), bytes: Buffer.byteLength(INVENTORY) });
    expect(plan.madeFrom.job).toEqual({ file: files['job.yaml'], sha256: sha256(JOB), bytes: Buffer.byteLength(JOB) });
    expect(plan.madeFrom.rules.packs).toEqual(['gipkit:default']);
    expect(plan.madeFrom.rules.rules).toContainEqual({ rule: 'windows-guest-needs-windows-server', origin: 'gipkit:default' });
    expect(plan.madeFrom.rules.sha256).toMatch(/^[0-9a-f]{64}$/);
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
        example: { server: 'vbr', message: expect.stringContaining('vbr has no connection method to dmz-box; LAN needs a known address of dmz-box and a network shared with the server, unless neither side is isolated (VM networks: dmz): pair.sameNetwork is false (needs true), and vm.isolated is true (needs false)') },
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

describe('issue #8: explain tells the story of an unassigned VM', () => {
  const SEVEN_LINUX = Array.from({ length: 7 }, (_, i) => `  - { id: lin-${i + 1}, os: { family: linux, distro: ubuntu }, addresses: [10.1.0.${i + 30}] }`).join('\n');
  const inventory = INVENTORY.replace('vms:', `${SEVEN_LINUX}\nvms:`).replace('addresses: [10.99.0.7], tools: false }', 'addresses: [10.99.0.7], tools: false }\n  - { id: legacy, host: hv, guest: { family: windows, version: "2012 R2" } }').replace('hosts:', 'hosts:\n  - { id: hv, platform: hyperv, version: "2012 R2" }');
  const job = JOB.replace('vms: [sql, web]', 'vms: [sql, web, legacy]');

  it('begins with the root cause, groups identical reasons and shows only the methods of the VM\'s platform', () => {
    const files = tempFiles({ 'inventory.yaml': inventory, 'job.yaml': job });
    const result = gipkit('explain', '--inventory', files['inventory.yaml']!, '--job', files['job.yaml']!, '--vm', 'legacy');
    expect(result.code).toBe(0);
    const lines = result.stdout.split('\n');
    expect(lines[0]).toBe('VM legacy in job nightly: unassigned');
    expect(lines[1]).toBe(
      'Root cause: no server can connect to legacy: lan: vm.addressKnown is false (needs true); powershell-direct: vm.hostVersion is 2012 R2 (needs 2016 or later), ' +
        'and vm.guestVersion is 2012 R2 (needs one of 10, 11), and vm.guestVersion is 2012 R2 (needs 2016 or later), and server.powershell is none (needs 2.0 or later)',
    );
    expect(lines[2]).toBe('rules: gipkit:default, no rules files');
    const failed = lines.slice(lines.indexOf('Rules failed:') + 1, lines.indexOf('Why:') - 1);
    // 10 servers: each sentence once, with the servers it applies to.
    expect(failed).toEqual([
      expect.stringMatching(/^ {2}10 servers \(vbr, win-hq, lin-hq, lin-1, lin-2, lin-3 and 4 more\): connection-method-required: the server has no connection method to legacy; /),
      '  8 servers (lin-hq, lin-1, lin-2, lin-3, lin-4, lin-5 and 2 more): windows-guest-needs-windows-server: legacy runs Windows and the server runs linux',
    ]);
    expect(result.stdout).not.toContain('VIX');
    expect(result.stdout.match(/has no connection method/g)).toHaveLength(1);
  });

  it('--format json adds rootCause, findings and rules; the existing fields stay', () => {
    const files = tempFiles({ 'inventory.yaml': inventory, 'job.yaml': job });
    const explanation = JSON.parse(gipkit('explain', '--inventory', files['inventory.yaml']!, '--job', files['job.yaml']!, '--vm', 'legacy', '--format', 'json').stdout);
    expect(Object.keys(explanation)).toEqual(['job', 'vm', 'decision', 'rootCause', 'jobRule', 'candidates', 'findings', 'rules', 'because']);
    expect(explanation.rules).toEqual({ packs: ['gipkit:default'], files: [], changed: [] });
    expect(explanation.findings.map((finding: { servers: string[] }) => finding.servers.length)).toEqual([10, 8]);
    expect(explanation.candidates).toHaveLength(10);
  });

  it('plan and explain say which rules files applied, and explain marks a rule the organisation added', () => {
    const files = tempFiles({
      'inventory.yaml': INVENTORY,
      'job.yaml': JOB,
      'org-rules.yaml': `
add:
  - name: never-linux-proxies
    description: This organisation uses Windows proxies only.
    conditions: { all: [ { fact: server.osFamily, operator: equal, value: linux } ] }
    event: { type: exclude, params: { message: "{server.id} runs Linux" } }
replace:
  - name: tier-3-other-network
    description: Same as the default.
    conditions: { all: [ { fact: pair.sameNetwork, operator: equal, value: false }, { fact: server.isBackupServer, operator: equal, value: false } ] }
    event: { type: tier, params: { tier: 3 } }
`,
    });
    const args = ['--inventory', files['inventory.yaml']!, '--job', files['job.yaml']!, '--rules', files['org-rules.yaml']!];
    const rulesLine = `rules: gipkit:default, then ${files['org-rules.yaml']} (added never-linux-proxies; replaced tier-3-other-network)`;
    expect(gipkit('plan', ...args).stdout.split('\n')).toContain(rulesLine);
    expect(JSON.parse(gipkit('plan', ...args, '--format', 'json').stdout).rules).toEqual({
      packs: ['gipkit:default'],
      files: [files['org-rules.yaml']],
      changed: [
        { rule: 'tier-3-other-network', change: 'replaced', file: files['org-rules.yaml'] },
        { rule: 'never-linux-proxies', change: 'added', file: files['org-rules.yaml'] },
      ],
    });
    const text = gipkit('explain', ...args, '--vm', 'web').stdout;
    expect(text.split('\n')[1]).toBe(rulesLine);
    expect(text).toContain('  lin-hq: never-linux-proxies [added]: lin-hq runs Linux');
  });
});

describe('issue #8: validate', () => {
  it('reports the problems of every file, even when one does not parse, in gipkit\'s words with "did you mean"', () => {
    const files = tempFiles({
      'inventory.yaml': INVENTORY.replace('runningTasks: 1 }', 'runningTasks: -1, hardend: true }'),
      'job.yaml': JOB.replace('guestProcessing: { applicationAware: true }', 'guestProcessing: { applicationAware: yes }'),
      'broken.yaml': 'add: [ { name: x\n',
      'typo.yaml': 'disable: [ lan-conection ]\n',
    });
    const result = gipkit('validate', '--inventory', files['inventory.yaml']!, '--job', files['job.yaml']!, '--rules', files['broken.yaml']!, '--rules', files['typo.yaml']!);
    expect(result.code).toBe(2);
    const lines = result.stderr.trimEnd().split('\n');
    expect(lines[0]).toBe('gipkit validate: invalid input and rules (5 problems):');
    expect(lines.slice(1)).toEqual([
      `  ${files['inventory.yaml']}:10:82: servers[1].runningTasks: too small; expected 0 or more (found -1)`,
      `  ${files['inventory.yaml']}:10:86: servers[1].hardend: unknown key; did you mean "hardened"? (found "hardend")`,
      `  ${files['job.yaml']}:4:38: guestProcessing.applicationAware: expected true or false (found "yes")`,
      expect.stringMatching(new RegExp(`^  ${files['broken.yaml']!.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:2:1: invalid YAML: [^\\n]+$`)),
      `  ${files['typo.yaml']}:1:12: disable[0]: no rule of this name to disable; did you mean "lan-connection"? (found "lan-conection")`,
    ]);
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
