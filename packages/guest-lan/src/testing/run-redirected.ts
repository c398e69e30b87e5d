import type { GuestSimulation } from './guest-simulation.js';

/** A command and the files its output is redirected to, as a simulated shell (`cmd.exe`, `/bin/sh -c`) read them. */
export interface RedirectedCommand {
  readonly argv: readonly string[];
  readonly stdout?: string;
  readonly stderr?: string;
}

/**
 * Runs a redirected command on a simulated guest: its output lands in the
 * guest's files, except where `discards(path)` (the null device). With
 * `endless`, the process starts (its output files appear, empty) and never
 * ends: the result is undefined.
 */
export function runRedirected(
  guest: GuestSimulation,
  command: RedirectedCommand,
  discards: (path: string) => boolean,
  options: { readonly endless?: boolean } = {},
): number | undefined {
  const write = (path: string | undefined, text: string): void => {
    if (path !== undefined && !discards(path)) guest.files.set(path, new TextEncoder().encode(text));
  };
  if (options.endless === true) {
    write(command.stdout, '');
    write(command.stderr, '');
    return undefined;
  }
  const result = guest.run(command.argv);
  write(command.stdout, result.stdout);
  write(command.stderr, result.stderr);
  return result.exitCode;
}
