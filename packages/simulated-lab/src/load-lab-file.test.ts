import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ErrorCode, formatDiagnostic, InputError } from '@gipkit/plugin-api';
import { LAB, labInventory } from './example-lab.fixture.js';
import { loadLabFile } from './load-lab-file.js';


const inventory = labInventory;

function labFile(text: string): string {
  const folder = mkdtempSync(join(tmpdir(), 'gipkit-lab-file-'));
  const file = join(folder, 'lab.yaml');
  writeFileSync(file, text);
  return file;
}

/** The problems a lab file is refused with, one formatted line each, the folder left out. */
function problems(file: string, options: Parameters<typeof loadLabFile>[1] = {}): string[] {
  try {
    loadLabFile(file, options);
  } catch (error) {
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).code).toBe(ErrorCode.InputInvalid);
    return (error as InputError).diagnostics.map((d) => formatDiagnostic(d).replace(file, 'lab.yaml'));
  }
  throw new Error(`${file} was accepted`);
}

describe('loadLabFile', () => {
  it('reads examples/lab/simulated-lab.yaml into the lab file shape SimulatedLab takes', () => {
    expect(loadLabFile(join(LAB, 'simulated-lab.yaml'), { inventory: inventory() })).toEqual({
      latencyMs: 20,
      faults: [
        { server: 'win-proxy-a', fault: 'refuse' },
        { vm: 'erp-b', times: 1, fault: 'drop', afterCalls: 2 },
      ],
    });
  });

  it('reads every fault kind of the lab file reference, JSON as well as YAML', () => {
    const faults = [
      { server: 'win-proxy-a', fault: 'refuse' },
      { vm: 'erp-b', times: 1, fault: 'drop', afterCalls: 2 },
      { vm: 'erp-b', method: 'lan', fault: 'hang', step: 'upload' },
      { vm: 'erp-b', fault: 'fail-remove' },
      { vm: 'erp-b', fault: 'fail-health' },
    ];
    const folder = mkdtempSync(join(tmpdir(), 'gipkit-lab-file-'));
    writeFileSync(join(folder, 'lab.json'), JSON.stringify({ faults }));
    expect(loadLabFile(join(folder, 'lab.json'))).toEqual({ latencyMs: 0, faults });
  });

  it('an empty lab file is a lab without latency or faults', () => {
    expect(loadLabFile(labFile(''))).toEqual({ latencyMs: 0, faults: [] });
  });

  it('a bad lab file: every problem at once, each with its line:column, place and value', () => {
    const file = labFile([
      'latencyMs: -1',
      'faults:',
      '  - { vm: nope, fault: melt }',
      '  - { fault: hang, step: forever }',
      '  - { fault: fail-health }',
      '  - { server: ghost, fault: refuse, afterCalls: 3, colour: red }',
      '  - { vm: erp-b, server: win-proxy-a, fault: fail-health }',
      '  - { fault: drop, afterCalls: -2, times: 0 }',
      '  - just a string',
      'extra: 1',
    ].join('\n'));
    expect(problems(file, { inventory: inventory() })).toEqual([
      'lab.yaml:10:1: extra: unknown key (found "extra")',
      'lab.yaml:1:12: latencyMs: expected a number of milliseconds, 0 or more (found -1)',
      'lab.yaml:3:11: faults[0].vm: no VM of the inventory has this id (found "nope")',
      'lab.yaml:3:24: faults[0].fault: expected one of refuse, drop, hang, fail-remove, fail-health (found "melt")',
      'lab.yaml:4:26: faults[1].step: expected one of connect, run, upload, remove (found "forever")',
      'lab.yaml:5:5: faults[2]: fail-health needs vm: the guest whose health check fails',
      'lab.yaml:6:52: faults[3].colour: unknown key (found "colour")',
      'lab.yaml:6:15: faults[3].server: no server of the inventory has this id (found "ghost")',
      'lab.yaml:6:49: faults[3].afterCalls: afterCalls applies to drop only, not to refuse (found 3)',
      'lab.yaml:7:26: faults[4].server: fail-health belongs to a guest, whatever the connection: give vm only, not server (found "win-proxy-a")',
      'lab.yaml:8:43: faults[5].times: expected a whole number of at least 1 (found 0)',
      'lab.yaml:8:32: faults[5].afterCalls: expected a whole number, 0 or more (found -2)',
      'lab.yaml:9:5: faults[6]: expected a mapping (found "just a string")',
    ]);
  });

  it('latencyMs refuses NaN and infinity, naming each', () => {
    expect(problems(labFile('latencyMs: .nan\n'))).toEqual(['lab.yaml:1:12: latencyMs: expected a number of milliseconds, 0 or more (found NaN)']);
    expect(problems(labFile('latencyMs: .inf\n'))).toEqual(['lab.yaml:1:12: latencyMs: expected at most 2147483647 ms, the longest a timer holds (found Infinity)']);
    expect(problems(labFile('latencyMs: "20"\n'))).toEqual(['lab.yaml:1:12: latencyMs: expected a number of milliseconds, 0 or more (found "20")']);
  });

  it('without an inventory, the names of servers and VMs are not checked', () => {
    expect(loadLabFile(labFile('faults:\n  - { server: anything, fault: refuse }\n')).faults).toEqual([{ server: 'anything', fault: 'refuse' }]);
  });

  it('ids are data: a fault keyed __proto__ or constructor is an unknown key, not a lookup', () => {
    expect(problems(labFile('faults:\n  - { constructor: x, fault: refuse }\n'))).toEqual(['lab.yaml:2:7: faults[0].constructor: unknown key (found "constructor")']);
    expect(problems(labFile('toString: 1\n'))).toEqual(['lab.yaml:1:1: toString: unknown key (found "toString")']);
  });

  it('is read like the inventory: a folder is refused at once, a file above maxInputBytes too', () => {
    const folder = mkdtempSync(join(tmpdir(), 'gipkit-lab-file-'));
    mkdirSync(join(folder, 'lab.yaml'));
    expect(() => loadLabFile(join(folder, 'lab.yaml'))).toThrow(/is a folder|not a regular file/);
    const big = labFile(`latencyMs: 20\n${'#'.repeat(200)}\n`);
    expect(() => loadLabFile(big, { maxInputBytes: 100 })).toThrow(/is too large: \d+ bytes \(at most 100;/);
  });
});
