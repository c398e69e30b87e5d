import { Engine } from 'json-rules-engine';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { FactDefinition, OperatorFunction } from '@gipkit/plugin-api';
import { compileRule, createGipkit, FactTable, type Frames } from '../index.js';
import type { RuleOrigin } from './compile-rule.js';

// json-rules-engine is the reference: compiled predicates must agree with Engine.run on every input.

const gipkit = createGipkit();
const operators = new Map<string, OperatorFunction>(gipkit.operators.map((op) => [op.name, op.evaluate]));
const origin: RuleOrigin = {
  source: 'test',
  path: [],
  report: (path, message, value) => {
    throw new Error(`${path.join('.')}: ${message} ${JSON.stringify(value)}`);
  },
};

function framesOf(table: FactTable, facts: Record<string, unknown>): Frames {
  const frames = { job: [] as unknown[], server: [] as unknown[], vm: [] as unknown[], pair: [] as unknown[] };
  for (const name of table.names) {
    const slot = table.get(name)!;
    frames[slot.scope][slot.index] = facts[name];
  }
  return frames;
}

async function referenceFires(rules: readonly { name: string; conditions: unknown; event: unknown }[], facts: Record<string, unknown>): Promise<Set<string>> {
  const engine = new Engine([], { allowUndefinedFacts: false });
  for (const operator of gipkit.operators) engine.addOperator(operator.name, operator.evaluate as (a: unknown, b: unknown) => boolean);
  for (const rule of rules) engine.addRule({ name: rule.name, conditions: rule.conditions as never, event: rule.event as never });
  const { results } = await engine.run(facts);
  return new Set(results.map((result) => String(result.name)));
}

// Values of the right kind for each default fact, with nulls where a fact may be absent.
const pools: Record<string, fc.Arbitrary<unknown>> = {
  bool: fc.boolean(),
  family: fc.constantFrom('windows', 'linux'),
  version: fc.constantFrom('2012 R2', '2016', '2019', '2022', '10', '11', '8.9', '9.4', '5.1', '1.0', null),
  distro: fc.constantFrom('rhel', 'rocky', 'ubuntu', 'windows-server', null),
  list: fc.subarray(['libmsi1', 'samba-client', 'samba-common-tools', 'wan-accelerator', 'hq', 'branch']),
  text: fc.constantFrom('a', 'corp.example', 'lab.example', 'vmware', 'hyperv', 'gmsa', 'standard', 'socket', 'standard', null),
};
function arbitraryFor(name: string): fc.Arbitrary<unknown> {
  if (/\.(managed|hardened|appliance|isBackupServer|isolated|tools|addressKnown|applicationAware|indexing|transactionLogs|sameNetwork|sameSite)$/.test(name)) return pools.bool!;
  if (/(osFamily|guestFamily)$/.test(name)) return pools.family!;
  if (/(Version|powershell)$/.test(name)) return pools.version!;
  if (/distro$/.test(name)) return pools.distro!;
  if (/(packages|roles|networks|sites)$/.test(name)) return pools.list!;
  return pools.text!;
}

