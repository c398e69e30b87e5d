import type { GuestSimulation } from './guest-simulation.js';
import { runRedirected } from './run-redirected.js';
import { interpretCmdCommandLine, splitWindowsCommandLine } from '@gipkit/connector-kit/testing';

const isCmd = (program: string): boolean => /(^|[\\/])cmd(\.exe)?$/i.test(program);

/**
 * Runs a Windows command line on a simulated guest: through simulated
 * `cmd.exe` (redirections written to the guest's files, `NUL` discarded) or
 * directly. With `endless`, the process starts (its redirection files
 * appear, empty) and never ends: the result is undefined.
 */
export function runWindowsCommandLine(guest: GuestSimulation, commandLine: string, options: { readonly endless?: boolean } = {}): number | undefined {
  const argv = splitWindowsCommandLine(commandLine);
  if (!isCmd(argv[0] ?? '')) return options.endless === true ? undefined : guest.run(argv).exitCode;
  return runRedirected(guest, interpretCmdCommandLine(commandLine), (path) => path.toUpperCase() === 'NUL', options);
}
