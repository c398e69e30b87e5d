// Parsers that play the guest's side in tests: what a POSIX shell or cmd.exe would make of a command line.
export { interpretShellCommand } from './posix-shell-parser.js';
export type { ShellInvocation } from './posix-shell-parser.js';
export { splitWindowsCommandLine, interpretCmdCommandLine } from './windows-command-line-parser.js';
export type { CmdInvocation } from './windows-command-line-parser.js';
