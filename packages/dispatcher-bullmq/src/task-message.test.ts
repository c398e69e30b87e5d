import { describe, expect, it } from 'vitest';
import { MAX_REPORTS_PER_ENTRY, readReportEntry } from './task-message.js';

const step = (name: string): unknown => ({ kind: 'step', method: 'lan', step: name });

describe('11. report entries are read field by field (a forged entry on a run\'s report stream is refused)', () => {
  it('a reports entry carries a task\'s reports in the order made', () => {
    expect(readReportEntry('reports', [step('connect'), step('upload'), step('start')])).toEqual({
      kind: 'reports',
      reports: [{ kind: 'step', method: 'lan', step: 'connect' }, { kind: 'step', method: 'lan', step: 'upload' }, { kind: 'step', method: 'lan', step: 'start' }],
    });
  });

  it('a reports entry that is not a list of 1 to 64 reports, or holds one that cannot be read, is refused whole', () => {
    const shape = `reports must be a list of 1 to ${MAX_REPORTS_PER_ENTRY} reports`;
    expect(() => readReportEntry('reports', { 0: step('connect'), length: 1 })).toThrow(shape);
    expect(() => readReportEntry('reports', [])).toThrow(shape);
    expect(() => readReportEntry('reports', Array.from({ length: MAX_REPORTS_PER_ENTRY + 1 }, () => step('health')))).toThrow(shape);
    expect(() => readReportEntry('reports', [step('connect'), { kind: 'step', method: 'lan', step: 'format-disk' }])).toThrow(/step/);
    expect(() => readReportEntry('reports', [step('connect'), { kind: 'outcome', status: 'succeeded' }])).toThrow(/kind/);
    // As the coordinator reads it: JSON.parse makes `__proto__` an own field, which no report has.
    const forged: unknown = JSON.parse('[{"kind":"step","method":"lan","step":"connect","__proto__":{"polluted":true}}]');
    expect(() => readReportEntry('reports', forged)).toThrow(/__proto__/);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });

  it('an unknown kind, or a kind that is an Object.prototype key, is refused', () => {
    for (const kind of ['batch', 'constructor', '__proto__', 'toString']) expect(() => readReportEntry(kind, null), kind).toThrow(`unknown report kind ${JSON.stringify(kind)}`);
  });
});
