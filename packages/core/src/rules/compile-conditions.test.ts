import { Engine } from 'json-rules-engine';
import { describe, expect, it } from 'vitest';
import type { FactDefinition } from '@gipkit/plugin-api';
import { compileRule } from './compile-rule.js';
import { FactTable } from './fact-table.js';

// Paths follow json-rules-engine (jsonpath-plus): own properties only, strings have characters and length.

const definitions: FactDefinition[] = [{ name: 'vm.obj', scope: 'vm', description: '', value: () => null }];
const table = new FactTable(definitions);

async function both(condition: Record<string, unknown>, value: unknown): Promise<[boolean, boolean]> {
  const rule = { name: 'r', description: 'a path rule', conditions: { all: [condition] }, event: { type: 'tier', params: { tier: 1 } } };
  const compiled = compileRule(rule, table, new Map(), { source: 't', path: [], report: (path, message) => { throw new Error(`${path.join('.')}: ${message}`); } })!;
  const engine = new Engine([rule as never], { allowUndefinedFacts: false });
  const { results } = await engine.run({ 'vm.obj': value });
  return [compiled.test({ job: [], server: [], vm: [value], pair: [] }), results.length === 1];
}

describe('paths', () => {
  it('step into strings like jsonpath-plus: a character, or length', async () => {
    expect(await both({ fact: 'vm.obj', path: '$.b[0]', operator: 'equal', value: 'x' }, { b: 'xyz' })).toEqual([true, true]);
    expect(await both({ fact: 'vm.obj', path: '$.a.length', operator: 'equal', value: 3 }, { a: 'abc' })).toEqual([true, true]);
  });
  it('read own properties only', async () => {
    for (const path of ['$.toString', '$.constructor', '$.__proto__']) {
      const [compiled, reference] = await both({ fact: 'vm.obj', path, operator: 'notEqual', value: { fact: 'vm.obj', path: '$.missing' } }, { a: 1 });
      expect(compiled, path).toBe(reference);
    }
  });
});
