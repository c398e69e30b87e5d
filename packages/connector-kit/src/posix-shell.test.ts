import { spawnSync } from 'node:child_process';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { normalizePosixPath, posixParent, quotePosixArgument, quotePosixCommand } from './posix-shell.js';
import { interpretShellCommand } from './testing/posix-shell-parser.js';

/** Words with everything a shell treats specially, line breaks and non-ASCII text. */
const word = fc.string({
  unit: fc.oneof(
    fc.constantFrom("'", '"', '\\', '$', '`', '*', '?', '[', ']', '~', '#', ';', '&', '|', '<', '>', '(', ')', '{', '}', '!', ' ', '\t', '\n'),
    fc.integer({ min: 0x21, max: 0x7e }).map((code) => String.fromCharCode(code)),
    fc.constantFrom('é', '漢', '😀', '\u0001'),
  ),
  maxLength: 40,
});

describe('POSIX shell quoting', () => {
  it('argv round-trips through sh, nested in sh -c, with quotes, $, globs and line breaks kept literal', () => {
    const tricky = ["it's", '$(reboot)', '`id`', '*', '"', '\\', '', ' ', 'a\nb', '2>x', ';', '~', '#'];
    const quoted = tricky.map(quotePosixArgument).join(' ');
    expect(interpretShellCommand(quoted).argv).toEqual(tricky);
    fc.assert(fc.property(fc.array(word, { minLength: 1, maxLength: 8 }), (argv) => {
      const script = `${argv.map(quotePosixArgument).join(' ')} </dev/null >${quotePosixArgument('/tmp/o')} 2>${quotePosixArgument('/tmp/e')}`;
      const outer = interpretShellCommand(`-c ${quotePosixArgument(script)}`);
      expect(outer.argv).toEqual(['-c', script]);
      expect(interpretShellCommand(script)).toEqual({ argv, stdin: '/dev/null', stdout: '/tmp/o', stderr: '/tmp/e' });
    }), { numRuns: 500 });
  });

  it('paths are absolute and plain', () => {
    expect(normalizePosixPath('/opt//gipkit/')).toBe('/opt/gipkit');
    expect(posixParent('/opt/gipkit')).toBe('/opt');
    expect(posixParent('/opt')).toBe('/');
    expect(() => normalizePosixPath('opt/gipkit')).toThrow(/absolute/);
    expect(() => normalizePosixPath('/opt/../etc')).toThrow(/\.\./);
  });
});

describe('quotePosixCommand', () => {
  it('puts every argument in single quotes, a quote as \'\\\'\'', () => {
    expect(quotePosixCommand(['echo', "it's", '$HOME'])).toBe(`'echo' 'it'\\''s' '$HOME'`);
    expect(quotePosixArgument('')).toBe("''");
  });

  it('a POSIX shell gets back exactly the arguments given, whatever they contain', () => {
    const unit = fc.oneof(fc.constantFrom("'", '"', '\\', '$', '`', '\n', ' ', '*', '!', ';', '|', '&', '(', '~'), fc.string({ unit: 'binary-ascii', minLength: 1, maxLength: 1 }), fc.string({ unit: 'grapheme', minLength: 1, maxLength: 1 }));
    const argument = fc.string({ unit, maxLength: 20 }).filter((text) => !text.includes('\0'));
    fc.assert(
      fc.property(fc.array(argument, { maxLength: 6 }), (args) => {
        // printf '%s\0' prints each argument NUL-terminated: an exact round trip through sh -c.
        const result = spawnSync('/bin/sh', ['-c', quotePosixCommand(['printf', '%s\\0', 'first', ...args])], { encoding: 'utf8' });
        expect(result.status).toBe(0);
        expect(result.stdout).toBe(['first', ...args].map((arg) => `${arg}\0`).join(''));
      }),
      { numRuns: 200 },
    );
  });
});
