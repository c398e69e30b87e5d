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

  it('hardening: crafted versions that would join into one key never give one VM another VM\'s decision', () => {
    // Host and guest versions may hold NUL; written without their lengths, these two pairs read the same.
    const hosts = [{ id: 'hv-a', platform: 'hyperv', version: '2019' }, { id: 'hv-b', platform: 'hyperv', version: '2019\u0000swindows\u0000s1' }];
    const a = windowsVm('a', null, { host: 'hv-a', guest: { family: 'windows', version: '1\u0000swindows\u0000s2019' } });
    const b = windowsVm('b', null, { host: 'hv-b', guest: { family: 'windows', version: '2019' } });
    const alone = (vm: Record<string, unknown>) => planOf({ servers: [], vms: [vm], inventory: { hosts } }).decisions[0];
    const [first, second] = [alone(a), alone(b)];
    expect([first?.status, second?.status]).not.toEqual([second?.status, second?.status]);
    expect(planOf({ servers: [], vms: [a, b], inventory: { hosts } }).decisions).toEqual([first, second]);
    expect(planOf({ servers: [], vms: [b, a], inventory: { hosts } }).decisions).toEqual([second, first]);
  });
});

