import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ErrorCode, InputError, formatDiagnostic } from '@gipkit/plugin-api';
import { createGipkit } from '../index.js';

function files(inventory: string, job: string, extension = 'yaml') {
  const folder = mkdtempSync(join(tmpdir(), 'gipkit-input-'));
  const paths = { inventory: join(folder, `inventory.${extension}`), job: join(folder, `job.${extension}`) };
  writeFileSync(paths.inventory, inventory);
  writeFileSync(paths.job, job);
  return paths;
}

function problems(paths: { inventory: string; job: string }): string[] {
  try {
    createGipkit().loadInput(paths);
  } catch (error) {
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).code).toBe(ErrorCode.InputInvalid);
    return (error as InputError).diagnostics.map((d) => formatDiagnostic(d).replace(`${dirname(paths.inventory)}/`, ''));
  }
  throw new Error('expected an InputError');
}

const VALID_JOB = `id: j
vms: [a]
guestProcessing: { applicationAware: true }
credentials: { kind: standard, account: x }
`;

describe('loadInput', () => {
  it('reads valid YAML and fills the defaults', () => {
    const paths = files(
      `backupServer: vbr
hosts: [ { id: esx, platform: vmware, version: "8.0" } ]
servers: [ { id: vbr, os: { family: windows } } ]
vms: [ { id: a, host: esx, guest: { family: linux } } ]
`,
      'id: j\nvms: [a]\ncredentials: { kind: standard, account: x }\n',
    );
    const { inventory, job } = createGipkit().loadInput(paths);
    expect(inventory.license).toEqual({ kind: 'universal' });
    expect(inventory.servers[0]).toMatchObject({ managed: true, hardened: false, appliance: false, packages: [], roles: [], addresses: [], networks: [], runningTasks: 0 });
    expect(inventory.vms[0]).toMatchObject({ tools: true, addresses: [], networks: [] });
    expect(job).toMatchObject({ guestProcessing: { applicationAware: false, indexing: false, transactionLogs: false }, proxy: { mode: 'automatic' }, vmCredentials: {}, inverseProtocolOrder: false });
  });

  it('reports invalid YAML with line and column', () => {
    expect(problems(files('backupServer: vbr\nhosts: [\n', VALID_JOB))).toEqual([expect.stringMatching(/^inventory\.yaml:3:1: invalid YAML: /)]);
  });

  it('reports invalid JSON with line and column', () => {
    expect(problems(files('{\n  "backupServer": "vbr",\n  "hosts": [,]\n}', '{"id": "j", "vms": [], "credentials": {"kind": "standard", "account": "x"}}', 'json'))).toEqual([
      'inventory.json:3:13: invalid JSON: unexpected ","',
    ]);
  });

  it('reports a file that cannot be read', () => {
    const paths = files('x: 1', VALID_JOB);
    expect(problems({ ...paths, inventory: `${paths.inventory}.missing` })).toEqual(['inventory.yaml.missing: cannot read the file (ENOENT)']);
  });

  it('lists every problem of both files at once, with file, line:column, path and value', () => {
    const inventory = `backupServer: nobody
networks:
  - { id: hq, cidrs: [10.1.0.0/16, 10.1.0.0/99] }
  - { id: hq, cidrs: [10.2.0.0/16] }
hosts:
  - { id: esx, platform: vmwar, version: "8.0" }
servers:
  - { id: s1, os: { family: windows }, addresses: [10.1.0.256], networks: [nowhere] }
  - { id: s2, os: { family: beos } }
  - { id: s1, os: { family: linux }, hardend: true }
vms:
  - { id: a, host: esx2, guest: { family: windows } }
`;
    const job = `id: j
vms: [a, ghost, a]
credentials: { kind: standard, account: x }
vmCredentials: { other: { kind: gmsa, account: y } }
proxy: { mode: preferred, servers: [s1, missing] }
`;
    expect(problems(files(inventory, job))).toEqual([
      'inventory.yaml:9:29: servers[1].os.family: unknown OS family; expected windows or linux (found "beos")',
      'inventory.yaml:10:47: servers[2].hardend: unknown key (found "hardend")',
      'inventory.yaml:4:11: networks[1].id: duplicate network id; first defined at networks[0] (found "hq")',
      'inventory.yaml:10:11: servers[2].id: duplicate server id; first defined at servers[0] (found "s1")',
      'inventory.yaml:1:15: backupServer: backupServer is not among the servers (found "nobody")',
      'inventory.yaml:3:36: networks[0].cidrs[1]: malformed CIDR (found "10.1.0.0/99")',
      'inventory.yaml:6:26: hosts[0].platform: unknown platform; expected one of vmware, hyperv (found "vmwar")',
      'inventory.yaml:8:52: servers[0].addresses[0]: malformed IP address (found "10.1.0.256")',
      'inventory.yaml:8:76: servers[0].networks[0]: unknown network (found "nowhere")',
      'inventory.yaml:12:20: vms[0].host: unknown host (found "esx2")',
      'job.yaml:2:10: vms[1]: unknown VM: not in the inventory (found "ghost")',
      'job.yaml:2:17: vms[2]: VM listed twice; first at vms[0] (found "a")',
      'job.yaml:4:25: vmCredentials.other: credentials for a VM that is not in this job (found "other")',
      'job.yaml:5:41: proxy.servers[1]: preferred server is not among the servers (found "missing")',
    ]);
  });

  it('reports missing required fields and wrong types with their place', () => {
    const found = problems(files('backupServer: vbr\nhosts: []\nservers: [ { id: vbr, os: { family: windows }, runningTasks: -1 } ]\n', 'id: j\nvms: a\n'));
    expect(found).toEqual([
      expect.stringMatching(/^inventory\.yaml:3:62: servers\[0\]\.runningTasks: .*-1/),
      expect.stringMatching(/^inventory\.yaml:1:1: vms: missing \(expected array\)$/),
      expect.stringMatching(/^job\.yaml:2:6: vms: .*array/),
      expect.stringMatching(/^job\.yaml:1:1: credentials: missing \(expected object\)$/),
    ]);
  });

  it('validates in-memory data too, naming the place by path', () => {
    expect(() => createGipkit().validateInput({ inventory: { backupServer: 'x', hosts: [], servers: [], vms: [] }, job: {} })).toThrow(InputError);
  });
});
