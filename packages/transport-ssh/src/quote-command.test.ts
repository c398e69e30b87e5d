import { spawnSync } from 'node:child_process';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { quoteArgument, quoteCommand } from './quote-command.js';

describe('quoteCommand', () => {
  it('puts every argument in single quotes, a quote as \'\\\'\'', () => {
    expect(quoteCommand(['echo', "it's", '$HOME'])).toBe(`'echo' 'it'\\''s' '$HOME'`);
    expect(quoteArgument('')).toBe("''");
  });

  it('a POSIX shell gets back exactly the arguments given, whatever they contain', () => {
    const unit = fc.oneof(fc.constantFrom("'", '"', '\\', '$', '`', '\n', ' ', '*', '!', ';', '|', '&', '(', '~'), fc.string({ unit: 'binary-ascii', minLength: 1, maxLength: 1 }), fc.string({ unit: 'grapheme', minLength: 1, maxLength: 1 }));
    const argument = fc.string({ unit, maxLength: 20 }).filter((text) => !text.includes('\0'));
    fc.assert(
      fc.property(fc.array(argument, { maxLength: 6 }), (args) => {
        // printf '%s\0' prints each argument NUL-terminated: an exact round trip through sh -c.
        const result = spawnSync('/bin/sh', ['-c', quoteCommand(['printf', '%s\\0', 'first', ...args])], { encoding: 'utf8' });
        expect(result.status).toBe(0);
        expect(result.stdout).toBe(['first', ...args].map((arg) => `${arg}\0`).join(''));
      }),
      { numRuns: 200 },
    );
  });
});
