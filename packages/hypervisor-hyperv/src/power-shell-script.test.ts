import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createDirectoryScript, quotePowerShellString, removeScript, runScript } from './power-shell-script.js';
import { interpretPowerShellScript, readPowerShellString } from './testing/power-shell-parser.js';

const text = fc.string({ unit: fc.oneof(fc.constantFrom("'", '\u2018', '\u2019', '\u201A', '\u201B', '"', '`', '$', '\\', ' ', '\n', '@', '(', ')'), fc.string({ unit: 'grapheme', minLength: 1, maxLength: 1 })) });

describe('PowerShell single-quoted strings', () => {
  it('every kind of single quote is doubled; nothing else changes', () => {
    expect(quotePowerShellString("it's")).toBe("'it''s'");
    expect(quotePowerShellString('$env:PATH `n "x"')).toBe(`'$env:PATH \`n "x"'`);
    expect(quotePowerShellString('\u2018curly\u2019')).toBe(`'\u2018\u2018curly\u2019\u2019'`);
    expect(quotePowerShellString('')).toBe("''");
  });

  it('PowerShell single quotes round-trip, whatever the text', () => {
    fc.assert(fc.property(text, (value) => {
      const literal = quotePowerShellString(value);
      expect(readPowerShellString(`${literal} tail`, 0)).toEqual({ value, end: literal.length });
    }), { numRuns: 500 });
  });

  it('argv round-trips through the run script: single quotes in PowerShell, CommandLineToArgvW in the guest', () => {
    const tricky = ['C:\\Program Files\\agent.exe', "it's", '\u2019', '', '"quoted"', 'trailing\\', 'C:\\my dir\\', '$(Stop-Computer)', '%PATH%'];
    expect(interpretPowerShellScript(runScript(tricky, 5_000))).toMatchObject({ kind: 'run', argv: tricky });
    fc.assert(fc.property(fc.stringMatching(/^[A-Za-z0-9 _.\\:'$-]{1,20}$/), fc.array(text), (program, args) => {
      expect(interpretPowerShellScript(runScript([program, ...args], 5_000))).toMatchObject({ argv: [program, ...args] });
    }), { numRuns: 300 });
  });

  it('folder and removal scripts carry the path literally', () => {
    const path = "C:\\gipkit\\o'brien [1] $x";
    expect(interpretPowerShellScript(createDirectoryScript(path))).toEqual({ kind: 'create-directory', path });
    expect(interpretPowerShellScript(removeScript(path))).toEqual({ kind: 'remove', path });
  });

  it('the run script kills a program that outlives the call timeout', () => {
    expect(runScript(['agent.exe'], 1_500)).toContain('$process.WaitForExit(1500)');
  });
});
