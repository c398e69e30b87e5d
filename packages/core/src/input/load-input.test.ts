import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ErrorCode, InputError, RuleError, formatDiagnostic, type Diagnostic } from '@gipkit/plugin-api';
import { createGipkit } from '../index.js';

// Bad input fails before any work, with every problem of both files listed in
// one InputError: file, path, line:column (files) and the value found.

/** Writes an inventory and a job into a fresh folder of the temp dir; returns their paths. */
const folders: string[] = [];
afterAll(() => {
  for (const folder of folders) rmSync(folder, { recursive: true, force: true });
});

function files(inventory: string, job: string, extension = 'yaml'): { inventory: string; job: string } {
  const folder = mkdtempSync(join(tmpdir(), 'gipkit-load-input-'));
  folders.push(folder);
  const paths = { inventory: join(folder, `inventory.${extension}`), job: join(folder, `job.${extension}`) };
  writeFileSync(paths.inventory, inventory);
  writeFileSync(paths.job, job);
  return paths;
}

function inputError(run: () => unknown): InputError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).code).toBe(ErrorCode.InputInvalid);
    return error as InputError;
  }
  throw new Error('expected an InputError');
}

/** Every diagnostic of loading the files, formatted, with the temp folder cut off the file names. */
function problems(paths: { inventory: string; job: string }): string[] {
  const error = inputError(() => createGipkit().loadInput(paths));
  return error.diagnostics.map((diagnostic) => formatDiagnostic(diagnostic).replace(`${dirname(paths.inventory)}/`, ''));
}

const VALID_INVENTORY = `backupServer: vbr
hosts: [ { id: esx, platform: vmware, version: "8.0" } ]
servers: [ { id: vbr, os: { family: windows } } ]
vms: [ { id: a, host: esx, guest: { family: linux } } ]
`;
const VALID_JOB = `id: j
vms: [a]
guestProcessing: { applicationAware: true }
credentials: { kind: standard, account: x }
`;