describe('compiled rules agree with json-rules-engine', () => {
  it('every default rule, on random facts', async () => {
    const table = new FactTable(gipkit.facts);
    const compiled = gipkit.rules.map((rule) => compileRule(rule, table, operators, origin)!);
    const facts = fc.record(Object.fromEntries(gipkit.facts.map((fact) => [fact.name, arbitraryFor(fact.name)])));
    await fc.assert(
      fc.asyncProperty(facts, async (values) => {
        const expected = await referenceFires(gipkit.rules, values);
        const frames = framesOf(table, values);
        for (const rule of compiled) expect(rule.test(frames), rule.name).toBe(expected.has(rule.name));
      }),
      { numRuns: 300 },
    );
  });

  it('random rule documents over every operator, decorator, fact reference and path', async () => {
    const definitions: FactDefinition[] = [
      { name: 'job.n', scope: 'job', description: '', value: () => null },
      { name: 'server.s', scope: 'server', description: '', value: () => null },
      { name: 'server.list', scope: 'server', description: '', value: () => null },
      { name: 'vm.obj', scope: 'vm', description: '', value: () => null },
      { name: 'vm.v', scope: 'vm', description: '', value: () => null },
      { name: 'pair.m', scope: 'pair', description: '', reads: [], value: () => null },
    ];
    const table = new FactTable(definitions);
    const scalar = fc.oneof(fc.integer({ min: -3, max: 3 }), fc.constantFrom('a', 'b', '9', '10', '2012 R2', '2016'), fc.boolean(), fc.constant(null));
    const list = fc.array(fc.oneof(fc.integer({ min: -3, max: 3 }), fc.constantFrom('a', 'b', '9')), { maxLength: 4 });
    const factValues = fc.record({
      'job.n': fc.oneof(fc.integer({ min: -3, max: 3 }), fc.constant(null), fc.constantFrom('2', 'x')),
      'server.s': scalar,
      'server.list': fc.oneof(list, scalar),
      'vm.obj': fc.oneof(fc.record({ a: fc.integer({ min: -3, max: 3 }), b: list }), fc.constant(null)),
      'vm.v': fc.constantFrom('2012 R2', '2016', '9.4', '10', 'none', null, 7),
      'pair.m': fc.oneof(list, scalar),
    });
    const leaf = fc.oneof(
      fc.record({ fact: fc.constantFrom('job.n', 'server.s', 'vm.v', 'pair.m'), operator: fc.constantFrom('equal', 'notEqual', 'lessThan', 'greaterThanInclusive', 'lessThanInclusive', 'greaterThan', 'versionAtLeast', 'swap:equal', 'swap:lessThan', 'not:equal'), value: scalar }),
      fc.record({ fact: fc.constantFrom('job.n', 'server.s', 'vm.v'), operator: fc.constantFrom('in', 'notIn', 'not:in'), value: list }),
      fc.record({ fact: fc.constantFrom('server.list', 'pair.m'), operator: fc.constantFrom('contains', 'doesNotContain', 'not:contains', 'someFact:equal', 'everyFact:notEqual', 'containsAll', 'intersects', 'not:containsAll'), value: fc.oneof(scalar, list) }),
      fc.record({ fact: fc.constantFrom('server.s', 'job.n'), operator: fc.constantFrom('someValue:equal', 'everyValue:notEqual'), value: list }),
      fc.record({ fact: fc.constant('vm.obj'), path: fc.constantFrom('$.a', '$.b', '$.b[0]', '$.missing'), operator: fc.constantFrom('equal', 'greaterThan', 'contains', 'notEqual'), value: scalar }),
      fc.record({ fact: fc.constantFrom('server.s', 'job.n', 'vm.v'), operator: fc.constantFrom('equal', 'notEqual', 'versionAtLeast'), value: fc.record({ fact: fc.constantFrom('server.s', 'job.n', 'vm.v') }) }),
      fc.record({ fact: fc.constant('server.list'), operator: fc.constantFrom('intersects', 'containsAll'), value: fc.record({ fact: fc.constant('pair.m') }) }),
    );
    const { tree } = fc.letrec((tie) => ({
      tree: fc.oneof({ depthSize: 'small', withCrossShrink: true }, leaf, tie('node')),
      node: fc.oneof(
        fc.record({ all: fc.array(tie('tree'), { maxLength: 3 }) }),
        fc.record({ any: fc.array(tie('tree'), { maxLength: 3 }) }),
        fc.record({ not: tie('tree') }),
      ),
    }));
    const root = fc.oneof(fc.record({ all: fc.array(tree, { maxLength: 3 }) }), fc.record({ any: fc.array(tree, { maxLength: 3 }) }), fc.record({ not: tree }));
    await fc.assert(
      fc.asyncProperty(root, factValues, async (conditions, values) => {
        const rule = { name: 'random', description: 'a random rule', conditions, event: { type: 'tier', params: { tier: 1 } } };
        const compiled = compileRule(rule, table, operators, origin)!;
        const expected = await referenceFires([rule], values);
        expect(compiled.test(framesOf(table, values))).toBe(expected.has('random'));
      }),
      { numRuns: 2000 },
    );
  });
});
