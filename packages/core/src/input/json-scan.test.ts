import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { JsonSyntaxError, countDataKeys, countJsonKeys, findDuplicateJsonKeys, mayRepeatKeys, scanJson } from './json-scan.js';
import { locateJsonPaths } from './json-positions.js';

const offsetOf = (text: string): number | undefined => {
  try {
    scanJson(text);
    return undefined;
  } catch (error) {
    if (error instanceof JsonSyntaxError) return error.offset;
    throw error;
  }
};

describe('scanJson', () => {
  it('accepts what JSON.parse accepts and refuses what it refuses', () => {
    const samples = [
      '{}', '[]', '0', '-0.5e+3', '"a\\"b\\\\"', 'true', 'null', ' {"a": [1, {"b": null}], "c": "\\u00e9"} ', '[1,]', '{"a" 1}', '{"a":1,}', '01', '1.', '-', '"\\x"',
      '"\\u12G4"', '"a\nb"', '[1 2]', '{"a":1}}', 'nul', '', '  ', '[', '{"a":', '"open', '[1]x',
    ];
    for (const text of samples) {
      let parses = true;
      try {
        JSON.parse(text);
      } catch {
        parses = false;
      }
      expect(offsetOf(text) === undefined, text).toBe(parses);
    }
  });

  it('names the first offending character, or the end of the text', () => {
    expect(offsetOf('{"a": [1, 2,, 3]}')).toBe(12);
    expect(offsetOf('{"a": tru}')).toBe(9);
    expect(offsetOf('{"a": "\\q"}')).toBe(8);
    expect(offsetOf('{"a": "\\u12G4"}')).toBe(11);
    expect(offsetOf('[1, 2')).toBe(5);
    expect(offsetOf('01')).toBe(1);
  });

  it('walks a document nested a million levels deep without recursion', () => {
    const depth = 1_000_000;
    expect(offsetOf(`${'['.repeat(depth)}${']'.repeat(depth)}`)).toBeUndefined();
    expect(offsetOf('['.repeat(depth))).toBe(depth);
  });

  it('reports each value and key with its path, keys decoded', () => {
    const seen: string[] = [];
    scanJson('{"a": [1, {"b\\u0021": 2}], "c": {}}', {
      value: (offset, path) => seen.push(`${offset}:${JSON.stringify(path)}`) < 0,
      key: (offset, key, path) => void seen.push(`key ${offset}:${key}@${JSON.stringify(path)}`),
    });
    expect(seen).toEqual(['0:[]', 'key 1:a@[]', '6:["a"]', '7:["a",0]', '10:["a",1]', 'key 11:b!@["a",1]', '22:["a",1,"b!"]', 'key 27:c@[]', '32:["c"]']);
  });
});

describe('keys given twice', () => {
  it('counting keys in the text matches the parsed data exactly when no mapping repeats a key', () => {
    const texts = ['{"a": "x:\\"y\\": z", "b\\\\": {"c": [":", {"d": 1}]}}', '[{"a": 1}, {"a": 2}]', '{"__proto__": {"x": 1}}', '"just a string: here"'];
    for (const text of texts) expect(countJsonKeys(text), text).toBe(countDataKeys(JSON.parse(text)));
    expect(countJsonKeys('{"a": 1, "a": 2}')).toBe(2);
    expect(countDataKeys(JSON.parse('{"a": 1, "a": 2}'))).toBe(1);
  });

  it('the quick count of `":` never hides a repeated key: not with a key written `"a" : 1`, nor with `\\":` inside a string', () => {
    const repeats = (text: string): boolean => mayRepeatKeys(text, countDataKeys(JSON.parse(text)));
    expect(repeats('{"a":1,"b":{"c":[2]}}')).toBe(false);
    expect(repeats('{"a":1,"a":2}')).toBe(true);
    // One key repeated and one written with a space before its colon: `":` occurs as often as the data has keys.
    expect(repeats('{"a":1,"a":2,"b" :3}')).toBe(true);
    expect(repeats('{"a" :1,"b":2}')).toBe(false);
    // An escaped quote and a colon inside a string value: one `":` more than keys, the slow count decides.
    expect(repeats('{"a":"x\\":y","b":1}')).toBe(false);
    expect(repeats('{"a":"x\\":y","a":1}')).toBe(true);
  });

  it('says a key may repeat exactly when one does, on generated JSON with any spacing and escaped quotes', () => {
    const key = fc.constantFrom('a', 'b', '\\":', 'x y', '__proto__');
    const space = fc.constantFrom('', ' ', '\n  ', '\t');
    // JSON texts of strings holding an escaped quote and a colon: `"\":"` and `"\":\""`.
    const leaf = fc.oneof(fc.constantFrom('1', 'null', '"v"', '"\\":"', '"\\":\\""'), fc.integer().map(String));
    const value: fc.Arbitrary<string> = fc.letrec<{ value: string }>((tie) => ({
      value: fc.oneof(
        { depthSize: 'small' },
        leaf,
        fc.array(tie('value'), { maxLength: 3 }).map((items) => `[${items.join(',')}]`),
        fc.array(fc.tuple(key, space, space, tie('value')), { maxLength: 4 }).map((entries) => `{${entries.map(([k, before, after, v]) => `"${k}"${before}:${after}${v}`).join(',')}}`),
      ),
    })).value;
    fc.assert(fc.property(value, (text) => {
      expect(mayRepeatKeys(text, countDataKeys(JSON.parse(text))), text).toBe(findDuplicateJsonKeys(text).length > 0);
    }), { numRuns: 2000 });
  });

  it('finds every key repeated within one mapping, with both offsets; the same key in sibling mappings is no repeat', () => {
    expect(findDuplicateJsonKeys('[{"a": 1}, {"a": 2}]')).toEqual([]);
    expect(findDuplicateJsonKeys('{"x": {"a": 1, "b": {"a": 2}, "\\u0061": 3}, "x": 0}')).toEqual([
      { path: ['x', 'a'], key: 'a', first: 7, again: 30 },
      { path: ['x'], key: 'x', first: 1, again: 44 },
    ]);
  });
});

describe('locateJsonPaths', () => {
  const text = '{\n  "vms": [\n    {"id": "a", "addresses": ["10.0.0.1"]},\n    {"id": "b\\"", "addresses": []}\n  ]\n}';
  it('finds values, keys, and the nearest existing place for a path that is not there', () => {
    const value = { path: ['vms', 1, 'id'], key: false };
    const key = { path: ['vms', 0, 'addresses'], key: true };
    const missing = { path: ['vms', 1, 'addresses', 0], key: false };
    const whole = { path: [], key: false };
    const found = locateJsonPaths(text, [value, key, missing, whole]);
    expect(found.get(value)).toEqual({ line: 4, column: 12 });
    expect(found.get(key)).toEqual({ line: 3, column: 17 });
    expect(found.get(missing)).toEqual({ line: 4, column: 32 });
    expect(found.get(whole)).toEqual({ line: 1, column: 1 });
  });
});
