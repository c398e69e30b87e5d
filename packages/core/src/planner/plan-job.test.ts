import { describe, expect, it } from 'vitest';
import { planOf, windowsServer, windowsVm } from '../rules/rules.fixture.js';

describe('plan summary', () => {
  it('hardening 9: servers named after Object.prototype members are counted in perProxy like any other', () => {
    const servers = [windowsServer('vbr', '10.1.0.5', { runningTasks: 9 }), windowsServer('__proto__', '10.1.0.30'), windowsServer('constructor', '10.1.0.31'), windowsServer('toString', '10.1.0.32')];
    const plan = planOf({ servers, vms: ['a', 'b', 'c', 'd'].map((id, i) => windowsVm(id, `10.1.5.${i + 1}`)) });
    expect(plan.decisions.map((decision) => decision.proxy)).toEqual(['__proto__', 'constructor', 'toString', '__proto__']);
    expect(Object.entries(plan.summary.perProxy)).toEqual([['__proto__', 2], ['constructor', 1], ['toString', 1]]);
    expect(JSON.parse(JSON.stringify(plan.summary)).perProxy).toEqual(JSON.parse('{"__proto__": 2, "constructor": 1, "toString": 1}'));
    expect(Object.hasOwn(plan.summary.perProxy, 'hasOwnProperty')).toBe(false);
  });
});

describe('classes of VMs', () => {
  it('VMs whose facts differ only where no rule tells them apart share one class: one frozen method list and failover', () => {
    // On a VMware host, PowerShell Direct never applies, so the guest versions read by its rule decide nothing.
    const vms = ['2016', '2019', '2022'].map((version, i) => windowsVm(`v${i}`, `10.1.5.${i + 1}`, { guest: { family: 'windows', version } }));
    const plan = planOf({ servers: [windowsServer('p1', '10.1.0.30')], vms });
    const [first, ...others] = plan.decisions;
    expect(first?.methods).toEqual(['lan', 'vix']);
    for (const decision of others) {
      expect(decision.methods).toBe(first?.methods);
      expect(decision.failover).toBe(first?.failover);
    }
    expect(Object.isFrozen(first?.methods)).toBe(true);
  });

  it('VMs that a rule does tell apart keep their own decisions', () => {
    const vms = [windowsVm('new', null, { host: 'hv2019', guest: { family: 'windows', version: '2019' } }), windowsVm('old', null, { host: 'hv2012', guest: { family: 'windows', version: '2012 R2' } })];
    const plan = planOf({ servers: [], vms });
    expect(plan.decisions.map((decision) => [decision.vm, decision.status, decision.connection])).toEqual([['new', 'assigned', 'powershell-direct'], ['old', 'unassigned', null]]);
  });
});
