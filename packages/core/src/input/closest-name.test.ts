import { describe, expect, it } from 'vitest';
import { closestName, didYouMean, editDistance } from './closest-name.js';

describe('did you mean', () => {
  it('edit distance counts an adjacent transposition as one edit', () => {
    expect(editDistance('equl', 'equal')).toBe(1);
    expect(editDistance('eqaul', 'equal')).toBe(1);
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(editDistance('', 'abc')).toBe(3);
  });
  it('suggests only a close name: at most max(1, length/3) edits, case ignored', () => {
    const facts = ['vm.guestFamily', 'vm.guestVersion', 'server.osFamily'];
    expect(closestName('vm.guestFamly', facts)).toBe('vm.guestFamily');
    expect(closestName('VM.GUESTFAMILY', facts)).toBe('vm.guestFamily');
    expect(closestName('vm.colour', facts)).toBeUndefined();
    expect(closestName('ab', ['xy'])).toBeUndefined();
    expect(closestName('ab', ['ac'])).toBe('ac');
  });
  it('reads as the end of an unknown-name message', () => {
    expect(didYouMean('indexng', ['applicationAware', 'indexing', 'transactionLogs'])).toBe('; did you mean "indexing"?');
    expect(didYouMean('zzz', ['indexing'])).toBe('');
    expect(didYouMean(3, ['indexing'])).toBe('');
  });
});
