import { ConnectorError, ErrorCode } from '@gipkit/plugin-api';

/** One word for a POSIX shell: in single quotes, a single quote as `'\''`. Nothing in it is expanded. */
export function quotePosixArgument(argument: string): string {
  return `'${argument.replaceAll("'", `'\\''`)}'`;
}

/**
 * Quotes a program and its arguments for a POSIX shell (`sh -c`), which is how
 * an SSH server runs an exec request: every argument a `quotePosixArgument`
 * word. The guest then runs exactly these arguments, never expanding `$`,
 * globs, `;` or newlines in them.
 */
export function quotePosixCommand(command: readonly string[]): string {
  return command.map(quotePosixArgument).join(' ');
}

/** Checks and normalises an absolute POSIX path: no `.` or `..` segments, no empty segments, no trailing `/`. */
export function normalizePosixPath(path: string): string {
  if (!path.startsWith('/') || path.includes('\0')) throw new ConnectorError(ErrorCode.ConnectorFailed, `${path} is not an absolute path (/…)`);
  const segments = path.split('/').filter((segment) => segment !== '');
  if (segments.some((segment) => segment === '.' || segment === '..')) {
    throw new ConnectorError(ErrorCode.ConnectorFailed, `${path} is not a plain path: . and .. are not allowed`);
  }
  return `/${segments.join('/')}`;
}

/** The folder holding a path (`/a/b` → `/a`, `/a` → `/`). */
export function posixParent(path: string): string {
  const normalized = normalizePosixPath(path);
  const last = normalized.lastIndexOf('/');
  return last <= 0 ? '/' : normalized.slice(0, last);
}
