import { describe, expect, it } from 'vitest';
import { gipkit, tempFiles } from './cli-harness.js';

// Issue #7: input and rules files may be written by an attacker. Ids are data,
// addresses follow one set of rules, nothing printed can fake output, rule
// trees cannot overflow the stack, and messages name only facts they can show.

const RAW_CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]/;

const inventory = (servers: string, vms: string, networks = '[ { id: hq, site: hq, cidrs: [10.1.0.0/16] }, { id: dmz, cidrs: [10.99.0.0/24], isolated: true } ]'): string => `
backupServer: vbr
networks: ${networks}
hosts: [ { id: esx, platform: vmware, version: "8.0" } ]
servers:
  - { id: vbr, os: { family: windows }, addresses: [10.1.0.5], runningTasks: 5 }
${servers}
vms:
${vms}
`;
const job = (vms: string, extra = ''): string => `
id: nightly
vms: ${vms}
guestProcessing: { applicationAware: true }
credentials: { kind: standard, account: 'CORP\\backup' }
${extra}`;

function plan(files: Record<string, string>, ...extra: string[]) {
  return gipkit('plan', '--inventory', files['inventory.yaml']!, '--job', files['job.yaml']!, ...extra);
}

describe('hardening 9: ids that are Object.prototype names are ordinary ids', () => {
  it('hardening 9: gipkit constructor, __proto__, toString and hasOwnProperty print the unknown-command error and exit 2', () => {
    for (const name of ['constructor', '__proto__', 'toString', 'hasOwnProperty']) {
      const result = gipkit(name);
      expect(result.code, name).toBe(2);
      expect(result.stderr, name).toContain(`gipkit: unknown command '${name}'`);
      expect(result.stderr, name).toContain('Usage: gipkit <command>');
    }
  });

  it('hardening 9: a VM named constructor with job-wide gMSA credentials gets what a VM named vm-1 gets', () => {
    const servers = '  - { id: lin, os: { family: linux, distro: ubuntu }, addresses: [10.1.0.21] }\n  - { id: win, os: { family: windows }, addresses: [10.1.0.20], runningTasks: 1 }';
    const vms = ['vm-1', 'constructor', 'toString', '__proto__'].map((id, i) => `  - { id: ${id}, host: esx, guest: { family: linux }, addresses: [10.1.5.${i + 1}] }`).join('\n');
    const files = tempFiles({
      'inventory.yaml': inventory(servers, vms),
      'job.yaml': job('[vm-1, constructor, toString, __proto__]').replace('kind: standard', 'kind: gmsa'),
    });
    const result = plan(files, '--format', 'json');
    expect(result.stderr).toBe('');
    const decisions = JSON.parse(result.stdout).decisions as { vm: string; proxy: string; tier: number; connection: string }[];
    // gMSA needs a Windows proxy: the idle Linux server is never chosen.
    expect(decisions.map((d) => [d.vm, d.proxy, d.tier, d.connection])).toEqual([
      ['vm-1', 'win', 1, 'lan'], ['constructor', 'win', 1, 'lan'], ['toString', 'win', 1, 'lan'], ['__proto__', 'win', 1, 'lan'],
    ]);
  });

  it('hardening 9: a server named __proto__ appears in summary.perProxy and in the table', () => {
    const servers = '  - { id: __proto__, os: { family: windows }, addresses: [10.1.0.20] }\n  - { id: constructor, os: { family: windows }, addresses: [10.1.0.21] }';
    const vms = ['a', 'b', 'c'].map((id, i) => `  - { id: ${id}, host: esx, guest: { family: windows }, addresses: [10.1.5.${i + 1}] }`).join('\n');
    const files = tempFiles({ 'inventory.yaml': inventory(servers, vms), 'job.yaml': job('[a, b, c]') });
    const json = plan(files, '--format', 'json');
    expect(json.code).toBe(0);
    expect(json.stdout).toContain('"perProxy":{"__proto__":2,"constructor":1}');
    expect(plan(files).stdout).toContain('per proxy: __proto__ 2, constructor 1');
  });

  it('hardening 9: vmCredentials: {"__proto__": …} is checked: a VM not in the job is reported, exit 2', () => {
    const vms = '  - { id: a, host: esx, guest: { family: windows }, addresses: [10.1.5.1] }';
    const files = tempFiles({
      'inventory.json': JSON.stringify({
        backupServer: 'vbr',
        hosts: [{ id: 'esx', platform: 'vmware', version: '8.0' }],
        servers: [{ id: 'vbr', os: { family: 'windows' } }],
        vms: [{ id: 'a', host: 'esx', guest: { family: 'windows' } }],
      }),
      'job.json': '{"id":"j","vms":["a"],"credentials":{"kind":"standard","account":"x"},"vmCredentials":{"__proto__":{"kind":"gmsa","account":"g$"}}}',
      'inventory.yaml': inventory('', vms),
      'job.yaml': job('[a]', 'vmCredentials: { __proto__: { kind: gmsa, account: g$ } }'),
    });
    const fromJson = gipkit('plan', '--inventory', files['inventory.json']!, '--job', files['job.json']!);
    expect(fromJson.code).toBe(2);
    expect(fromJson.stderr).toContain(`${files['job.json']}:1:100: vmCredentials.__proto__: credentials for a VM that is not in this job (found "__proto__")`);
    const fromYaml = plan(files);
    expect(fromYaml.code).toBe(2);
    expect(fromYaml.stderr).toContain('vmCredentials.__proto__: credentials for a VM that is not in this job (found "__proto__")');
  });

  it('hardening 9: gipkit run lists a server named __proto__ in its summary', () => {
    const servers = '  - { id: __proto__, os: { family: windows }, addresses: [10.1.0.20] }';
    const vms = '  - { id: a, host: esx, guest: { family: windows }, addresses: [10.1.5.1] }';
    const files = tempFiles({ 'inventory.yaml': inventory(servers, vms), 'job.yaml': job('[a]') });
    const result = gipkit('run', '--simulate', '--inventory', files['inventory.yaml']!, '--job', files['job.yaml']!, '--bundle', 'examples/bundles/hello-agent');
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    // PLANNED 1, DONE 1: the table counts a server named __proto__ like any other.
    expect(result.stdout).toMatch(/^__proto__\s+1\s+1\s+0\s+0\s+0$/m);
  });
});