describe('valid input', () => {
  it('parses YAML and fills every default', () => {
    const { inventory, job } = createGipkit().loadInput(files(VALID_INVENTORY, 'id: j\nvms: [a]\ncredentials: { kind: standard, account: x }\n'));
    expect(inventory).toEqual({
      backupServer: 'vbr',
      license: { kind: 'universal' },
      networks: [],
      hosts: [{ id: 'esx', platform: 'vmware', version: '8.0' }],
      servers: [
        { id: 'vbr', os: { family: 'windows' }, addresses: [], networks: [], roles: [], managed: true, hardened: false, appliance: false, packages: [], runningTasks: 0 },
      ],
      vms: [{ id: 'a', host: 'esx', guest: { family: 'linux' }, addresses: [], networks: [], tools: true }],
    });
    expect(job).toEqual({
      id: 'j',
      vms: ['a'],
      guestProcessing: { applicationAware: false, indexing: false, transactionLogs: false },
      credentials: { kind: 'standard', account: 'x' },
      vmCredentials: {},
      proxy: { mode: 'automatic' },
      inverseProtocolOrder: false,
      onGuestProcessingFailure: 'fail-vm',
      runtimeComponents: 'non-persistent',
    });
    expect('domain' in (inventory.servers[0] ?? {})).toBe(false);
  });

  it('parses JSON the same way, and fills the defaults of networks and preferred selection', () => {
    const inventory = {
      backupServer: 'vbr',
      networks: [{ id: 'hq', cidrs: ['10.1.0.0/16', '2001:db8::/32'] }],
      hosts: [{ id: 'esx', platform: 'vmware', version: '8.0' }],
      servers: [{ id: 'vbr', os: { family: 'windows' }, addresses: ['10.1.0.5', '2001:db8::5', '::ffff:10.1.0.6'] }],
      vms: [{ id: 'a', host: 'esx', guest: { family: 'linux' } }],
    };
    const job = { id: 'j', vms: ['a'], credentials: { kind: 'gmsa', account: 'CORP\\g$' }, proxy: { mode: 'preferred', servers: ['vbr'] } };
    const loaded = createGipkit().loadInput(files(JSON.stringify(inventory), JSON.stringify(job), 'json'));
    expect(loaded.inventory.networks).toEqual([{ id: 'hq', cidrs: ['10.1.0.0/16', '2001:db8::/32'], isolated: false }]);
    expect(loaded.job.proxy).toEqual({ mode: 'preferred', servers: ['vbr'], fallback: 'backup-server' });
    expect(loaded.job.credentials).toEqual({ kind: 'gmsa', account: 'CORP\\g$' });
    const { sources, ...fromFiles } = loaded;
    expect(createGipkit().validateInput({ inventory, job })).toEqual(fromFiles);
    expect(sources?.inventory).toEqual({ file: expect.stringMatching(/inventory\.json$/) as unknown, sha256: createHash('sha256').update(JSON.stringify(inventory)).digest('hex'), bytes: JSON.stringify(inventory).length });
  });

  it('keeps values that are given', () => {
    const { inventory, job } = createGipkit().loadInput(
      files(
        `backupServer: vbr
license: { kind: socket, edition: enterprise-plus }
networks: [ { id: dmz, site: hq, cidrs: [10.99.0.0/24], isolated: true } ]
hosts: [ { id: hv, platform: hyperv, version: "2019" } ]
servers:
  - { id: vbr, os: { family: linux, distro: rhel, version: "9.4" }, managed: false, hardened: true, appliance: true, packages: [libmsi1], domain: corp.example, powershell: "7.4", runningTasks: 3, roles: [repository] }
vms: [ { id: a, host: hv, guest: { family: windows, version: "2019" }, tools: false, networks: [dmz] } ]
`,
        `id: j
vms: [a]
guestProcessing: { indexing: true }
credentials: { kind: standard, account: x }
vmCredentials: { a: { kind: gmsa, account: g, domain: corp.example } }
proxy: { mode: preferred, servers: [vbr], fallback: fail }
inverseProtocolOrder: true
`,
      ),
    );
    expect(inventory.license).toEqual({ kind: 'socket', edition: 'enterprise-plus' });
    expect(inventory.servers[0]).toMatchObject({ managed: false, hardened: true, appliance: true, packages: ['libmsi1'], domain: 'corp.example', powershell: '7.4', runningTasks: 3 });
    expect(inventory.vms[0]).toMatchObject({ tools: false, networks: ['dmz'] });
    expect(job).toMatchObject({
      guestProcessing: { applicationAware: false, indexing: true, transactionLogs: false },
      vmCredentials: { a: { kind: 'gmsa', account: 'g', domain: 'corp.example' } },
      proxy: { mode: 'preferred', servers: ['vbr'], fallback: 'fail' },
      inverseProtocolOrder: true,
    });
  });
});

describe('syntax errors', () => {
  it('invalid YAML: line and column of the error', () => {
    expect(problems(files('backupServer: vbr\nhosts: [\n', VALID_JOB))).toEqual([expect.stringMatching(/^inventory\.yaml:3:1: invalid YAML: /)]);
    expect(problems(files('backupServer: vbr\nhosts: []\nservers: []\nvms: []\n  bad: indent\n', VALID_JOB))).toEqual([expect.stringMatching(/^inventory\.yaml:5:1: invalid YAML: /)]);
  });

  it('a key given twice in YAML is refused, naming the key and where it was first', () => {
    expect(problems(files(VALID_INVENTORY, `${VALID_JOB}id: again\n`))).toEqual(['job.yaml:5:1: id: duplicate key; first at line 1, column 1 (found "id")']);
  });

  it('invalid JSON: line and column of the first offending character', () => {
    expect(problems(files('{\n  "backupServer": "vbr",\n  "hosts": [,]\n}', '{"id": "j", "vms": [], "credentials": {"kind": "standard", "account": "x"}}', 'json'))).toEqual([
      'inventory.json:3:13: invalid JSON: unexpected ","',
    ]);
    expect(problems(files('{"backupServer": "vbr",\n "hosts": []', '{"id": "j",\n "vms": ["a"]\n "credentials": {}}', 'json'))).toEqual([
      'inventory.json:2:13: invalid JSON: unexpected end of file',
      'job.json:3:2: invalid JSON: unexpected "\\""',
    ]);
  });

  it('a syntax error in one file does not hide the shape problems of the other', () => {
    expect(problems(files('backupServer: vbr\nhosts: [\n', 'id: j\nvms: [a]\ncredentials: { kind: standard, account: x }\ncolour: blue\n'))).toEqual([
      expect.stringMatching(/^inventory\.yaml:3:1: invalid YAML: /),
      'job.yaml:4:1: colour: unknown key (found "colour")',
    ]);
  });

  it('a file that cannot be read', () => {
    const paths = files(VALID_INVENTORY, VALID_JOB);
    expect(problems({ ...paths, inventory: `${paths.inventory}.missing` })).toEqual(['inventory.yaml.missing: cannot read the file (ENOENT)']);
  });
});

