import { describe, expect, it } from 'vitest';
import { gipkit, tempFiles } from './cli-harness.js';

// Issue #7, points 8, 10, 15 and 17: input files may be crafted. YAML aliases
// cannot blow up or hide a secret's name, JSON cannot say a key twice, a
// problem in a large file is found without a second document, and numbers
// JSON cannot write are shown as they are.

const INVENTORY = `backupServer: vbr
hosts: [ { id: esx, platform: vmware, version: "8.0" } ]
servers:
  - { id: vbr, os: { family: windows }, addresses: [10.1.0.5] }
  - { id: win, os: { family: windows }, addresses: [10.1.0.20] }
vms:
  - { id: a, host: esx, guest: { family: windows }, addresses: [10.1.5.1] }
`;
const JOB = `id: nightly
vms: [a]
credentials: { kind: standard, account: 'CORP\\backup' }
`;
const NO_STACK = /^\s+at .+:\d+:\d+\)?$/m;

function validate(files: Record<string, string>, inventory = 'inventory.yaml', job = 'job.yaml') {
  return gipkit('validate', '--inventory', files[inventory]!, '--job', files[job]!);
}

describe('hardening 8: YAML aliases', () => {
  it('hardening 8: an alias bomb (a billion laughs) exits 2 at the alias that goes over the budget, no stack trace', () => {
    const levels = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
    for (let level = 1; level < 9; level++) {
      const previous = String.fromCharCode(96 + level);
      levels.push(`${String.fromCharCode(97 + level)}: &${String.fromCharCode(97 + level)} [${Array(10).fill(`*${previous}`).join(', ')}]`);
    }
    const files = tempFiles({ 'inventory.yaml': `${INVENTORY}bomb:\n${levels.map((line) => `  ${line}`).join('\n')}\n`, 'job.yaml': JOB });
    const result = validate(files);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(new RegExp(`^gipkit validate: invalid input \\(1 problem\\):\\n  ${files['inventory.yaml']}:\\d+:\\d+: bomb\\.\\w\\[\\d\\]: aliases expand the document beyond 1000000 values\\n$`));
    expect(result.stderr).not.toMatch(NO_STACK);
  });

  it('hardening 8: an alias to an anchor never defined, in a secret field, is reported at the alias without its name', () => {
    const job = `${JOB.replace("account: 'CORP\\backup' }", "account: 'CORP\\backup', secret: *hunter2-is-my-password }")}`;
    const files = tempFiles({ 'inventory.yaml': INVENTORY, 'job.yaml': job });
    const result = validate(files);
    expect(result.code).toBe(2);
    const column = job.split('\n')[2]!.indexOf('*') + 1;
    expect(result.stderr).toBe(`gipkit validate: invalid input (1 problem):\n  ${files['job.yaml']}:3:${column}: credentials.secret: alias to an anchor not defined before it\n`);
    expect(result.stderr).not.toContain('hunter2');
  });

  it('hardening 8: an alias to the value that holds it (a: &x [*x]) is refused at the alias', () => {
    const files = tempFiles({ 'inventory.yaml': `${INVENTORY}loop: &x [*x]\n`, 'job.yaml': JOB });
    const result = validate(files);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(`gipkit validate: invalid input (1 problem):\n  ${files['inventory.yaml']}:8:11: loop[0]: alias to a value that contains it\n`);
  });

  it('hardening 8: an honest anchor used by 5,000 VMs loads and plans every VM', () => {
    const vms = Array.from({ length: 5000 }, (_, i) => `  - { id: vm-${i}, host: esx, guest: *guest, addresses: [10.1.${Math.floor(i / 250)}.${(i % 250) + 1}] }`);
    const inventory = INVENTORY.replace(/vms:\n.*\n$/s, `guestDefaults: &guest { family: windows }\nvms:\n${vms.join('\n')}\n`);
    const files = tempFiles({
      // An anchor outside the schema's keys would be an unknown key: define it on the first VM instead.
      'inventory.yaml': inventory.replace('guestDefaults: &guest { family: windows }\n', '').replace('guest: *guest', 'guest: &guest { family: windows }'),
      'job.yaml': JOB.replace('vms: [a]', `vms: [${vms.map((_, i) => `vm-${i}`).join(', ')}]`),
    });
    const result = gipkit('plan', '--inventory', files['inventory.yaml']!, '--job', files['job.yaml']!, '--format', 'json');
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect((JSON.parse(result.stdout) as { decisions: unknown[] }).decisions).toHaveLength(5000);
  });

  it('hardening 8: YAML nested 20,000 levels deep, in flow or block style, exits 2 with its position, no stack trace', () => {
    for (const deep of [`${'['.repeat(20_000)}${']'.repeat(20_000)}`, `\n${'- '.repeat(20_000)}x`]) {
      const files = tempFiles({ 'inventory.yaml': `${INVENTORY}deep: ${deep}\n`, 'job.yaml': JOB });
      const result = validate(files);
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(new RegExp(`^gipkit validate: invalid input \\(1 problem\\):\\n  ${files['inventory.yaml']}:\\d+:\\d+: invalid YAML: nested more than 256 levels deep\\n$`));
      expect(result.stderr).not.toMatch(NO_STACK);
    }
  });

  it('hardening 8: YAML syntax messages never quote the text (a bad escape in a secret stays unprinted)', () => {
    const job = JOB.replace("account: 'CORP\\backup' }", 'account: "CORP\\qhunter2" }');
    const files = tempFiles({ 'inventory.yaml': INVENTORY, 'job.yaml': job });
    const result = validate(files);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(`gipkit validate: invalid input (1 problem):\n  ${files['job.yaml']}:3:${job.split('\n')[2]!.indexOf('\\q') + 1}: invalid YAML: invalid escape sequence in a double-quoted string\n`);
  });
});

