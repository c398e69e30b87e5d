import { describe, expect, it } from 'vitest';
import { describeFailedConditions, isForAnotherPlatform } from './describe-failed-conditions.js';
import { DEFAULT_OPERATORS } from './operators.js';

const operators = new Map(DEFAULT_OPERATORS.map((operator) => [operator.name, operator.evaluate]));
const facts: Record<string, unknown> = { 'vm.platform': 'hyperv', 'vm.hostVersion': '2012 R2', 'vm.tools': false, 'server.packages': ['libmsi1'], 'server.domain': 'lab.example', 'vm.credentialDomain': 'corp.example' };
const read = (name: string): unknown => facts[name];

describe('describeFailedConditions', () => {
  it('names each failed fact, its actual value and what the rule needs', () => {
    expect(describeFailedConditions({ all: [{ fact: 'vm.hostVersion', operator: 'versionAtLeast', value: '2016' }] }, read, operators)).toBe('vm.hostVersion is 2012 R2 (needs 2016 or later)');
    expect(describeFailedConditions({ all: [{ fact: 'vm.tools', operator: 'equal', value: true }] }, read)).toBe('vm.tools is false (needs true)');
    expect(describeFailedConditions({ all: [{ fact: 'vm.platform', operator: 'in', value: ['vmware', 'proxmox'] }] }, read)).toBe('vm.platform is hyperv (needs one of vmware, proxmox)');
  });
  it('an all names only its failed children; an any names every alternative', () => {
    const all = { all: [{ fact: 'vm.platform', operator: 'equal', value: 'hyperv' }, { fact: 'vm.tools', operator: 'equal', value: true }] };
    expect(describeFailedConditions(all, read)).toBe('vm.tools is false (needs true)');
    const eitherCondition = { any: [{ fact: 'vm.platform', operator: 'equal', value: 'vmware' }, { fact: 'vm.tools', operator: 'equal', value: true }] };
    expect(describeFailedConditions(eitherCondition, read)).toBe('vm.platform is hyperv (needs vmware), and vm.tools is false (needs true)');
  });
  it('a fact compared with another fact names both values; not: reads as its negation', () => {
    expect(describeFailedConditions({ all: [{ fact: 'server.domain', operator: 'equal', value: { fact: 'vm.credentialDomain' } }] }, read)).toBe('server.domain is lab.example (needs vm.credentialDomain corp.example)');
    expect(describeFailedConditions({ all: [{ fact: 'server.packages', operator: 'not:contains', value: 'libmsi1' }] }, read)).toBe('server.packages is libmsi1 (needs a list without libmsi1)');
    expect(describeFailedConditions({ not: { fact: 'vm.platform', operator: 'equal', value: 'hyperv' } }, read)).toBe('vm.platform is hyperv (needs anything but hyperv)');
  });
  it('is empty when the conditions hold', () => {
    expect(describeFailedConditions({ all: [{ fact: 'vm.platform', operator: 'equal', value: 'hyperv' }] }, read)).toBe('');
  });
});

describe('isForAnotherPlatform', () => {
  it('a rule whose top-level vm.platform condition fails is for another platform', () => {
    expect(isForAnotherPlatform({ all: [{ fact: 'vm.platform', operator: 'equal', value: 'vmware' }, { fact: 'vm.tools', operator: 'equal', value: true }] }, read)).toBe(true);
    expect(isForAnotherPlatform({ all: [{ fact: 'vm.platform', operator: 'equal', value: 'hyperv' }, { fact: 'vm.tools', operator: 'equal', value: true }] }, read)).toBe(false);
    expect(isForAnotherPlatform({ all: [{ fact: 'vm.tools', operator: 'equal', value: true }] }, read)).toBe(false);
  });
});
