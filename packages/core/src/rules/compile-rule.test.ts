import { describe, expect, it } from 'vitest';
import { RuleError, type Diagnostic, type RuleDocument } from '@gipkit/plugin-api';
import { createGipkit } from '../index.js';
import { compileRule } from './compile-rule.js';
import { nestsDeeperThan, MAX_CONDITION_DEPTH } from './compile-conditions.js';
import { FactTable } from './fact-table.js';
import { DEFAULT_FACTS } from './default-facts.js';

const LEAF = { fact: 'vm.guestFamily', operator: 'equal', value: 'linux' };

function rule(conditions: unknown, event: unknown = { type: 'exclude', params: { message: 'no' } }): RuleDocument {
  return { name: 'hardened', description: 'a rule the tests build', conditions, event } as unknown as RuleDocument;
}

/** The diagnostics of adding one rule in memory, or [] when it compiles. */
function problems(document: RuleDocument): Diagnostic[] {
  try {
    createGipkit({ ruleChanges: [{ origin: 'org.rules.yaml', add: [document] }] });
    return [];
  } catch (error) {
    if (!(error instanceof RuleError)) throw error;
    return [...error.diagnostics];
  }
}

/** `not` nested `levels` deep around one fact condition, under a top-level `all`. */
function notChain(levels: number): unknown {
  let node: unknown = LEAF;
  for (let i = 0; i < levels; i++) node = { not: node };
  return { all: [node] };
}

describe('compile rule', () => {
  it(`hardening 13: all, any and not nest up to ${MAX_CONDITION_DEPTH} levels; one more is refused at the rule's conditions`, () => {
    expect(problems(rule(notChain(MAX_CONDITION_DEPTH - 1)))).toEqual([]);
    expect(problems(rule(notChain(MAX_CONDITION_DEPTH)))).toEqual([
      { file: 'org.rules.yaml', path: 'add[0].conditions', message: `conditions nest all, any and not more than ${MAX_CONDITION_DEPTH} levels deep` },
    ]);
  });

  it('hardening 13: a 20,000-deep not chain is refused without overflowing the stack', () => {
    expect(problems(rule(notChain(20_000)))).toMatchObject([{ path: 'add[0].conditions', message: expect.stringContaining('levels deep') }]);
    let wide: unknown = LEAF;
    for (let i = 0; i < 20_000; i++) wide = { any: [LEAF, wide] };
    expect(problems(rule({ all: [wide] }))).toHaveLength(1);
  });

  it('hardening 13: a cycle (data built in code, YAML aliases) is refused as too deep', () => {
    const cycle: { all: unknown[] } = { all: [LEAF] };
    cycle.all.push(cycle);
    expect(nestsDeeperThan(cycle)).toBe(true);
    expect(problems(rule(cycle))).toHaveLength(1);
  });

  it('hardening 13: one operator decorator is allowed; a chain of decorators is refused', () => {
    expect(problems(rule({ all: [{ fact: 'server.packages', operator: 'not:contains', value: 'samba' }] }))).toEqual([]);
    for (const operator of ['not:not:equal', 'not:someFact:equal', 'everyFact:not:equal', `${'not:'.repeat(10_000)}equal`]) {
      expect(problems(rule({ all: [{ fact: 'server.packages', operator, value: 'x' }] })), operator.slice(0, 30)).toEqual([
        {
          file: 'org.rules.yaml',
          path: 'add[0].conditions.all[0].operator',
          message: 'operator decorators do not chain: use at most one (someFact:, everyFact:, someValue:, everyValue:, swap:, not:)',
          value: operator,
        },
      ]);
    }
    expect(problems(rule({ all: [{ fact: 'server.packages', operator: 'not:nope', value: 'x' }] }))).toMatchObject([{ message: 'unknown operator' }]);
  });

  it('hardening 14: a job-outcome message may name job facts only', () => {
    const jobOutcome = (message: string) => rule({ all: [{ fact: 'job.indexing', operator: 'equal', value: true }] }, { type: 'job-outcome', params: { status: 'backup-server', message } });
    expect(problems(jobOutcome('job {job.id} indexes ({license.kind})'))).toEqual([]);
    expect(problems(jobOutcome('{server.id} takes {vm.id}; {pair.sameSite}'))).toEqual([
      { file: 'org.rules.yaml', path: 'add[0].event.params.message', message: 'a job-outcome message may name job facts only; {server.id} is a server fact', value: 'server.id' },
      { file: 'org.rules.yaml', path: 'add[0].event.params.message', message: 'a job-outcome message may name job facts only; {vm.id} is a vm fact', value: 'vm.id' },
      { file: 'org.rules.yaml', path: 'add[0].event.params.message', message: 'a job-outcome message may name job facts only; {pair.sameSite} is a pair fact', value: 'pair.sameSite' },
    ]);
    // Other kinds may name any fact.
    expect(problems(rule({ all: [LEAF] }, { type: 'exclude', params: { message: '{server.id} cannot serve {vm.id}' } }))).toEqual([]);
  });

  it('hardening 9: condition keys are own properties: an inherited all, any, not or value is not a condition', () => {
    const facts = new FactTable(DEFAULT_FACTS);
    const reported: string[] = [];
    const origin = { source: 't', path: [], report: (path: readonly (string | number)[], message: string) => void reported.push(`${path.join('.')}: ${message}`) };
    const inherited = Object.create({ value: 'linux', all: [] }) as Record<string, unknown>;
    Object.assign(inherited, { fact: 'vm.guestFamily', operator: 'equal' });
    expect(compileRule(rule({ all: [inherited] }), facts, new Map(), origin)).toBeNull();
    expect(reported).toEqual(['conditions.all.0: a fact condition needs a value']);
  });
});
