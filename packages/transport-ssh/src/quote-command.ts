/**
 * Quotes a program and its arguments for a POSIX shell (`sh -c`), which is how
 * an SSH server runs an exec request: every argument in single quotes, a single
 * quote as `'\''`. The guest then runs exactly these arguments, never
 * expanding `$`, globs, `;` or newlines in them.
 */
export function quoteCommand(command: readonly string[]): string {
  return command.map(quoteArgument).join(' ');
}

export function quoteArgument(argument: string): string {
  return `'${argument.replaceAll("'", `'\\''`)}'`;
}
