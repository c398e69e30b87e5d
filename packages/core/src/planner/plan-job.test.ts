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