describe('every problem at once', () => {
  const inventory = `backupServer: nobody
license: { kind: socket, edition: basic }
networks:
  - { id: hq, cidrs: [10.1.0.0/16, 10.1.0.0/99, 10.2.0.0, "fe80::/129"] }
  - { id: hq, cidrs: [10.2.0.0/16], isolatd: true }
hosts:
  - { id: esx, platform: vmwar, version: "8.0" }
  - { id: esx, platform: hyperv, version: "2019" }
servers:
  - { id: s1, os: { family: windows }, addresses: [10.1.0.256, "fe80::1::2", 10.1.0.7], networks: [nowhere] }
  - { id: s2, os: { family: beos } }
  - { id: s1, os: { family: linux }, hardend: true }
vms:
  - { id: a, host: esx2, guest: { family: windows }, addresses: [10.01.0.1], networks: [hq, nowhere] }
  - { id: a, host: esx, guest: { family: solaris } }
`;
  const job = `id: j
vms: [a, ghost, a]
credentials: { kind: standard, account: x }
vmCredentials: { other: { kind: gmsa, account: y } }
proxy: { mode: preferred, servers: [s1, missing], fallbak: fail }
colour: blue
`;

  it('lists every shape and reference problem of the inventory and the job in one InputError, with file, line:column, path and value', () => {
    expect(problems(files(inventory, job))).toEqual([
      // shape: enums, unknown keys, unknown OS families
      'inventory.yaml:2:35: license.edition: unknown value; expected one of standard, enterprise, enterprise-plus (found "basic")',
      'inventory.yaml:5:37: networks[1].isolatd: unknown key; did you mean "isolated"? (found "isolatd")',
      'inventory.yaml:11:29: servers[1].os.family: unknown OS family; expected windows or linux (found "beos")',
      'inventory.yaml:12:38: servers[2].hardend: unknown key; did you mean "hardened"? (found "hardend")',
      'inventory.yaml:15:42: vms[1].guest.family: unknown OS family; expected windows or linux (found "solaris")',
      'job.yaml:5:51: proxy.fallbak: unknown key; did you mean "fallback"? (found "fallbak")',
      'job.yaml:6:1: colour: unknown key (found "colour")',
      // references: duplicate ids, backupServer, CIDRs, platforms, addresses, networks, hosts
      'inventory.yaml:5:11: networks[1].id: duplicate network id; first defined at networks[0] (found "hq")',
      'inventory.yaml:8:11: hosts[1].id: duplicate host id; first defined at hosts[0] (found "esx")',
      'inventory.yaml:12:11: servers[2].id: duplicate server id; first defined at servers[0] (found "s1")',
      'inventory.yaml:15:11: vms[1].id: duplicate VM id; first defined at vms[0] (found "a")',
      'inventory.yaml:1:15: backupServer: backupServer is not among the servers (found "nobody")',
      'inventory.yaml:4:36: networks[0].cidrs[1]: malformed CIDR (found "10.1.0.0/99")',
      'inventory.yaml:4:49: networks[0].cidrs[2]: malformed CIDR (found "10.2.0.0")',
      'inventory.yaml:4:59: networks[0].cidrs[3]: malformed CIDR (found "fe80::/129")',
      'inventory.yaml:7:26: hosts[0].platform: unknown platform; expected one of vmware, hyperv (found "vmwar")',
      'inventory.yaml:10:52: servers[0].addresses[0]: malformed IP address (found "10.1.0.256")',
      'inventory.yaml:10:64: servers[0].addresses[1]: malformed IP address (found "fe80::1::2")',
      'inventory.yaml:10:100: servers[0].networks[0]: unknown network (found "nowhere")',
      'inventory.yaml:14:20: vms[0].host: unknown host (found "esx2")',
      'inventory.yaml:14:66: vms[0].addresses[0]: malformed IP address (found "10.01.0.1")',
      'inventory.yaml:14:93: vms[0].networks[1]: unknown network (found "nowhere")',
      'job.yaml:2:10: vms[1]: unknown VM: not in the inventory (found "ghost")',
      'job.yaml:2:17: vms[2]: VM listed twice; first at vms[0] (found "a")',
      'job.yaml:4:25: vmCredentials.other: credentials for a VM that is not in this job (found "other")',
      'job.yaml:5:41: proxy.servers[1]: preferred server is not among the servers (found "missing")',
    ]);
  });

  it('each diagnostic carries its parts apart: file, path, line, column, message, value', () => {
    const paths = files(inventory, job);
    const { diagnostics, message } = inputError(() => createGipkit().loadInput(paths));
    expect(diagnostics).toHaveLength(26);
    expect(diagnostics.find((d) => d.path === 'vms[0].host')).toEqual<Diagnostic>({
      file: paths.inventory,
      path: 'vms[0].host',
      line: 14,
      column: 20,
      message: 'unknown host',
      value: 'esx2',
    });
    expect(diagnostics.find((d) => d.path === 'proxy.servers[1]')).toEqual<Diagnostic>({
      file: paths.job,
      path: 'proxy.servers[1]',
      line: 5,
      column: 41,
      message: 'preferred server is not among the servers',
      value: 'missing',
    });
    expect(message.split('\n')[0]).toBe('invalid input (26 problems):');
    expect(message.split('\n')).toHaveLength(27);
  });

  it('JSON files get line:column too', () => {
    const json = `{
  "backupServer": "vbr",
  "hosts": [{ "id": "esx", "platform": "vmware", "version": "8.0" }],
  "servers": [{ "id": "vbr", "os": { "family": "windows" }, "addresses": ["10.1.0.300"] }],
  "vms": [{ "id": "a", "host": "esx9", "guest": { "family": "linux" } }]
}`;
    expect(problems(files(json, '{ "id": "j", "vms": ["a", "b"], "credentials": { "kind": "standard", "account": "x" } }', 'json'))).toEqual([
      'inventory.json:4:75: servers[0].addresses[0]: malformed IP address (found "10.1.0.300")',
      'inventory.json:5:32: vms[0].host: unknown host (found "esx9")',
      'job.json:1:27: vms[1]: unknown VM: not in the inventory (found "b")',
    ]);
  });

  it('missing required fields, wrong types and out-of-range numbers, with their place', () => {
    const found = problems(files('backupServer: vbr\nhosts: []\nservers: [ { id: vbr, os: { family: windows }, runningTasks: -1 } ]\n', 'id: j\nvms: a\ncredentials: { kind: oauth, account: x }\n'));
    expect(found).toEqual([
      // gipkit's own words, never zod's ("Too small: expected number to be >=0").
      'inventory.yaml:3:62: servers[0].runningTasks: too small; expected 0 or more (found -1)',
      'inventory.yaml:1:1: vms: missing (expected a list)',
      'job.yaml:2:6: vms: expected a list (found "a")',
      expect.stringMatching(/^job\.yaml:3:22: credentials\.kind: unknown kind; expected one of standard, gmsa \(found "oauth"\)$/),
    ]);
  });

  it('validates in-memory data too, naming each place by path and value', () => {
    const error = inputError(() =>
      createGipkit().validateInput({
        inventory: { backupServer: 'vbr', hosts: [{ id: 'h', platform: 'proxmox', version: '8' }], servers: [{ id: 'vbr', os: { family: 'windows' }, addresses: ['fe80::1%eth0'] }], vms: [{ id: 'a', host: 'h', guest: { family: 'linux' }, tools: 'yes' }] },
        job: { id: 'j', vms: ['a'], credentials: { kind: 'standard', account: 'x' }, proxy: { mode: 'preferred', servers: [] } },
      }),
    );
    expect(error.diagnostics.map((d) => [d.file, d.path, d.value])).toEqual([
      ['<inventory>.json', 'vms[0].tools', 'yes'],
      ['<job>.json', 'proxy.servers', undefined],
      ['<inventory>.json', 'hosts[0].platform', 'proxmox'],
      ['<inventory>.json', 'servers[0].addresses[0]', 'fe80::1%eth0'],
    ]);
    expect(error.diagnostics.map((d) => d.message)).toEqual([
      'expected true or false',
      'preferred mode needs at least one server',
      'unknown platform; expected one of vmware, hyperv',
      'malformed IP address',
    ]);
  });

  it('a platform a plugin declares is known', () => {
    const gipkit = createGipkit({
      plugins: [{ name: '@acme/gipkit-proxmox', apiVersion: 1, setup: (registry) => registry.addPlatform({ name: 'proxmox', description: 'Proxmox VE' }) }],
    });
    const input = gipkit.validateInput({
      inventory: { backupServer: 'vbr', hosts: [{ id: 'h', platform: 'proxmox', version: '8' }], servers: [{ id: 'vbr', os: { family: 'windows' } }], vms: [{ id: 'a', host: 'h', guest: { family: 'linux' } }] },
      job: { id: 'j', vms: ['a'], credentials: { kind: 'standard', account: 'x' } },
    });
    expect(input.inventory.hosts[0]?.platform).toBe('proxmox');
  });
});

