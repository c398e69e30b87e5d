import { Buffer } from 'node:buffer';
import type { OsFamily } from '@gipkit/plugin-api';

/**
 * The guest programs the `qemu-agent` session runs for what the agent API has
 * no call for: make a folder, set a mode, remove a tree, join the parts of a
 * large upload, stop a process that outlived its timeout. Each is an argv for
 * `agent/exec`: coreutils on Linux, an encoded PowerShell script on Windows.
 */
export interface GuestCommands {
  readonly family: OsFamily;
  /** An absolute path: `/…` on Linux, `C:\…` on Windows. */
  isAbsolute(path: string): boolean;
  /** The file system root (`/`, `C:\`): never removed. */
  isRoot(path: string): boolean;
  /** The folder a path is in; undefined for a root. */
  parent(path: string): string | undefined;
  makeFolder(path: string): readonly string[];
  /** Sets a POSIX mode (Linux); undefined where modes do not apply. */
  setMode(path: string, mode: number): readonly string[] | undefined;
  /** Removes a file or a folder with everything in it; exits 0 for a missing path. */
  remove(path: string): readonly string[];
  /** Writes the parts, in order, into `target`, then removes the parts (also when it fails). */
  join(target: string, parts: readonly string[]): readonly string[];
  /** Stops a process the session gave up waiting for (best effort). */
  kill(pid: number): readonly string[];
}

/** Joins upload parts: `sh -c LINUX_JOIN_SCRIPT <target> <part>…`. */
export const LINUX_JOIN_SCRIPT = 'cat -- "$@" > "$0"; status=$?; rm -f -- "$@"; exit $status';
/** Windows PowerShell, as the helpers run it; the script follows `-EncodedCommand` (base64 of UTF-16LE). */
export const POWERSHELL = ['powershell.exe', '-NoProfile', '-NonInteractive', '-ExecutionPolicy', 'Bypass'] as const;
/** First line of every helper script: `# gipkit qemu-agent helper: <action>`. */
export const WINDOWS_HELPER_MARKER = '# gipkit qemu-agent helper: ';
/** Second line: the helper's arguments, as JSON in a single-quoted PowerShell string. */
export const WINDOWS_ARGUMENTS_PREFIX = '$arguments = ConvertFrom-Json ';

export type WindowsHelperAction = 'make-folder' | 'remove' | 'join';

const WINDOWS_HELPERS: Readonly<Record<WindowsHelperAction, readonly string[]>> = {
  'make-folder': ['[System.IO.Directory]::CreateDirectory($arguments.path) | Out-Null'],
  remove: ['if (Test-Path -LiteralPath $arguments.path) { Remove-Item -LiteralPath $arguments.path -Recurse -Force }'],
  join: [
    '$out = [System.IO.File]::Create($arguments.target)',
    'try {',
    '  foreach ($part in $arguments.parts) {',
    '    $in = [System.IO.File]::OpenRead($part)',
    '    try { $in.CopyTo($out) } finally { $in.Dispose() }',
    '  }',
    '} finally {',
    '  $out.Dispose()',
    '  foreach ($part in $arguments.parts) { Remove-Item -LiteralPath $part -Force -ErrorAction SilentlyContinue }',
    '}',
  ],
};

/** `[...POWERSHELL, '-EncodedCommand', …]` for one helper; arguments travel as JSON, so paths need no quoting. */
export function windowsHelper(action: WindowsHelperAction, args: Readonly<Record<string, unknown>>): readonly string[] {
  const script = [
    `${WINDOWS_HELPER_MARKER}${action}`,
    `${WINDOWS_ARGUMENTS_PREFIX}'${JSON.stringify(args).replaceAll("'", "''")}'`,
    "$ErrorActionPreference = 'Stop'",
    ...WINDOWS_HELPERS[action],
  ].join('\r\n');
  return [...POWERSHELL, '-EncodedCommand', Buffer.from(script, 'utf16le').toString('base64')];
}

const LINUX: GuestCommands = {
  family: 'linux',
  isAbsolute: (path) => path.startsWith('/'),
  isRoot: (path) => /^\/+$/.test(path),
  parent: (path) => {
    const trimmed = path.replace(/\/+$/, '');
    if (trimmed === '') return undefined;
    const at = trimmed.lastIndexOf('/');
    return at <= 0 ? '/' : trimmed.slice(0, at);
  },
  makeFolder: (path) => ['mkdir', '-p', '--', path],
  setMode: (path, mode) => ['chmod', (mode & 0o7777).toString(8).padStart(4, '0'), '--', path],
  remove: (path) => ['rm', '-rf', '--', path],
  join: (target, parts) => ['/bin/sh', '-c', LINUX_JOIN_SCRIPT, target, ...parts],
  kill: (pid) => ['kill', '-KILL', String(pid)],
};

const WINDOWS_ROOT = /^[A-Za-z]:[\\/]*$/;

const WINDOWS: GuestCommands = {
  family: 'windows',
  isAbsolute: (path) => /^[A-Za-z]:[\\/]/.test(path),
  isRoot: (path) => WINDOWS_ROOT.test(path),
  parent: (path) => {
    if (WINDOWS_ROOT.test(path)) return undefined;
    const trimmed = path.replace(/[\\/]+$/, '');
    const at = Math.max(trimmed.lastIndexOf('\\'), trimmed.lastIndexOf('/'));
    if (at < 0) return undefined;
    const parent = trimmed.slice(0, at);
    return /^[A-Za-z]:$/.test(parent) ? `${parent}\\` : parent;
  },
  makeFolder: (path) => windowsHelper('make-folder', { path }),
  setMode: () => undefined,
  remove: (path) => windowsHelper('remove', { path }),
  join: (target, parts) => windowsHelper('join', { target, parts }),
  kill: (pid) => ['taskkill.exe', '/PID', String(pid), '/T', '/F'],
};

export function guestCommands(family: OsFamily): GuestCommands {
  return family === 'windows' ? WINDOWS : LINUX;
}
