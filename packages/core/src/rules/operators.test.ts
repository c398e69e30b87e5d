import { describe, expect, it } from 'vitest';
import { DEFAULT_OPERATORS } from './operators.js';

const operator = (name: string) => DEFAULT_OPERATORS.find((op) => op.name === name)!.evaluate;

describe('versionAtLeast', () => {
  it('compares numeric parts', () => {
    expect(operator('versionAtLeast')('2012 R2', '2016')).toBe(false);
    expect(operator('versionAtLeast')('2019', '2016')).toBe(true);
    expect(operator('versionAtLeast')('9.4', '9')).toBe(true);
    expect(operator('versionAtLeast')('8.10', '9')).toBe(false);
    expect(operator('versionAtLeast')(null, '2.0')).toBe(false);
  });
});