describe('fixes found by the test suites', () => {
  it('a JSON file saved with a byte order mark loads', () => {
    const paths = files(
      '\uFEFF{"backupServer":"vbr","hosts":[],"servers":[{"id":"vbr","os":{"family":"windows"}}],"vms":[]}',
      '\uFEFF{"id":"j","vms":[],"credentials":{"kind":"standard","account":"x"}}',
      'json',
    );
    expect(createGipkit().loadInput(paths).job.id).toBe('j');
  });

  it('an unknown or missing kind names the value or says it is missing', () => {
    const inventory = 'backupServer: vbr\nhosts: []\nservers: [ { id: vbr, os: { family: windows } } ]\nvms: []\nlicense: { edition: standard }\n';
    expect(problems(files(inventory, 'id: j\nvms: []\ncredentials: { kind: oauth, account: x }\n'))).toEqual([
      'inventory.yaml:5:10: license.kind: missing (expected one of universal, socket)',
      'job.yaml:3:22: credentials.kind: unknown kind; expected one of standard, gmsa (found "oauth")',
    ]);
  });
});

describe('secrets in the job file', () => {
  it('credentials take a secret reference: an environment variable or a file, plus the deployment settings and sshPort', () => {
    const inventory = VALID_INVENTORY.replace('guest: { family: linux } }', 'guest: { family: linux }, sshPort: 2222 }');
    const job = 'id: j\nvms: [a]\ncredentials: { kind: standard, account: x, secret: { env: GUEST_KEY } }\nvmCredentials: { a: { kind: standard, account: y, secret: { file: /run/secrets/a } } }\nonGuestProcessingFailure: continue-crash-consistent\nruntimeComponents: persistent\n';
    const loaded = createGipkit().loadInput(files(inventory, job));
    expect(loaded.inventory.vms[0]?.sshPort).toBe(2222);
    expect(loaded.job).toMatchObject({
      credentials: { secret: { env: 'GUEST_KEY' } },
      vmCredentials: { a: { secret: { file: '/run/secrets/a' } } },
      onGuestProcessingFailure: 'continue-crash-consistent',
      runtimeComponents: 'persistent',
    });
  });

  it('a secret written in clear is refused without repeating it, and every place is listed', () => {
    const job = 'id: j\nvms: [a]\ncredentials: { kind: standard, account: x, password: hunter2 }\nvmCredentials: { a: { kind: standard, account: y, secret: s3cr3t-value } }\n';
    const listed = problems(files(VALID_INVENTORY, job));
    expect(listed).toEqual([
      'job.yaml:3:44: credentials.password: secrets are never written in the job file; use secret: { env: NAME } or secret: { file: PATH } (found "password")',
      'job.yaml:4:59: vmCredentials.a.secret: secrets are never written in the job file; use secret: { env: NAME } or secret: { file: PATH }',
    ]);
    expect(listed.join('\n')).not.toMatch(/hunter2|s3cr3t/);
  });
});

