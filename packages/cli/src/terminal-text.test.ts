import { describe, expect, it } from 'vitest';
import { formatTable } from './format-table.js';
import { printableJson, printableLines, writePrintableJson } from './terminal-text.js';

const RAW_CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]/;

describe('terminal text', () => {
  it('hardening 12: a table escapes every cell before measuring it: no cell can clear the screen or add a row', () => {
    const table = formatTable(['VM', 'PROXY'], [['a\u001b[2J', 'p1'], ['b\nfake  row', 'p\u202e2'], ['c', 'p3']]);
    expect(table.split('\n')).toEqual([
      'VM               PROXY',
      '---------------  ----------',
      'a\\u{1b}[2J       p1',
      'b\\u{a}fake  row  p\\u{202e}2',
      'c                p3',
    ]);
    expect(table).not.toMatch(RAW_CONTROL);
  });

  it('hardening 12: each line is escaped on its own; structural newlines stay', () => {
    expect(printableLines(['job \u009b2J', 'x\ny'])).toBe('job \\u{9b}2J\nx\\u{a}y');
  });

  it('hardening 12: JSON output escapes C1 controls, bidi overrides and line separators too, and still parses to the same value', () => {
    const value = { vm: 'a\u001b\u0085\u202e\u2028b', list: ['\u2066x\u2069'] };
    const json = printableJson(value);
    expect(json).toBe('{"vm":"a\\u001b\\u0085\\u202e\\u2028b","list":["\\u2066x\\u2069"]}');
    expect(JSON.parse(json)).toEqual(value);
    expect(printableJson(value, 2)).not.toMatch(RAW_CONTROL);
    expect(JSON.parse(printableJson(value, 2))).toEqual(value);
  });

  it('a plan written in pieces is the same text, byte for byte, as one JSON.stringify of it, and each piece is escaped', async () => {
    const decisions = Array.from({ length: 10_000 }, (_, i) => ({ vm: i === 9_000 ? 'vm\u202e\u2028x' : `vm-${i}`, methods: ['lan'], failover: null, skipped: undefined }));
    const plan = { job: 'j\u0085', decisions, summary: { vms: 10_000 }, nothing: undefined, rules: { packs: ['default'] } };
    const pieces: string[] = [];
    await writePrintableJson(plan, 'decisions', (text) => void pieces.push(text));
    expect(pieces.length).toBeGreaterThan(3);
    expect(pieces.join('')).toBe(`${printableJson(plan)}\n`);
    expect(pieces.join('')).not.toMatch(RAW_CONTROL);
    expect(JSON.parse(pieces.join(''))).toEqual(JSON.parse(JSON.stringify(plan)));
    const empty: string[] = [];
    await writePrintableJson({ decisions: [], job: 'j' }, 'decisions', (text) => void empty.push(text));
    expect(empty.join('')).toBe('{"decisions":[],"job":"j"}\n');
  });
});
