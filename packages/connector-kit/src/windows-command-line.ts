import { ConnectorError, ErrorCode } from '@gipkit/plugin-api';

/**
 * Windows has no argv: a process gets one command line and splits it itself,
 * almost always by the rules of `CommandLineToArgvW` and the C runtime
 * (https://learn.microsoft.com/cpp/c-language/parsing-c-command-line-arguments).
 * These functions build command lines that split back into exactly the
 * arguments given.
 */

/**
 * Quotes one argument (not the program) so that `CommandLineToArgvW` reads it
 * back unchanged: in double quotes when it is empty or holds a space, tab,
 * line break or double quote; a double quote as `\"`; backslashes doubled
 * where they precede a double quote, including the closing one.
 */
export function quoteWindowsArgument(argument: string): string {
  if (argument !== '' && !/[ \t\n\v"]/.test(argument)) return argument;
  let quoted = '"';
  let backslashes = 0;
  for (const char of argument) {
    if (char === '\\') {
      backslashes++;
      continue;
    }
    quoted += char === '"' ? `${'\\'.repeat(backslashes * 2 + 1)}"` : `${'\\'.repeat(backslashes)}${char}`;
    backslashes = 0;
  }
  return `${quoted}${'\\'.repeat(backslashes * 2)}"`;
}

/**
 * Quotes the program, the first word of a command line. It follows other
 * rules: it ends at the next double quote, with no escapes, so a program name
 * can hold no double quote (no Windows path does).
 */
export function quoteWindowsProgram(program: string): string {
  if (program === '') throw new ConnectorError(ErrorCode.ConnectorFailed, 'cannot run a command without a program');
  if (program.includes('"')) throw new ConnectorError(ErrorCode.ConnectorFailed, `cannot run ${program}: a program name cannot hold a double quote`);
  return /[ \t]/.test(program) ? `"${program}"` : program;
}

/** The command line for a program and its arguments, as `CreateProcess` or `Win32_Process.Create` take it. */
export function formatWindowsCommandLine(command: readonly string[]): string {
  const [program = '', ...args] = command;
  return [quoteWindowsProgram(program), ...args.map(quoteWindowsArgument)].join(' ');
}

/** Where `cmd.exe` sends a command's standard streams: absolute paths on the guest. */
export interface CmdRedirects {
  readonly stdout: string;
  readonly stderr: string;
}

/** Characters `cmd.exe` treats specially (and the space, which ends its command word); each is escaped with `^`. */
const CMD_SPECIAL = /[()[\]%!^"`<>&|;, *?]/g;

/**
 * The arguments of `cmd.exe` that run `command` with its standard output and
 * error redirected to files and its standard input from `NUL`:
 * `/d /v:off /s /c "…"`. Every word is first quoted for `CommandLineToArgvW`,
 * then every character special to `cmd.exe` (the double quotes included) is
 * escaped with `^`, so that `cmd.exe` never enters quoted mode, expands no
 * variable and runs no second command; it removes the carets and passes the
 * quoted command line on (the method of https://qntm.org/cmd, as in
 * cross-spawn). `/d` skips AutoRun commands, `/v:off` delayed expansion.
 *
 * `cmd.exe` cannot pass a line break inside an argument: such a command is
 * rejected. A batch file (`.cmd`, `.bat`) as the program sees its arguments as
 * quoted here (`%1` keeps the quotes).
 */
export function formatCmdArguments(command: readonly string[], redirects: CmdRedirects): string {
  for (const word of command) {
    if (/[\r\n\0]/.test(word)) {
      throw new ConnectorError(ErrorCode.ConnectorFailed, `cannot run ${command[0] ?? ''} through cmd.exe: an argument holds a line break or NUL character`);
    }
  }
  for (const path of [redirects.stdout, redirects.stderr]) {
    if (/["%^&<>|\r\n\0]/.test(path)) throw new ConnectorError(ErrorCode.ConnectorFailed, `cannot capture output to ${path}: the path holds a character cmd.exe treats specially`);
  }
  const [program = '', ...args] = command;
  const escaped = [quoteWindowsProgram(program), ...args.map(quoteWindowsArgument)].map((word) => word.replace(CMD_SPECIAL, '^$&'));
  return `/d /v:off /s /c "${escaped.join(' ')} <NUL 1>"${redirects.stdout}" 2>"${redirects.stderr}""`;
}
