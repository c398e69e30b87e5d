import type { CommandResult } from '@gipkit/plugin-api';

/** A simulated guest with a table of commands by name: `SimulatedGuest` of `@gipkit/testkit` fits. */
export interface GuestWithCommands {
  readonly commands: { set(name: string, command: (guest: never, args: readonly string[]) => CommandResult): unknown };
}

const result = (exitCode: number, stdout = '', stderr = ''): CommandResult => ({ exitCode, stdout, stderr, truncated: false });

/**
 * Adds the commands connector tests run: `true`; `exit <code>`;
 * `say <stdout> <stderr>`; `args …`, which prints its arguments as JSON (so
 * a test sees that argv arrives unchanged). Returns the guest.
 */
export function addTestCommands<G extends GuestWithCommands>(guest: G): G {
  guest.commands.set('true', () => result(0));
  guest.commands.set('exit', (_, [code]) => result(Number(code)));
  guest.commands.set('say', (_, [out, err]) => result(0, out ?? '', err ?? ''));
  guest.commands.set('args', (_, args) => result(0, JSON.stringify(args)));
  return guest;
}

/** Everything an error shows along its `cause` chain (messages, JSON, stacks): a test checks that no secret is in it. */
export function everythingShown(error: unknown): string {
  let text = '';
  for (let at: unknown = error; at instanceof Error; at = at.cause) text += `${at.message} ${JSON.stringify(at)} ${at.stack ?? ''}`;
  return text;
}
