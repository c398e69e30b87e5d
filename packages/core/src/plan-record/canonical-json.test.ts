import { describe, expect, it } from 'vitest';
import { canonicalJson } from './canonical-json.js';

describe('canonicalJson (RFC 8785)', () => {
  it('sorts keys by UTF-16 code units at every depth and writes no whitespace', () => {
    expect(canonicalJson({ b: [3, { z: 1, a: null }], a: 'x', '\u20ac': 1, '\r': 2, 'ö': 3 })).toBe('{"\\r":2,"a":"x","b":[3,{"a":null,"z":1}],"ö":3,"€":1}');
  });

  it('writes numbers as ECMAScript does (the RFC 8785 examples)', () => {
    expect(canonicalJson([333333333.33333329, 1e30, 4.5, 2e-3, 0.000001, 1e-7, -0])).toBe('[333333333.3333333,1e+30,4.5,0.002,0.000001,1e-7,0]');
  });

  it('escapes control characters the way RFC 8785 says', () => {
    expect(canonicalJson('\u0000\u001f\b\t\n\f\r"\\/')).toBe('"\\u0000\\u001f\\b\\t\\n\\f\\r\\"\\\\/"');
  });

  it('leaves out undefined members and refuses what JSON cannot hold, naming where', () => {
    expect(canonicalJson({ a: undefined, b: 1 })).toBe('{"b":1}');
    expect(() => canonicalJson({ rules: [{ priority: Number.NaN }] })).toThrow('$.rules[0].priority: NaN has no JSON form');
    expect(() => canonicalJson({ n: 1n })).toThrow('$.n: a bigint has no JSON form');
  });

  it('treats __proto__ as a key like any other', () => {
    expect(canonicalJson(JSON.parse('{"__proto__":{"x":1},"a":2}'))).toBe('{"__proto__":{"x":1},"a":2}');
  });
});
