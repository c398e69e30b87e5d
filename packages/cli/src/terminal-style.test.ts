import { describe, expect, it } from 'vitest';
import { fitToWidth, paint, useColour } from './terminal-style.js';

describe('terminal style (issue #8)', () => {
  it('colours only on a terminal, and NO_COLOR (any non-empty value) turns them off', () => {
    expect(useColour(true, {})).toBe(true);
    expect(useColour(false, {})).toBe(false);
    expect(useColour(true, { NO_COLOR: '1' })).toBe(false);
    expect(useColour(true, { NO_COLOR: '' })).toBe(true);
    expect(paint('x', 'red', false)).toBe('x');
    expect(paint('x', 'red', true)).toBe('\u001b[31mx\u001b[39m');
  });

  it('a line wider than the terminal is cut to its width with an ellipsis; colour codes do not count', () => {
    const line = fitToWidth([{ text: 'abc' }, { text: 'defgh', colour: 'green' }], 5, true);
    expect(line).toEqual({ text: 'abc\u001b[32md\u001b[39m…', width: 5 });
    expect(fitToWidth([{ text: 'abc' }], 10, false)).toEqual({ text: 'abc', width: 3 });
  });
});
