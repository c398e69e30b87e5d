import { Buffer } from 'node:buffer';
import { constants } from 'node:fs';
import { lstat, open, realpath, type FileHandle } from 'node:fs/promises';
import { join, sep } from 'node:path';
import { ErrorCode, GipkitError, type UploadStream } from '@gipkit/plugin-api';

/** Bytes per read of a bundle file while it is uploaded. */
export const BUNDLE_CHUNK_BYTES = 256 * 1024;

/**
 * Opened for reading only, never through a link in the last segment, and
 * without waiting for a writer should the file have become a FIFO. (Windows
 * has neither flag; the real path and identity checks still apply there.)
 */
const READ_FLAGS = constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0);

/** What was checked when the bundle loaded: the upload reads this file and no other. */
export interface BundleFileIdentity {
  /** The file's real path: no link in it. */
  readonly real: string;
  readonly dev: bigint;
  readonly ino: bigint;
  readonly size: number;
}

export type InspectResult = { readonly ok: true; readonly file: BundleFileIdentity } | { readonly ok: false; readonly problem: string };

const codeOf = (error: unknown): string | undefined => (error as { code?: unknown } | null)?.code as string | undefined;

/** Why a file cannot be read, in the words of a diagnostic. */
function readProblem(error: unknown, where: string): string {
  switch (codeOf(error)) {
    case 'ENOENT':
    case 'ENOTDIR':
      return `does not exist in ${where}`;
    case 'EACCES':
    case 'EPERM':
      return 'is not readable (permission denied)';
    case 'EFBIG':
    case 'EOVERFLOW':
    case 'ERR_FS_FILE_TOO_LARGE':
      return 'is too large to read';
    case 'ELOOP':
      return 'is a loop of links';
    default:
      return `cannot be read: ${(error as Error).message}`;
  }
}

function kindOf(stats: { isDirectory(): boolean; isSymbolicLink(): boolean; isFIFO(): boolean; isSocket(): boolean; isCharacterDevice(): boolean; isBlockDevice(): boolean }): string {
  if (stats.isDirectory()) return 'a folder';
  if (stats.isSymbolicLink()) return 'a link';
  if (stats.isFIFO()) return 'a named pipe';
  if (stats.isSocket()) return 'a socket';
  if (stats.isCharacterDevice() || stats.isBlockDevice()) return 'a device';
  return 'not a regular file';
}

/** `real` is `root` or lies under it. */
export function isInside(root: string, real: string): boolean {
  return real === root || real.startsWith(root.endsWith(sep) ? root : `${root}${sep}`);
}

/**
 * Checks one file of a bundle: its real path (every link resolved) stays in
 * the bundle folder `root` (itself a real path), it is a regular file this
 * process can read, and it is at most `maxBytes` long. Returns what the
 * upload will check again, or the problem.
 */
export async function inspectBundleFile(root: string, segments: readonly string[], maxBytes: number): Promise<InspectResult> {
  const listed = join(root, ...segments);
  const refuse = (problem: string): InspectResult => ({ ok: false, problem });
  const isLink = async (): Promise<boolean> => (await lstat(listed).catch(() => undefined))?.isSymbolicLink() === true;
  let real: string;
  try {
    real = await realpath(listed);
  } catch (error) {
    if ((codeOf(error) === 'ENOENT' || codeOf(error) === 'ENOTDIR') && (await isLink())) return refuse('is a link to something that does not exist');
    return refuse(readProblem(error, root));
  }
  if (!isInside(root, real)) {
    return refuse((await isLink())
      ? `is a link to ${real}, outside the bundle folder ${root}`
      : `lies under a linked folder: its real path ${real} is outside the bundle folder ${root}`);
  }
  let handle: FileHandle;
  try {
    handle = await open(real, READ_FLAGS);
  } catch (error) {
    return refuse(readProblem(error, root));
  }
  try {
    const stats = await handle.stat({ bigint: true });
    if (!stats.isFile()) return refuse(`is not a file (${kindOf(stats)})`);
    if (stats.size > BigInt(maxBytes)) return refuse(`is too large: ${stats.size} bytes (at most ${maxBytes})`);
    // What was opened is what the real path names now (no folder of it swapped for a link meanwhile).
    const again = await lstat(await realpath(listed), { bigint: true }).catch(() => undefined);
    if (again === undefined || again.dev !== stats.dev || again.ino !== stats.ino) return refuse('changed while the bundle was loading');
    return { ok: true, file: { real, dev: stats.dev, ino: stats.ino, size: Number(stats.size) } };
  } catch (error) {
    return refuse(readProblem(error, root));
  } finally {
    await handle.close();
  }
}

/**
 * The contents of a checked bundle file as an `UploadStream`: every `open`
 * opens the real path afresh (never following a link), refuses a file that is
 * no longer the one checked (another file, another size), and reads it in
 * chunks of BUNDLE_CHUNK_BYTES. Nothing of the file is held between reads.
 * `label` names the file in errors.
 */
export function bundleFileStream(label: string, file: BundleFileIdentity): UploadStream {
  return { size: file.size, open: (signal) => readChunks(label, file, signal) };
}

async function* readChunks(label: string, file: BundleFileIdentity, signal: AbortSignal): AsyncGenerator<Uint8Array> {
  signal.throwIfAborted();
  const changed = (how: string, cause?: unknown): GipkitError =>
    new GipkitError(ErrorCode.BundleChanged, `bundle file ${label} (${file.real}) ${how} since the bundle was loaded; it is not uploaded`, { cause });
  let handle: FileHandle;
  try {
    handle = await open(file.real, READ_FLAGS);
  } catch (error) {
    throw changed(codeOf(error) === 'ELOOP' ? 'was replaced by a link' : `cannot be opened any more (${codeOf(error) ?? (error as Error).message})`, error);
  }
  try {
    const stats = await handle.stat({ bigint: true });
    if (!stats.isFile() || stats.dev !== file.dev || stats.ino !== file.ino) throw changed('was replaced by another file');
    if (stats.size !== BigInt(file.size)) throw changed(`changed size (${file.size} bytes then, ${stats.size} now)`);
    for (let position = 0; position < file.size; ) {
      signal.throwIfAborted();
      const length = Math.min(BUNDLE_CHUNK_BYTES, file.size - position);
      const chunk = Buffer.allocUnsafe(length);
      for (let filled = 0; filled < length; ) {
        const { bytesRead } = await handle.read(chunk, filled, length - filled, position + filled);
        if (bytesRead === 0) throw changed(`became shorter (${position + filled} bytes of ${file.size} read)`);
        filled += bytesRead;
      }
      position += length;
      yield chunk;
    }
  } finally {
    await handle.close();
  }
}