describe('hardening', () => {
  it('an inventory read in place: YAML aliases share VMs and lists, a __proto__ key is refused, nothing reaches Object.prototype', () => {
    const inventory = [
      'backupServer: vbr',
      'networks: [{ id: lan, cidrs: [10.0.0.0/8] }]',
      'hosts: [{ id: esx, platform: vmware, version: "8.0" }]',
      'servers: [{ id: vbr, os: { family: windows }, addresses: [10.0.0.2] }]',
      'vms:',
      '  - &a { id: a, host: esx, guest: { family: windows }, addresses: &addr [10.0.0.5] }',
      '  - *a',
      '  - { id: b, host: esx, guest: &g { family: linux }, addresses: *addr }',
      '  - { id: c, host: esx, guest: *g, __proto__: { tools: false } }',
    ].join('\n');
    const job = 'id: j\nvms: [a, b]\nguestProcessing: { applicationAware: true }\ncredentials: { kind: standard, account: root }\n';
    expect(problems(files(inventory, job))).toEqual(expect.arrayContaining([
      expect.stringMatching(/vms\[3\]\.__proto__: unknown key/),
      expect.stringMatching(/vms\[1\]\.id: duplicate VM id; first defined at vms\[0\]/),
    ]));
    expect(Object.hasOwn(Object.prototype, 'tools')).toBe(false);
    // Without the alias of a VM and the __proto__ key, the shared lists plan as any others.
    const fixed = inventory.split('\n').filter((line) => line.trim() !== '- *a' && !line.includes('__proto__')).join('\n');
    const gipkit = createGipkit();
    const plan = gipkit.plan(gipkit.loadInput(files(fixed, job)));
    expect(plan.decisions.map((decision) => [decision.vm, decision.proxy, decision.connection])).toEqual([['a', 'vbr', 'lan'], ['b', 'vbr', 'lan']]);
  });

  const JSON_INVENTORY = JSON.stringify({
    backupServer: 'vbr',
    hosts: [{ id: 'esx', platform: 'vmware', version: '8.0' }],
    servers: [{ id: 'vbr', os: { family: 'windows' } }],
    vms: [{ id: 'a', host: 'esx', guest: { family: 'linux' } }],
  });
  const jobWithCredentials = (vms: string[], credentials: string): string =>
    `{"id":"j","vms":${JSON.stringify(vms)},"credentials":{"kind":"standard","account":"x"},"vmCredentials":${credentials}}`;

  it('hardening 9: vmCredentials with an own "__proto__" key (JSON) are checked: a VM not in the job is reported', () => {
    const paths = files(JSON_INVENTORY, jobWithCredentials(['a'], '{"__proto__":{"kind":"gmsa","account":"g$"}}'), 'json');
    expect(problems(paths)).toEqual(['job.json:1:100: vmCredentials.__proto__: credentials for a VM that is not in this job (found "__proto__")']);
  });

  it('hardening 9: vmCredentials with a "__proto__" key (YAML) are checked, and so is what they hold', () => {
    const unknown = files(VALID_INVENTORY, `${VALID_JOB}vmCredentials: { __proto__: { kind: gmsa, account: g$ } }\n`);
    expect(problems(unknown)).toEqual(['job.yaml:5:29: vmCredentials.__proto__: credentials for a VM that is not in this job (found "__proto__")']);
    const invalid = files(VALID_INVENTORY, `${VALID_JOB}vmCredentials: { __proto__: { kind: gmsa } }\n`);
    expect(problems(invalid)).toEqual([
      'job.yaml:5:29: vmCredentials.__proto__.account: missing (expected a string)',
      'job.yaml:5:29: vmCredentials.__proto__: credentials for a VM that is not in this job (found "__proto__")',
    ]);
  });

  it('hardening 9: credentials for a VM named "__proto__" or "constructor" apply to that VM', () => {
    const inventory = VALID_INVENTORY.replace('vms: [ { id: a,', 'vms: [ { id: __proto__, host: esx, guest: { family: linux } }, { id: constructor, host: esx, guest: { family: linux } }, { id: a,');
    const jsonInventory = JSON.stringify({
      ...JSON.parse(JSON_INVENTORY),
      vms: ['__proto__', 'constructor', 'a'].map((id) => ({ id, host: 'esx', guest: { family: 'linux' } })),
    });
    for (const extension of ['yaml', 'json'] as const) {
      const job = `{ "id": "j", "vms": ["__proto__", "constructor", "a"], "credentials": { "kind": "standard", "account": "x" },
        "vmCredentials": { "__proto__": { "kind": "gmsa", "account": "g$" }, "constructor": { "kind": "gmsa", "account": "h$" } } }`;
      const loaded = createGipkit().loadInput(files(extension === 'json' ? jsonInventory : inventory, job, extension));
      expect(Object.keys(loaded.job.vmCredentials), extension).toEqual(['__proto__', 'constructor']);
      expect(Object.getOwnPropertyDescriptor(loaded.job.vmCredentials, '__proto__')?.value, extension).toEqual({ kind: 'gmsa', account: 'g$' });
    }
  });

  it('hardening 11: an empty address, "1.2.3.4::", a "/024" prefix and an empty CIDR are malformed', () => {
    const inventory = `backupServer: vbr
networks: [ { id: n, cidrs: ["10.0.0.0/024", ""] } ]
hosts: [ { id: esx, platform: vmware, version: "8.0" } ]
servers: [ { id: vbr, os: { family: windows }, addresses: [""] } ]
vms: [ { id: a, host: esx, guest: { family: linux }, addresses: ["1.2.3.4::", "::ffff:10.0.0.7"] } ]
`;
    expect(problems(files(inventory, VALID_JOB))).toEqual([
      'inventory.yaml:2:30: networks[0].cidrs[0]: malformed CIDR (found "10.0.0.0/024")',
      'inventory.yaml:2:46: networks[0].cidrs[1]: malformed CIDR (found "")',
      'inventory.yaml:4:60: servers[0].addresses[0]: malformed IP address (found "")',
      'inventory.yaml:5:66: vms[0].addresses[0]: malformed IP address (found "1.2.3.4::")',
    ]);
  });

  it('hardening 12: ids with control characters (C0, C1) or bidi overrides are refused, every one listed, escaped', () => {
    const inventory = `backupServer: "vbr\\e[2J"
networks: [ { id: "n\\u202e", site: "s\\u0085", cidrs: [10.0.0.0/8] } ]
hosts: [ { id: esx, platform: vmware, version: "8.0" } ]
servers: [ { id: "vbr\\e[2J", os: { family: windows }, networks: ["n\\u202e"] } ]
vms: [ { id: "a\\u009b2J", host: esx, guest: { family: linux } } ]
`;
    const job = `id: "j\\u2066"
vms: ["a\\u009b2J"]
credentials: { kind: standard, account: x }
vmCredentials: { "a\\u009b2J": { kind: gmsa, account: g$ } }
proxy: { mode: preferred, servers: ["vbr\\e[2J"] }
`;
    const found = problems(files(inventory, job));
    const refused = 'an id may not contain control, format (bidirectional, zero-width) or line-separator characters';
    expect(found).toEqual([
      `inventory.yaml:2:19: networks[0].id: ${refused} (found "n\\u{202e}")`,
      `inventory.yaml:4:18: servers[0].id: ${refused} (found "vbr\\u001b[2J")`,
      `inventory.yaml:5:14: vms[0].id: ${refused} (found "a\\u{9b}2J")`,
      `inventory.yaml:1:15: backupServer: ${refused} (found "vbr\\u001b[2J")`,
      `inventory.yaml:2:36: networks[0].site: ${refused} (found "s\\u{85}")`,
      `inventory.yaml:4:66: servers[0].networks[0]: ${refused} (found "n\\u{202e}")`,
      `job.yaml:1:5: id: ${refused} (found "j\\u{2066}")`,
      `job.yaml:2:7: vms[0]: ${refused} (found "a\\u{9b}2J")`,
      `job.yaml:4:31: vmCredentials["a\\u{9b}2J"]: ${refused} (found "a\\u{9b}2J")`,
      `job.yaml:5:37: proxy.servers[0]: ${refused} (found "vbr\\u001b[2J")`,
    ]);
    for (const line of found) expect(line).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/);
  });
});

