import { Engine } from 'json-rules-engine';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { FactDefinition, FactScope, OperatorFunction } from '@gipkit/plugin-api';
import { createGipkit, DEFAULT_OPERATORS } from '../index.js';
import { compileRule } from './compile-rule.js';
import { FactTable, type Frames } from './fact-table.js';
import type { RuleOrigin } from './compile-rule.js';
import { randomEstate } from '../planner/random-estate.fixture.js';

// json-rules-engine is the reference: gipkit's compiled predicates must fire
// exactly when Engine.run says a rule fires, for the default rules and for
// random rule documents. Inputs on which json-rules-engine itself would throw
// (`in` against a value without indexOf, `someValue` against a non-list) are
// not generated: gipkit documents `false` there, json-rules-engine has no answer.

const RUNS = Number(process.env.RUNS ?? 300);
const gipkit = createGipkit();
const operators = new Map<string, OperatorFunction>(gipkit.operators.map((operator) => [operator.name, operator.evaluate]));
const origin: RuleOrigin = {
  source: 'differential',
  path: [],
  report: (path, message, value) => {
    throw new Error(`${path.join('.')}: ${message} ${JSON.stringify(value)}`);
  },
};

interface Rule {
  readonly name: string;
  readonly conditions: unknown;
  readonly event: unknown;
}

/** json-rules-engine's verdict: the names of the rules that fired. */
async function referenceFires(rules: readonly Rule[], facts: Record<string, unknown>): Promise<Set<string>> {
  const engine = new Engine([], { allowUndefinedFacts: false });
  for (const operator of DEFAULT_OPERATORS) engine.addOperator(operator.name, operator.evaluate as (a: unknown, b: unknown) => boolean);
  for (const rule of rules) engine.addRule({ name: rule.name, conditions: rule.conditions as never, event: rule.event as never });
  const { results } = await engine.run(facts);
  return new Set(results.map((result) => String(result.name)));
}

/** gipkit's frames: one array per scope, each fact at its slot. */
function framesOf(table: FactTable, facts: Record<string, unknown>): Frames {
  const frames: Record<FactScope, unknown[]> = { job: [], server: [], vm: [], pair: [] };
  for (const name of table.names) {
    const slot = table.get(name);
    if (slot !== undefined) frames[slot.scope][slot.index] = facts[name];
  }
  return frames;
}

function compileAll(rules: readonly Rule[], table: FactTable) {
  return rules.map((rule) => {
    const compiled = compileRule({ description: 'differential', ...rule }, table, operators, origin);
    if (compiled === null) throw new Error(`cannot compile ${rule.name}`);
    return compiled;
  });
}

async function agree(rules: readonly Rule[], table: FactTable, facts: Record<string, unknown>): Promise<void> {
  const expected = await referenceFires(rules, facts);
  const frames = framesOf(table, facts);
  for (const rule of compileAll(rules, table)) {
    expect(rule.test(frames), `${rule.name} on ${JSON.stringify(facts)}`).toBe(expected.has(rule.name));
  }
}

// --- The effective default rules ----------------------------------------------------------

const versions = fc.constantFrom('2012 R2', '2016', '2019', '2022', '10', '11', '8.9', '9', '9.4', '10.0', '5.1', '2.0', '1.0', '8.0', 'none', '', null, 9, 2016);
const words = fc.constantFrom('windows', 'linux', 'rhel', 'rocky', 'ubuntu', 'vmware', 'hyperv', 'gmsa', 'standard', 'socket', 'universal', 'corp.example', 'hq', 'a', '', null);
const lists = fc.subarray(['libmsi1', 'samba-client', 'samba-common-tools', 'curl', 'hq', 'branch', 'dmz']);
const booleans = fc.oneof(fc.boolean(), fc.constantFrom(null, 'true', 0, 1));

/** Values of the right kind for each default fact, and now and then of the wrong kind. */
function valuesFor(name: string): fc.Arbitrary<unknown> {
  const right = /(managed|hardened|appliance|isBackupServer|isolated|tools|addressKnown|applicationAware|indexing|transactionLogs|sameNetwork|sameSite)$/.test(name)
    ? booleans
    : /(Version|version|powershell)$/.test(name)
      ? versions
      : /(packages|roles|networks|sites)$/.test(name)
        ? lists
        : words;
  return fc.oneof({ weight: 9, arbitrary: right }, { weight: 1, arbitrary: fc.oneof(versions, words, lists, booleans) });
}

