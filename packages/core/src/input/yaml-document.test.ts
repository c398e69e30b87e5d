import { describe, expect, it } from 'vitest';
import { MAX_YAML_DEPTH, MIN_ALIAS_EXPANSION, parseYamlText } from './yaml-document.js';

describe('parseYamlText', () => {
  it('builds the data of a document: scalars, lists, mappings, anchors shared by their aliases', () => {
    const parsed = parseYamlText('a: &x { b: [1, true, ~, "s"] }\nc: *x\nd: .nan\n');
    expect(parsed.problems).toEqual([]);
    const data = parsed.data as { a: unknown; c: unknown; d: unknown };
    expect(data.a).toEqual({ b: [1, true, null, 's'] });
    expect(data.c).toBe(data.a);
    expect(data.d).toBeNaN();
  });

  it('an empty document is null; a key without a value is null', () => {
    expect(parseYamlText('').data).toBeNull();
    expect(parseYamlText('a:\n').data).toEqual({ a: null });
  });

  it('a "__proto__" key is an own key, never the prototype', () => {
    const data = parseYamlText('__proto__: { polluted: yes }\n').data as object;
    expect(Object.getPrototypeOf(data)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(data, '__proto__')?.value).toEqual({ polluted: 'yes' });
    expect(({} as { polluted?: unknown }).polluted).toBeUndefined();
  });

  it('an alias bomb is refused at the alias that goes over the budget, before anything expands', () => {
    const lines = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
    for (let level = 1; level < 9; level++) lines.push(`l${level}: &l${level} [${Array(10).fill(level === 1 ? '*a' : `*l${level - 1}`).join(', ')}]`);
    const parsed = parseYamlText(`${lines.join('\n')}\n`);
    expect(parsed.data).toBeUndefined();
    expect(parsed.problems).toEqual([{ offset: expect.any(Number), path: ['l5', 7], message: `aliases expand the document beyond ${MIN_ALIAS_EXPANSION} values` }]);
  });

  it('the alias budget grows with the file: a long file may use an anchor more', () => {
    const uses = Array.from({ length: 200_000 }, (_, i) => `k${i}: *v`).join('\n');
    const parsed = parseYamlText(`v: &v [1, 2, 3, 4, 5]\n${uses}\n`);
    expect(parsed.problems).toEqual([]);
    expect(Object.keys(parsed.data as object)).toHaveLength(200_001);
  });

  it('every alias problem is listed: undefined anchors, an alias inside its own anchor', () => {
    const parsed = parseYamlText('a: *later\nb: &later 1\nc: &self { d: *self }\n');
    expect(parsed.problems.map(({ path, message }) => [path, message])).toEqual([
      [['a'], 'alias to an anchor not defined before it'],
      [['c', 'd'], 'alias to a value that contains it'],
    ]);
  });

  it('keys given twice, also through an alias, are refused with both offsets; a list or mapping key is refused', () => {
    const parsed = parseYamlText('k: &k name\nname: 1\n*k : 2\n[a]: 3\n');
    expect(parsed.problems).toEqual([
      { offset: 19, path: ['name'], message: 'duplicate key', value: 'name', first: 11 },
      { offset: 26, path: [], message: 'a key must be a plain value, not a list, a mapping or an alias to one' },
    ]);
  });

  it(`nesting deeper than ${MAX_YAML_DEPTH} levels is refused at the first value too deep, without recursion`, () => {
    expect(parseYamlText(`${'['.repeat(MAX_YAML_DEPTH)}${']'.repeat(MAX_YAML_DEPTH)}`).problems).toEqual([]);
    const deep = parseYamlText(`${'['.repeat(100_000)}${']'.repeat(100_000)}`);
    expect(deep.problems).toEqual([{ offset: MAX_YAML_DEPTH + 1, path: [], message: `nested more than ${MAX_YAML_DEPTH} levels deep` }]);
  });

  it('syntax errors name no text of the file; more than one document is refused', () => {
    const parsed = parseYamlText('a: "\\qsecret"\nb: !secret-tag [\n');
    expect(parsed.problems.length).toBeGreaterThan(0);
    for (const problem of parsed.problems) expect(problem.message).not.toContain('secret');
    expect(parseYamlText('a: 1\n---\nb: 2\n').problems).toEqual([{ offset: 5, path: [], message: 'the file holds more than one document; give one per file' }]);
  });
});
