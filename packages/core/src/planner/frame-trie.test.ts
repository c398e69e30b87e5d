import { describe, expect, it } from 'vitest';
import type { FactSlot } from '../rules/fact-table.js';
import { FrameTrie } from './frame-trie.js';

const slots = [{ index: 0 }, { index: 1 }] as unknown as FactSlot[];

describe('frame trie', () => {
  it('equal values find one entry; values of different types or lists stay apart', () => {
    const trie = new FrameTrie<string>(slots);
    const shared = Object.freeze(['net-a']);
    let made = 0;
    const find = (frame: unknown[]): string => trie.find(frame, () => `entry ${++made}`);
    expect(find(['windows', shared])).toBe('entry 1');
    expect(find(['windows', shared])).toBe('entry 1');
    expect(find(['windows', ['net-a']])).toBe('entry 2');
    expect(find(['windows', ['net-a']])).toBe('entry 2'); // an unfrozen list by its content
    expect(find([1, null])).toBe('entry 3');
    expect(find(['1', null])).toBe('entry 4');
    expect(find([Number.NaN, null])).toBe('entry 5');
    expect(find([Number.NaN, null])).toBe('entry 5');
    expect(trie.size).toBe(5);
  });

  it('a crafted string never finds the entry of a list or object with the same text', () => {
    const trie = new FrameTrie<string>(slots);
    expect(trie.find(['x', ['a']], () => 'list')).toBe('list');
    for (const text of ['["a"]', '\u0000["a"]', 'j["a"]\u0000', 'a1\u0000a\u0000']) expect(trie.find(['x', text], () => `string ${text}`)).toBe(`string ${text}`);
    expect(trie.find(['x', { a: 1 }], () => 'object')).toBe('object');
    expect(trie.find(['x', '{"a":1}'], () => 'string')).toBe('string');
  });
});