describe('validate messages (issue #8)', () => {
  it('the same wording for every shape problem: what was expected, never zod\'s phrasing', () => {
    const inventory = `backupServer: vbr
hosts: { id: esx }
servers: [ { id: vbr, os: { family: windows }, runningTasks: 1.5, managed: "no", roles: wan } ]
vms: [ { id: a, host: esx, guest: { family: linux, version: "" }, sshPort: 70000 } ]
`;
    const found = problems(files(inventory, VALID_JOB));
    expect(found).toEqual([
      'inventory.yaml:2:8: hosts: expected a list, not a mapping',
      'inventory.yaml:3:89: servers[0].roles: expected a list (found "wan")',
      'inventory.yaml:3:76: servers[0].managed: expected true or false (found "no")',
      'inventory.yaml:3:62: servers[0].runningTasks: expected a whole number (found 1.5)',
      'inventory.yaml:4:61: vms[0].guest.version: must not be empty (found "")',
      'inventory.yaml:4:76: vms[0].sshPort: too big; expected 65535 or less (found 70000)',
      'inventory.yaml:4:23: vms[0].host: unknown host (found "esx")',
    ]);
    for (const line of found) expect(line).not.toMatch(/Invalid input|Too small|Too big|Invalid option|received/);
  });

  it('"did you mean" for an unknown key, at any depth, and for a misspelt value', () => {
    const job = `id: j
vms: [a]
guestProcesing: { applicationAware: true }
credentials: { kind: standard, acount: x }
onGuestProcessingFailure: continue-crash-consistnt
proxy: { mode: automatc }
`;
    expect(problems(files(VALID_INVENTORY, job))).toEqual([
      'job.yaml:4:14: credentials.account: missing (expected a string)',
      'job.yaml:4:32: credentials.acount: unknown key; did you mean "account"? (found "acount")',
      'job.yaml:6:16: proxy.mode: unknown mode; expected one of automatic, preferred; did you mean "automatic"? (found "automatc")',
      'job.yaml:5:27: onGuestProcessingFailure: unknown value; expected one of fail-vm, continue-crash-consistent; did you mean "continue-crash-consistent"? (found "continue-crash-consistnt")',
      'job.yaml:3:1: guestProcesing: unknown key; did you mean "guestProcessing"? (found "guestProcesing")',
    ]);
    // Nothing close: no suggestion.
    expect(problems(files(VALID_INVENTORY, `${VALID_JOB}colour: blue\n`))).toEqual(['job.yaml:5:1: colour: unknown key (found "colour")']);
  });

  it('one line per YAML error: a mistake the parser reports several times on one line is listed once', () => {
    const found = problems(files('backupServer: vbr\nhosts: [\n  - { id: a\nservers: {\n', VALID_JOB));
    const lines = found.map((line) => /^inventory\.yaml:(\d+):/.exec(line)?.[1]);
    expect(found.length).toBeGreaterThan(0);
    expect(new Set(lines).size).toBe(lines.length);
    for (const line of found) expect(line).toMatch(/^inventory\.yaml:\d+:\d+: invalid YAML: [^\n]+$/);
  });
});