describe('hardening 11: addresses', () => {
  it('hardening 11: "", "1.2.3.4::", a "/024" prefix and an empty CIDR are malformed: exit 2, each listed', () => {
    const files = tempFiles({
      'inventory.yaml': inventory(
        '  - { id: lin, os: { family: linux }, addresses: [""] }',
        '  - { id: a, host: esx, guest: { family: linux }, addresses: ["1.2.3.4::"] }',
        '[ { id: hq, cidrs: [10.1.0.0/024, ""] } ]',
      ),
      'job.yaml': job('[a]'),
    });
    const result = plan(files);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    const lines = result.stderr.trim().split('\n').slice(1).map((line) => line.trim().replace(`${files['inventory.yaml']}:`, ''));
    expect(lines).toEqual([
      '3:31: networks[0].cidrs[0]: malformed CIDR (found "10.1.0.0/024")',
      '3:45: networks[0].cidrs[1]: malformed CIDR (found "")',
      '7:51: servers[1].addresses[0]: malformed IP address (found "")',
      '9:63: vms[0].addresses[0]: malformed IP address (found "1.2.3.4::")',
    ]);
  });

  it('hardening 11: a VM reported with an IPv4-mapped IPv6 address (::ffff:10.99.0.7) is in the IPv4 network that holds 10.99.0.7', () => {
    const files = tempFiles({
      'inventory.yaml': inventory(
        '  - { id: lin-hq, os: { family: linux, distro: ubuntu }, addresses: [10.1.0.21] }\n  - { id: lin-dmz, os: { family: linux, distro: ubuntu }, addresses: [10.99.0.21], runningTasks: 3 }',
        '  - { id: mapped, host: esx, guest: { family: linux }, addresses: ["::ffff:10.99.0.7"], tools: false }',
      ),
      'job.yaml': job('[mapped]'),
    });
    const result = gipkit('explain', '--inventory', files['inventory.yaml']!, '--job', files['job.yaml']!, '--vm', 'mapped', '--format', 'json');
    expect(result.stderr).toBe('');
    const explanation = JSON.parse(result.stdout);
    // In the isolated DMZ: only the DMZ's own server can reach it over the network.
    expect(explanation.decision).toMatchObject({ vm: 'mapped', status: 'assigned', proxy: 'lin-dmz', connection: 'lan' });
    expect(explanation.candidates.find((c: { server: string }) => c.server === 'lin-hq').verdict).toBe('ineligible');
  });
});