describe('compiled default rules agree with json-rules-engine', () => {
  const table = new FactTable(gipkit.facts);

  it('every effective rule, on random fact values', async () => {
    expect(gipkit.rules.length).toBeGreaterThanOrEqual(15);
    const facts = fc.record(Object.fromEntries(gipkit.facts.map((fact) => [fact.name, valuesFor(fact.name)])));
    await fc.assert(
      fc.asyncProperty(facts, (values) => agree(gipkit.rules, table, values)),
      { numRuns: RUNS },
    );
  });

  it('every effective rule, on the facts of random estates', async () => {
    const pairs = randomEstate.chain((estate) => fc.tuple(fc.constant(estate), fc.constantFrom(...estate.job.vms), fc.constantFrom(...estate.inventory.servers.map((s) => s.id))));
    await fc.assert(
      fc.asyncProperty(pairs, async ([estate, vm, server]) => {
        const facts = gipkit.factsFor(gipkit.validateInput(estate), vm, server);
        await agree(gipkit.rules, table, facts);
      }),
      { numRuns: RUNS },
    );
  });
});

// --- Random rule documents ---------------------------------------------------------------

const definitions: FactDefinition[] = [
  { name: 'job.num', scope: 'job', description: 'a number, sometimes not', value: () => null },
  { name: 'job.text', scope: 'job', description: 'a word', value: () => null },
  { name: 'server.version', scope: 'server', description: 'a version', value: () => null },
  { name: 'server.list', scope: 'server', description: 'a list', value: () => null },
  { name: 'server.flag', scope: 'server', description: 'a boolean', value: () => null },
  { name: 'vm.obj', scope: 'vm', description: 'an object', value: () => null },
  { name: 'vm.list', scope: 'vm', description: 'a list', value: () => null },
  { name: 'vm.text', scope: 'vm', description: 'a word', value: () => null },
  { name: 'pair.mixed', scope: 'pair', description: 'a list or a scalar', reads: [], value: () => null },
];
const randomTable = new FactTable(definitions);

const scalar = fc.oneof(fc.integer({ min: -3, max: 3 }), fc.constantFrom('a', 'b', '9', '10', '2012 R2', '2016', '2.5', ''), fc.boolean(), fc.constant(null));
const list = fc.array(fc.oneof(fc.integer({ min: -3, max: 3 }), fc.constantFrom('a', 'b', '9', '2016'), fc.constant(null)), { maxLength: 4 });
// fc.record builds objects without a prototype; facts are parsed JSON, with one.
const object = fc
  .record({
    a: fc.oneof(fc.integer({ min: -3, max: 3 }), fc.constantFrom('a', '9', '2016'), fc.constant(null)),
    b: list,
    c: fc.oneof(fc.record({ d: scalar }), fc.constant(null)),
  })
  .map(({ a, b, c }) => ({ a, b, c: c === null ? null : { d: c.d } }));
const factValues = fc.record({
  'job.num': fc.oneof(fc.integer({ min: -3, max: 3 }), fc.constantFrom('2', 'x', '2.5', null)),
  'job.text': fc.constantFrom('a', 'b', '9', '10', '', null),
  'server.version': fc.constantFrom('2012 R2', '2016', '2019', '9.4', '10', '1.0', 'none', null, 7, 2016),
  'server.list': list,
  'server.flag': fc.oneof(fc.boolean(), fc.constant(null)),
  'vm.obj': fc.oneof({ weight: 5, arbitrary: object }, { weight: 1, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: list }),
  'vm.list': list,
  'vm.text': fc.constantFrom('a', 'b', '9', '2016', '', null),
  'pair.mixed': fc.oneof(list, scalar),
});

const SCALAR_FACTS = ['job.num', 'job.text', 'server.version', 'server.flag', 'vm.text', 'pair.mixed'] as const;
const ANY_FACTS = [...SCALAR_FACTS, 'server.list', 'vm.list', 'vm.obj'] as const;
const LIST_FACTS = ['server.list', 'vm.list'] as const;

/** Any fact value and any compared value: these operators never throw. */
const COMPARE = [
  'equal', 'notEqual', 'lessThan', 'lessThanInclusive', 'greaterThan', 'greaterThanInclusive', 'versionAtLeast',
  'not:equal', 'not:lessThan', 'not:greaterThanInclusive', 'not:versionAtLeast', 'swap:lessThan', 'swap:versionAtLeast',
  'contains', 'doesNotContain', 'not:contains', 'not:doesNotContain', 'swap:contains',
  'containsAll', 'not:containsAll', 'intersects', 'not:intersects', 'swap:containsAll',
  'someFact:equal', 'someFact:lessThan', 'someFact:versionAtLeast', 'everyFact:notEqual', 'everyFact:greaterThanInclusive',
  'someFact:contains',
] as const;
/** The compared value must be a list (json-rules-engine calls its indexOf, some or every). */
const NEEDS_LIST = ['in', 'notIn', 'not:in', 'not:notIn', 'someValue:equal', 'everyValue:notEqual', 'someValue:versionAtLeast', 'someFact:in', 'everyFact:notIn'] as const;

