import { ConnectorError, ErrorCode } from '@gipkit/plugin-api';

/**
 * Checks and normalises an absolute path on a Windows guest: a drive letter,
 * `\` as separator (`/` is accepted), no `.` or `..` segments, no empty
 * segments, no trailing separator except for a drive root (`C:\`).
 */
export function normalizeWindowsPath(path: string): string {
  const match = /^([A-Za-z]):[\\/](.*)$/s.exec(path);
  if (match === null) throw new ConnectorError(ErrorCode.ConnectorFailed, `${path} is not an absolute Windows path (C:\\…)`);
  const drive = (match[1] ?? '').toUpperCase();
  const segments = (match[2] ?? '').split(/[\\/]+/).filter((segment) => segment !== '');
  for (const segment of segments) {
    if (segment === '.' || segment === '..' || /[<>:"|?*\0-\x1f]/.test(segment)) {
      throw new ConnectorError(ErrorCode.ConnectorFailed, `${path} is not a plain Windows path: "${segment}" is not allowed as a path segment`);
    }
  }
  return `${drive}:\\${segments.join('\\')}`;
}

/** Where a path lives on the guest's administrative shares: drive `X:` is share `X$`. */
export interface AdminSharePath {
  /** `C$`, `D$`, … */
  readonly share: string;
  /** Relative to the share, `\`-separated; empty for the drive root. */
  readonly path: string;
}

/** Maps `C:\ProgramData\x` to share `C$`, path `ProgramData\x`. */
export function toAdminShare(path: string): AdminSharePath {
  const normalized = normalizeWindowsPath(path);
  return { share: `${normalized.slice(0, 1)}$`, path: normalized.slice(3) };
}

/** The folder holding a path (`C:\a\b` → `C:\a`); a drive root for top-level entries. */
export function windowsParent(path: string): string {
  const normalized = normalizeWindowsPath(path);
  const last = normalized.lastIndexOf('\\');
  return last <= 2 ? normalized.slice(0, 3) : normalized.slice(0, last);
}
