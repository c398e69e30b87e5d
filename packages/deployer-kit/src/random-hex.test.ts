import { describe, expect, it } from 'vitest';
import { randomHex } from './random-hex.js';

describe('randomHex', () => {
  it('gives fresh random names: 32 hex digits, none twice in 100,000 draws, across many refills', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 100_000; i++) {
      const hex = randomHex(16);
      expect(hex).toMatch(/^[0-9a-f]{32}$/);
      seen.add(hex);
    }
    expect(seen.size).toBe(100_000);
  });

  it('every hex digit appears about as often as the others (a stuck or zeroed pool would show)', () => {
    const counts = new Map<string, number>();
    for (let i = 0; i < 20_000; i++) for (const digit of randomHex(16)) counts.set(digit, (counts.get(digit) ?? 0) + 1);
    expect(counts.size).toBe(16);
    for (const count of counts.values()) expect(count).toBeGreaterThan(36_000); // 640,000 digits / 16 = 40,000 each
  });

  it('refuses a size it cannot serve', () => {
    expect(() => randomHex(0)).toThrow(RangeError);
    expect(() => randomHex(4097)).toThrow(RangeError);
  });
});
