import { describe, expect, it } from 'vitest';
import { JsonSyntaxError, countDataKeys, countJsonKeys, findDuplicateJsonKeys, scanJson } from './json-scan.js';
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