describe('very many problems', () => {
  // Problems were appended with push(...list): past about 120,000 of them that overflows the call stack,
  // and a crafted file got a stack trace instead of its report.
  it('a crafted inventory with 150,000 bad VMs gets one report listing every problem, not a stack overflow', () => {
    const vms = Array.from({ length: 150_000 }, (_, index) => ({ id: `vm-${index}`, host: 'esx', guest: { family: 'linux' }, tools: 'yes' }));
    const inventory = { backupServer: 'vbr', hosts: [{ id: 'esx', platform: 'vmware', version: '8.0' }], servers: [{ id: 'vbr', os: { family: 'windows' } }], vms };
    const error = inputError(() => createGipkit().validateInput({ inventory, job: { id: 'j', vms: [], credentials: { kind: 'standard', account: 'x' } } }));
    expect(error.diagnostics).toHaveLength(150_000);
    expect(formatDiagnostic(error.diagnostics[149_999] as Diagnostic)).toContain('vms[149999].tools');
  });

  it('rules changes that disable 150,000 unknown rules get one RuleError listing every name', () => {
    const disable = Array.from({ length: 150_000 }, (_, index) => `no-such-rule-${index}`);
    let caught: unknown;
    try {
      createGipkit({ ruleChanges: [{ origin: 'org-rules.yaml', disable }] });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(RuleError);
    expect((caught as RuleError).diagnostics).toHaveLength(150_000);
  });
});