describe('hardening 12: nothing printed can fake output', () => {
  it('hardening 12: ids with control characters (C0, C1) or bidi overrides exit 2; stderr names each escaped, never raw', () => {
    const files = tempFiles({
      'inventory.yaml': inventory('', '  - { id: "a\\e[2J\\e[H", host: esx, guest: { family: windows } }\n  - { id: "b\\u009b2J", host: esx, guest: { family: windows } }\n  - { id: "c\\u202egnp.exe", host: esx, guest: { family: windows } }'),
      'job.yaml': job('["a\\e[2J\\e[H", "b\\u009b2J", "c\\u202egnp.exe"]'),
    });
    const result = plan(files);
    expect(result.code).toBe(2);
    expect(result.stderr).not.toMatch(RAW_CONTROL);
    expect(result.stderr).toContain('vms[0].id: an id may not contain control, format (bidirectional, zero-width) or line-separator characters (found "a\\u001b[2J\\u001b[H")');
    expect(result.stderr).toContain('vms[1].id: an id may not contain control, format (bidirectional, zero-width) or line-separator characters (found "b\\u{9b}2J")');
    expect(result.stderr).toContain('vms[2].id: an id may not contain control, format (bidirectional, zero-width) or line-separator characters (found "c\\u{202e}gnp.exe")');
    expect(result.stderr).toContain('job.yaml:3:7: vms[0]: an id may not contain');
  });

  it('hardening 12: an unknown command with control characters is named escaped', () => {
    const result = gipkit('pl\u001b[2Jan\u202e');
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("gipkit: unknown command 'pl\\u{1b}[2Jan\\u{202e}'");
    expect(result.stderr).not.toMatch(RAW_CONTROL);
  });

  it('hardening 12: rule messages, method names and fact values with control characters are escaped in plan, explain and JSON output', () => {
    const files = tempFiles({
      'inventory.yaml': inventory(
        '  - { id: lin, os: { family: linux, distro: "ubuntu\\e[2J", version: "22\\u2028fake" }, addresses: [10.1.0.21] }',
        '  - { id: a, host: esx, guest: { family: windows }, addresses: [10.1.5.1] }\n  - { id: b, host: esx, guest: { family: linux }, addresses: [10.99.0.9], tools: false }',
      ),
      'job.yaml': job('[a, b]'),
      'rules.yaml': `
add:
  - name: no-odd-distros
    description: Servers with odd distributions are kept out.
    conditions: { all: [ { fact: server.osFamily, operator: equal, value: linux } ] }
    event: { type: exclude, params: { message: "{server.id} runs {server.distro} {server.osVersion}\\u0085\\e[31m" } }
  - name: odd-method
    description: A method whose name holds an escape.
    priority: 100
    conditions: { all: [ { fact: server.isBackupServer, operator: equal, value: true }, { fact: vm.guestFamily, operator: equal, value: windows } ] }
    event: { type: method, params: { method: "lan\\e[8m", kind: network } }
`,
    });
    const args = ['--inventory', files['inventory.yaml']!, '--job', files['job.yaml']!, '--rules', files['rules.yaml']!];
    const table = gipkit('plan', ...args);
    expect(table.code).toBe(0);
    expect(table.stdout).not.toMatch(RAW_CONTROL);
    expect(table.stdout).toContain('lan\\u{1b}[8m');
    const json = gipkit('plan', ...args, '--format', 'json');
    expect(json.stdout).not.toMatch(RAW_CONTROL);
    const reasons = JSON.parse(json.stdout).decisions[1].reasons as { rule: string; example: { message: string } }[];
    expect(reasons.find((reason) => reason.rule === 'no-odd-distros')?.example.message).toBe('lin runs ubuntu\u001b[2j 22\u2028fake\u0085\u001b[31m');
    const explain = gipkit('explain', ...args, '--vm', 'a');
    expect(explain.code).toBe(0);
    expect(explain.stdout).not.toMatch(RAW_CONTROL);
    expect(explain.stdout).toContain('lin: no-odd-distros [added]: lin runs ubuntu\\u{1b}[2j 22\\u{2028}fake\\u{85}\\u{1b}[31m');
  });
});

