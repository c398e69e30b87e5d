import { splitWindowsCommandLine } from '@gipkit/guest-lan/testing';

/**
 * How PowerShell reads the scripts of the PowerShell Direct connector,
 * written independently of `../power-shell-script.ts` so that tests check one
 * against the other. A script the simulation does not know is an error.
 */

const isSingleQuote = (char: string | undefined): boolean => char !== undefined && /['\u2018\u2019\u201A\u201B]/.test(char);

/**
 * Reads a single-quoted string literal starting at `start`, as PowerShell's
 * tokenizer does: any of the four single quotes opens and closes it, and two
 * in a row stand for one (the second is kept). Returns its value and where
 * the text after it begins.
 */
export function readPowerShellString(text: string, start: number): { readonly value: string; readonly end: number } {
  if (!isSingleQuote(text[start])) throw new Error(`simulated PowerShell: expected a single-quoted string at ${start}`);
  let value = '';
  let i = start + 1;
  for (;;) {
    const char = text[i];
    if (char === undefined) throw new Error('simulated PowerShell: unterminated string');
    if (isSingleQuote(char)) {
      if (!isSingleQuote(text[i + 1])) return { value, end: i + 1 };
      value += text[i + 1];
      i += 2;
    } else {
      value += char;
      i++;
    }
  }
}

/** What a script of the connector asks for. */
export type PowerShellAction =
  | { readonly kind: 'run'; readonly program: string; readonly arguments: string; readonly argv: readonly string[] }
  | { readonly kind: 'create-directory'; readonly path: string }
  | { readonly kind: 'remove'; readonly path: string };

/** Reads the literal after `prefix` and checks what follows it. */
function literalAfter(script: string, prefix: string, followedBy: RegExp): string | undefined {
  const at = script.indexOf(prefix);
  if (at < 0) return undefined;
  const { value, end } = readPowerShellString(script, at + prefix.length);
  if (!followedBy.test(script.slice(end))) throw new Error(`simulated PowerShell: unexpected text after the string for ${prefix.trim()}`);
  return value;
}

export function interpretPowerShellScript(script: string): PowerShellAction {
  const program = literalAfter(script, '$start.FileName = ', /^\n/);
  if (program !== undefined) {
    const args = literalAfter(script, '$start.Arguments = ', /^\n/) ?? '';
    // Arguments split by the rules for arguments, not for the program name.
    return { kind: 'run', program, arguments: args, argv: [program, ...splitWindowsCommandLine(`program ${args}`).slice(1)] };
  }
  const folder = literalAfter(script, '[System.IO.Directory]::CreateDirectory(', /^\)\s*$/);
  if (folder !== undefined) return { kind: 'create-directory', path: folder };
  const removed = literalAfter(script, 'Remove-Item -LiteralPath ', /^ -Recurse -Force \}\s*$/);
  if (removed !== undefined) return { kind: 'remove', path: removed };
  throw new Error('simulated PowerShell: unknown script');
}
