import { describe, expect, it } from 'vitest';
import { escapeUnprintable, hasUnprintable } from './display-text.js';
import { formatDiagnostic } from './errors.js';

describe('display text', () => {
  it('hardening 12: controls (C0, DEL, C1), bidi overrides and isolates, and line separators are escaped', () => {
    expect(escapeUnprintable('a\u001b[2Jb')).toBe('a\\u{1b}[2Jb');
    expect(escapeUnprintable('x\ny\rz\tw')).toBe('x\\u{a}y\\u{d}z\\u{9}w');
    expect(escapeUnprintable('\u007f\u0085\u009b')).toBe('\\u{7f}\\u{85}\\u{9b}');
    expect(escapeUnprintable('vm\u202egnp.exe')).toBe('vm\\u{202e}gnp.exe');
    expect(escapeUnprintable('\u202a\u202b\u202c\u202d\u2066\u2067\u2068\u2069\u200e\u200f\u061c')).toBe(
      '\\u{202a}\\u{202b}\\u{202c}\\u{202d}\\u{2066}\\u{2067}\\u{2068}\\u{2069}\\u{200e}\\u{200f}\\u{61c}',
    );
    expect(escapeUnprintable('\u2028\u2029\u200b\ud800')).toBe('\\u{2028}\\u{2029}\\u{200b}\\u{d800}');
  });

  it('hardening 12: printable text is unchanged, and escaping twice is escaping once', () => {
    for (const text of ['sql-hq', 'CORP\\backup', 'Zürich ≥ 2012 R2', '日本', '😀']) {
      expect(escapeUnprintable(text)).toBe(text);
      expect(hasUnprintable(text)).toBe(false);
    }
    const once = escapeUnprintable('a\u001bb\u202e');
    expect(escapeUnprintable(once)).toBe(once);
    expect(hasUnprintable('a\u009bb')).toBe(true);
  });

  it('hardening 12: a diagnostic line escapes its value, path and message', () => {
    const line = formatDiagnostic({ file: 'inv.yaml', path: 'vms[0].id', line: 3, column: 9, message: 'bad\nline', value: 'a\u009b2J\u202eb' });
    expect(line).toBe('inv.yaml:3:9: vms[0].id: bad\\u{a}line (found "a\\u{9b}2J\\u{202e}b")');
    expect(hasUnprintable(line)).toBe(false);
  });

  it('hardening 13: a value JSON cannot write (too deep) is described, not thrown', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 100_000; i++) deep = [deep];
    expect(formatDiagnostic({ file: 'r.json', path: 'add[0]', message: 'm', value: deep })).toBe('r.json: add[0]: m (found a list)');
  });
});