describe('hardening 13: deep rule trees', () => {
  const deepRule = (levels: number): string =>
    `{"add":[{"name":"deep","description":"a rule nested too deep",\n"conditions":{"all":[${'{"not":'.repeat(levels)}{"fact":"vm.id","operator":"equal","value":"x"}${'}'.repeat(levels)}]},"event":{"type":"exclude","params":{"message":"m"}}}]}`;

  it("hardening 13: a rules file with a 20,000-deep not chain exits 2 with the rule's file:line:column", () => {
    const files = tempFiles({
      'inventory.yaml': inventory('', '  - { id: a, host: esx, guest: { family: windows }, addresses: [10.1.5.1] }'),
      'job.yaml': job('[a]'),
      'deep.rules.json': deepRule(20_000),
    });
    const result = gipkit('validate', '--inventory', files['inventory.yaml']!, '--job', files['job.yaml']!, '--rules', files['deep.rules.json']!);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(`gipkit validate: invalid rules (1 problem):\n  ${files['deep.rules.json']}:2:14: add[0].conditions: conditions nest all, any and not more than 64 levels deep\n`);
  });

  it('hardening 13: a chain of operator decorators exits 2 naming the operator', () => {
    const files = tempFiles({
      'inventory.yaml': inventory('', '  - { id: a, host: esx, guest: { family: windows }, addresses: [10.1.5.1] }'),
      'job.yaml': job('[a]'),
      'rules.yaml': `
add:
  - name: chained
    description: Decorators on decorators.
    conditions: { all: [ { fact: server.packages, operator: "not:someFact:equal", value: samba } ] }
    event: { type: exclude, params: { message: no } }
`,
    });
    const result = gipkit('validate', '--inventory', files['inventory.yaml']!, '--job', files['job.yaml']!, '--rules', files['rules.yaml']!);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`${files['rules.yaml']}:5:61: add[0].conditions.all[0].operator: operator decorators do not chain: use at most one`);
  });
});

describe('hardening 14: job-outcome messages', () => {
  it('hardening 14: a job-outcome rule whose message names {server.id} is refused at load, exit 2', () => {
    const files = tempFiles({
      'inventory.yaml': inventory('', '  - { id: a, host: esx, guest: { family: windows }, addresses: [10.1.5.1] }'),
      'job.yaml': job('[a]'),
      'rules.yaml': `
add:
  - name: indexing-on-backup-server
    description: Indexing jobs run their guest processing on the backup server.
    conditions: { all: [ { fact: job.applicationAware, operator: equal, value: true } ] }
    event: { type: job-outcome, params: { status: backup-server, message: "{server.id} does it for job {job.id}" } }
`,
    });
    const result = plan(files, '--rules', files['rules.yaml']!);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain(`${files['rules.yaml']}:6:75: add[0].event.params.message: a job-outcome message may name job facts only; {server.id} is a server fact (found "server.id")`);
  });
});
