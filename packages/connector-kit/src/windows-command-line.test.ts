import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ConnectorError } from '@gipkit/plugin-api';
import { formatCmdArguments, formatWindowsCommandLine, quoteWindowsArgument } from './windows-command-line.js';
import { interpretCmdCommandLine, splitWindowsCommandLine } from './testing/windows-command-line-parser.js';

const redirects = { stdout: 'C:\\Windows\\Temp\\gipkit-1.out', stderr: 'C:\\Windows\\Temp\\gipkit-1.err' };
/** Any text cmd.exe can carry in an argument: no line breaks, no NUL. */
const argument = fc.string({ unit: fc.oneof(fc.constantFrom('"', '\\', ' ', '\t', '^', '%', '!', '&', '|', '<', '>', '(', ')', "'", '*', '?', ',', ';', '='), fc.integer({ min: 0x20, max: 0x7e }).map((code) => String.fromCharCode(code)), fc.constantFrom('é', '漢', '😀')) })
  .filter((text) => !/[\r\n\0]/.test(text));
const program = fc.stringMatching(/^[A-Za-z0-9 _.\\:()&^%!-]{1,30}$/);

describe('Windows command lines (CommandLineToArgvW rules)', () => {
  it('the parser the tests use reads the examples of the Microsoft documentation', () => {
    // https://learn.microsoft.com/cpp/c-language/parsing-c-command-line-arguments
    expect(splitWindowsCommandLine('prog "abc" d e')).toEqual(['prog', 'abc', 'd', 'e']);
    expect(splitWindowsCommandLine('prog a\\\\\\b d"e f"g h')).toEqual(['prog', 'a\\\\\\b', 'de fg', 'h']);
    expect(splitWindowsCommandLine('prog a\\\\\\"b c d')).toEqual(['prog', 'a\\"b', 'c', 'd']);
    expect(splitWindowsCommandLine('prog a\\\\\\\\"b c" d e')).toEqual(['prog', 'a\\\\b c', 'd', 'e']);
    expect(splitWindowsCommandLine('"C:\\Program Files\\x.exe" a')).toEqual(['C:\\Program Files\\x.exe', 'a']);
  });

  it('quotes only what needs it, escapes quotes and doubles backslashes before a quote', () => {
    expect(quoteWindowsArgument('plain')).toBe('plain');
    expect(quoteWindowsArgument('C:\\dir\\')).toBe('C:\\dir\\');
    expect(quoteWindowsArgument('')).toBe('""');
    expect(quoteWindowsArgument('a b')).toBe('"a b"');
    expect(quoteWindowsArgument('say "hi"')).toBe('"say \\"hi\\""');
    expect(quoteWindowsArgument('C:\\my dir\\')).toBe('"C:\\my dir\\\\"');
    expect(quoteWindowsArgument('a\\"b')).toBe('"a\\\\\\"b"');
  });

  it('argv round-trips: quotes, trailing backslashes, empty arguments and spaces come back unchanged', () => {
    const tricky = ['C:\\Program Files\\x.exe', '', 'a b', 'say "hi"', 'C:\\my dir\\', 'end\\\\', '\\"', '"', ' ', 'tab\there'];
    expect(splitWindowsCommandLine(formatWindowsCommandLine(tricky))).toEqual(tricky);
    fc.assert(fc.property(program, fc.array(argument), (name, args) => {
      expect(splitWindowsCommandLine(formatWindowsCommandLine([name, ...args]))).toEqual([name, ...args]);
    }), { numRuns: 500 });
  });

  it('through cmd.exe, argv round-trips and nothing is expanded, redirected or chained', () => {
    const tricky = ['tool.exe', 'a & del C:\\*', '%PATH%', '!x!', '^', '>out', '2>err', 'x|y', '(', 'C:\\my dir\\', '"quoted"', ''];
    const invocation = interpretCmdCommandLine(`cmd.exe ${formatCmdArguments(tricky, redirects)}`);
    expect(invocation.argv).toEqual(tricky);
    expect([invocation.stdin, invocation.stdout, invocation.stderr]).toEqual(['NUL', redirects.stdout, redirects.stderr]);
    expect(invocation.switches).toEqual(['/d', '/v:off', '/s']);
    fc.assert(fc.property(program, fc.array(argument), (name, args) => {
      const parsed = interpretCmdCommandLine(`cmd.exe ${formatCmdArguments([name, ...args], redirects)}`);
      expect(parsed.argv).toEqual([name, ...args]);
      expect(parsed.stdout).toBe(redirects.stdout);
    }), { numRuns: 500 });
  });

  it('refuses what cmd.exe cannot carry: line breaks in arguments, quotes in the program name', () => {
    expect(() => formatCmdArguments(['echo', 'two\nlines'], redirects)).toThrow(ConnectorError);
    expect(() => formatWindowsCommandLine(['a"b.exe'])).toThrow(/double quote/);
    expect(() => formatWindowsCommandLine([])).toThrow(ConnectorError);
  });
});