/** Paths into vm.obj that json-rules-engine (jsonpath-plus) and gipkit resolve alike. */
const PATHS = ['$.a', '$.b', '$.b[0]', '$.b[1]', '$.b.length', '$.c', '$.c.d', "$['a']", '$.missing', '$.missing.deeper', '$'] as const;
const LIST_PATHS = ['$[0]', '$[2]', '$.length'] as const;

const factRef = fc.oneof(
  fc.record({ fact: fc.constantFrom(...ANY_FACTS) }),
  fc.record({ fact: fc.constant('vm.obj'), path: fc.constantFrom(...PATHS) }),
  fc.record({ fact: fc.constantFrom(...LIST_FACTS), path: fc.constantFrom(...LIST_PATHS) }),
);
const listRef = fc.record({ fact: fc.constantFrom(...LIST_FACTS) });

const leaf = fc.oneof(
  // literal values
  fc.record({ fact: fc.constantFrom(...ANY_FACTS), operator: fc.constantFrom(...COMPARE), value: fc.oneof(scalar, list) }),
  fc.record({ fact: fc.constantFrom(...ANY_FACTS), operator: fc.constantFrom(...NEEDS_LIST), value: list }),
  // paths into an object fact, and into list facts
  fc.record({ fact: fc.constant('vm.obj'), path: fc.constantFrom(...PATHS), operator: fc.constantFrom(...COMPARE), value: fc.oneof(scalar, list) }),
  fc.record({ fact: fc.constant('vm.obj'), path: fc.constantFrom(...PATHS), operator: fc.constantFrom(...NEEDS_LIST), value: list }),
  fc.record({ fact: fc.constantFrom(...LIST_FACTS), path: fc.constantFrom(...LIST_PATHS), operator: fc.constantFrom(...COMPARE), value: scalar }),
  // fact-to-fact comparisons, with and without a path on either side
  fc.record({ fact: fc.constantFrom(...ANY_FACTS), operator: fc.constantFrom(...COMPARE), value: factRef }),
  fc.record({ fact: fc.constant('vm.obj'), path: fc.constantFrom(...PATHS), operator: fc.constantFrom(...COMPARE), value: factRef }),
  fc.record({ fact: fc.constantFrom(...SCALAR_FACTS), operator: fc.constantFrom(...NEEDS_LIST), value: listRef }),
);

const { tree } = fc.letrec((tie) => ({
  tree: fc.oneof({ depthSize: 'small', withCrossShrink: true }, leaf, tie('node')),
  node: fc.oneof(
    fc.record({ all: fc.array(tie('tree'), { maxLength: 3 }) }),
    fc.record({ any: fc.array(tie('tree'), { maxLength: 3 }) }),
    fc.record({ not: tie('tree') }),
  ),
}));
const conditions = fc.oneof(fc.record({ all: fc.array(tree, { maxLength: 4 }) }), fc.record({ any: fc.array(tree, { maxLength: 4 }) }), fc.record({ not: tree }));

describe('compiled random rule documents agree with json-rules-engine', () => {
  it('trees of all/any/not over every operator, decorator, fact reference and path', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(conditions, { minLength: 1, maxLength: 3 }), factValues, async (trees, values) => {
        const rules = trees.map((tree, i) => ({ name: `random-${i}`, conditions: tree, event: { type: 'tier', params: { tier: 1 } } }));
        await agree(rules, randomTable, values);
      }),
      { numRuns: RUNS },
    );
  });

  it('each operator alone, on every kind of value', async () => {
    const single = fc.oneof(
      fc.record({ operator: fc.constantFrom(...COMPARE), value: fc.oneof(scalar, list) }),
      fc.record({ operator: fc.constantFrom(...NEEDS_LIST), value: list }),
    );
    await fc.assert(
      fc.asyncProperty(single, fc.constantFrom(...ANY_FACTS), factValues, async (condition, fact, values) => {
        await agree([{ name: 'single', conditions: { all: [{ fact, ...condition }] }, event: { type: 'tier', params: { tier: 1 } } }], randomTable, values);
      }),
      { numRuns: RUNS },
    );
  });

  it('empty all and any are true, an empty not-any is false', async () => {
    const rules = [
      { name: 'empty-all', conditions: { all: [] }, event: { type: 'tier', params: { tier: 1 } } },
      { name: 'empty-any', conditions: { any: [] }, event: { type: 'tier', params: { tier: 1 } } },
      { name: 'not-empty-any', conditions: { not: { any: [] } }, event: { type: 'tier', params: { tier: 1 } } },
    ];
    const values = fc.sample(factValues, { numRuns: 1, seed: 1 })[0] ?? {};
    expect(await referenceFires(rules, values)).toEqual(new Set(['empty-all', 'empty-any']));
    await agree(rules, randomTable, values);
  });
});