describe('hardening 10: keys given twice in JSON', () => {
  it('hardening 10: "backupServer" and "credentials" given twice are refused, naming the key and both positions, in one report', () => {
    const inventory = JSON.stringify({ backupServer: 'vbr', hosts: [], servers: [{ id: 'vbr', os: { family: 'windows' }, addresses: ['10.1.0.5'] }], vms: [] }, null, 2).replace('"hosts"', '"backupServer": "evil",\n  "hosts"');
    const job = '{\n  "id": "nightly",\n  "vms": [],\n  "credentials": { "kind": "standard", "account": "a" },\n  "credentials": { "kind": "standard", "account": "b" }\n}\n';
    const files = tempFiles({ 'inventory.json': inventory, 'job.json': job });
    const result = validate(files, 'inventory.json', 'job.json');
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(
      'gipkit validate: invalid input (2 problems):\n' +
        `  ${files['inventory.json']}:3:3: backupServer: duplicate key; first at line 2, column 3 (found "backupServer")\n` +
        `  ${files['job.json']}:5:3: credentials: duplicate key; first at line 4, column 3 (found "credentials")\n`,
    );
  });

  it('hardening 10: a key spelled with an escape is the same key; nested mappings are checked too', () => {
    const job = '{"id": "nightly", "vms": [],\n "credentials": {"kind": "standard", "account": "a", "\\u0061ccount": "b"}}';
    const files = tempFiles({ 'inventory.yaml': INVENTORY.replace(/vms:\n.*\n$/s, 'vms: []\n'), 'job.json': job });
    const result = validate(files, 'inventory.yaml', 'job.json');
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(`gipkit validate: invalid input (1 problem):\n  ${files['job.json']}:2:${job.split('\n')[1]!.indexOf('"\\u0061') + 1}: credentials.account: duplicate key; first at line 2, column ${job.split('\n')[1]!.indexOf('"account"') + 1} (found "account")\n`);
  });
});

