import { describe, expect, it } from 'vitest';
import { createGipkit } from '../index.js';
import { decisionOf, inputOf, linuxServer, linuxVm, planOf, windowsServer } from '../rules/rules.fixture.js';
import { EstateIndex } from './estate-index.js';

describe('estate index', () => {
  it('hardening 9: a VM named after an Object.prototype member with job-wide gMSA gets what vm-1 gets', () => {
    const job = { credentials: { kind: 'gmsa', account: 'CORP\\g$', domain: 'corp.example' } };
    // The Linux server is the least loaded: only the gMSA rule keeps it out.
    const servers = [windowsServer('vbr', '10.1.0.5', { runningTasks: 5 }), linuxServer('lin', '10.1.0.30'), windowsServer('win', '10.1.0.31', { runningTasks: 1 })];
    const expected = decisionOf({ servers, vms: [linuxVm('vm-1', '10.1.5.1')], job });
    expect(expected).toMatchObject({ status: 'assigned', proxy: 'win' });
    for (const id of ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf']) {
      expect(decisionOf({ servers, vms: [linuxVm(id, '10.1.5.1')], job }), id).toEqual({ ...expected, vm: id });
    }
  });

  it('per-VM credentials keyed "__proto__" or "constructor" apply to those VMs only (held on today\'s code by accident: guards the rewrite)', () => {
    const servers = [windowsServer('vbr', '10.1.0.5', { runningTasks: 5 }), linuxServer('lin', '10.1.0.30')];
    const gmsa = { kind: 'gmsa', account: 'CORP\\g$' };
    const vms = [linuxVm('__proto__', '10.1.5.1'), linuxVm('constructor', '10.1.5.2'), linuxVm('plain', '10.1.5.3')];
    const plan = planOf({ servers, vms, job: { vmCredentials: JSON.parse(`{"__proto__": ${JSON.stringify(gmsa)}, "constructor": ${JSON.stringify(gmsa)}}`) } });
    // gMSA needs a Windows proxy: only vbr; the VM without per-VM credentials goes to the idle Linux server.
    expect(plan.decisions.map((decision) => [decision.vm, decision.proxy])).toEqual([['__proto__', 'vbr'], ['constructor', 'vbr'], ['plain', 'lin']]);
  });

  it('hardening 11: an IPv4-mapped IPv6 address is in the IPv4 network that holds its IPv4 address', () => {
    const gipkit = createGipkit();
    const input = gipkit.validateInput(
      inputOf({
        servers: [linuxServer('lin', '::ffff:10.2.0.30')],
        vms: [linuxVm('mapped', '::ffff:10.99.0.7'), linuxVm('plain', '10.99.0.8')],
        inventory: { networks: [{ id: 'dmz', cidrs: ['10.99.0.0/24'], isolated: true }, { id: 'v6', cidrs: ['::ffff:10.2.0.0/112'] }] },
      }),
    );
    const estate = new EstateIndex(input.inventory, input.job);
    expect(estate.networksOf(['::ffff:10.99.0.7'], []).map((network) => network.id)).toEqual(['dmz']);
    expect(estate.networksOf(['::ffff:a63:7'], []).map((network) => network.id)).toEqual(['dmz']);
    // An IPv6 block over the mapped range holds the IPv4 addresses it maps, and the mapped ones.
    expect(estate.networksOf(['10.2.0.30'], []).map((network) => network.id)).toEqual(['v6']);
    expect(estate.networksOf(['::ffff:10.2.0.30'], []).map((network) => network.id)).toEqual(['v6']);
    expect(estate.networksOf(['::ffff:10.3.0.1', '10.98.0.1'], [])).toEqual([]);
    expect(gipkit.factsFor(input, 'mapped', 'lin')).toMatchObject({ 'vm.networks': ['dmz'], 'vm.isolated': true, 'server.networks': ['v6'] });
  });

  it('finds the job\'s VMs where validation found them, and a list changed since is refused, not planned wrong', () => {
    const gipkit = createGipkit();
    const input = gipkit.validateInput(inputOf({ servers: [linuxServer('lin', '10.1.0.30')], vms: [linuxVm('a', '10.1.5.1'), linuxVm('b', '10.1.5.2')] }));
    const estate = new EstateIndex(input.inventory, input.job);
    expect([estate.jobVm(0).vm.id, estate.jobVm(1).vm.id]).toEqual(['a', 'b']);
    expect(estate.jobVm(1).at).toBe(1);
    // Input built by hand, without validation: the positions are found then.
    const reordered = { ...input.inventory, vms: [...input.inventory.vms].reverse() };
    expect(new EstateIndex(reordered, input.job).jobVm(0)).toEqual({ vm: input.inventory.vms[0], at: 1 });
    // The validated list changed in place afterwards (a contract breach): refused by id, never another VM's decision.
    (input.inventory.vms as unknown as unknown[]).reverse();
    expect(() => gipkit.plan(input)).toThrow(/the job's VM at position 0 \(a\) is not in the inventory/);
    // By id too (a run of a saved plan looks its VMs up so): never VM b's addresses and credentials for a.
    expect(() => new EstateIndex(input.inventory, input.job).vm('a')).toThrow(/VM a is not in the inventory/);
  });
});