describe('hardening 15: problems in a large JSON file', () => {
  const estate = (count: number, bad: ReadonlySet<number>): string => {
    const vms = Array.from({ length: count }, (_, i) => ({
      id: `vm-${i}`,
      host: 'esx',
      guest: { family: 'windows' },
      addresses: [bad.has(i) ? `10.1.${i % 250}.999` : `10.${2 + Math.floor(i / 62500)}.${Math.floor(i / 250) % 250}.${(i % 250) + 1}`],
    }));
    return JSON.stringify({ backupServer: 'vbr', hosts: [{ id: 'esx', platform: 'vmware', version: '8.0' }], servers: [{ id: 'vbr', os: { family: 'windows' }, addresses: ['10.1.0.5'] }], vms }, null, 1);
  };

  it('hardening 15: one malformed address among 100,000 VMs is reported at its line:column', () => {
    const text = estate(100_000, new Set([99_990]));
    const files = tempFiles({ 'inventory.json': text, 'job.yaml': 'id: nightly\nvms: []\ncredentials: { kind: standard, account: a }\n' });
    const result = validate(files, 'inventory.json');
    const offset = text.indexOf('"10.1.240.999"');
    const line = text.slice(0, offset).split('\n').length;
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(`gipkit validate: invalid input (1 problem):\n  ${files['inventory.json']}:${line}:5: vms[99990].addresses[0]: malformed IP address (found "10.1.240.999")\n`);
  });

  it('hardening 15: 1,000 problems in one file each get their own line:column', () => {
    const bad = new Set(Array.from({ length: 1000 }, (_, i) => i * 7));
    const text = estate(7000, bad);
    const files = tempFiles({ 'inventory.json': text, 'job.yaml': 'id: nightly\nvms: []\ncredentials: { kind: standard, account: a }\n' });
    const result = validate(files, 'inventory.json');
    expect(result.code).toBe(2);
    const lines = result.stderr.trim().split('\n').slice(1);
    expect(lines).toHaveLength(1000);
    const lineStarts = [0];
    for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) lineStarts.push(i + 1);
    for (const [index, vm] of [...bad].entries()) {
      const value = `"10.1.${vm % 250}.999"`;
      const offset = text.indexOf(value, text.indexOf(`"vm-${vm}"`));
      const line = lineStarts.findLastIndex((start) => start <= offset) + 1;
      expect(lines[index]).toBe(`  ${files['inventory.json']}:${line}:${offset - lineStarts[line - 1]! + 1}: vms[${vm}].addresses[0]: malformed IP address (found ${value})`);
    }
  });
});

describe('hardening 17: NaN and infinity', () => {
  it('hardening 17: NaN and infinity anywhere in an input are reported as NaN and Infinity, not null', () => {
    const inventory = INVENTORY.replace('addresses: [10.1.0.20] }', 'addresses: [10.1.0.20], runningTasks: .nan }').replace('addresses: [10.1.0.5] }', 'addresses: [10.1.0.5], runningTasks: -.inf }');
    const files = tempFiles({ 'inventory.yaml': inventory, 'job.yaml': JOB });
    const result = validate(files);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('servers[0].runningTasks:');
    expect(result.stderr).toContain('(found -Infinity)');
    expect(result.stderr).toContain('(found NaN)');
    expect(result.stderr).not.toContain('null');
  });

  it("hardening 17: the lab file's latencyMs refuses NaN and infinity, naming each", () => {
    for (const [written, shown] of [['.nan', 'NaN'], ['.inf', 'Infinity'], ['-.inf', '-Infinity']] as const) {
      const files = tempFiles({ 'lab.yaml': `latencyMs: ${written}\n` });
      const result = gipkit('run', '--simulate', '--lab', files['lab.yaml']!, '--inventory', 'examples/lab/inventory.yaml', '--job', 'examples/lab/nightly.job.yaml', '--bundle', 'examples/bundles/hello-agent');
      expect(result.code, written).toBe(2);
      expect(result.stderr, written).toMatch(new RegExp(`${files['lab.yaml']}:1:12: latencyMs: expected .+ \\(found ${shown}\\)`));
    }
  });
});
