import { constants as bufferConstants, isAscii } from 'node:buffer';
import { createHash } from 'node:crypto';
import { closeSync, constants, fstatSync, openSync, readSync, statSync, type Stats } from 'node:fs';

/** Input files (inventory, job, rules, lab) larger than this are refused unless `maxInputBytes` raises it: 1 GiB. */
export const DEFAULT_MAX_INPUT_BYTES = 1024 ** 3;

export interface ReadInputOptions {
  /** Largest file read, in bytes (default `DEFAULT_MAX_INPUT_BYTES`). */
  readonly maxInputBytes?: number | undefined;
}

/**
 * What reading an input file gave: its text with the SHA-256 (hex) and size
 * of the bytes read, or why there is none (a sentence naming no content).
 */
export type InputText = { readonly text: string; readonly sha256: string; readonly bytes: number } | { readonly problem: string };

// O_NONBLOCK: opening a FIFO does not wait for a writer (it is then refused); no effect on regular files.
// O_NOCTTY: opening a terminal never makes it the process's controlling terminal.
const OPEN_FLAGS = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0) | (constants.O_NOCTTY ?? 0);
const LATER_READ_BYTES = 1024 * 1024;

/** The limit a caller gave, checked: a programming error throws, as Node does for a bad option. */
export function maxInputBytesOf(options: ReadInputOptions = {}): number {
  const limit = options.maxInputBytes ?? DEFAULT_MAX_INPUT_BYTES;
  if (!Number.isSafeInteger(limit) || limit < 1) {
    throw new RangeError(`maxInputBytes must be a whole number of bytes of at least 1 (found ${String(limit)})`);
  }
  return limit;
}

/**
 * Reads an input file as UTF-8 text without ever waiting on it and without
 * reading more than the limit: only regular files (a symbolic link to one is
 * followed), so `/dev/zero`, a FIFO, a socket, a terminal or a folder is
 * refused at once, naming what it is. The kind is checked before opening and
 * again on the opened descriptor, so a path swapped in between is caught too.
 * At most `limit + 1` bytes are read: a file that grows while it is read, or
 * one whose size the system does not know (procfs), is refused like one that
 * was too large to begin with.
 */
export function readInputFile(file: string, options: ReadInputOptions = {}): InputText {
  const limit = maxInputBytesOf(options);
  let before: Stats;
  try {
    before = statSync(file);
  } catch (error) {
    return { problem: cannotRead(error) };
  }
  const early = kindOrSizeProblem(before, limit);
  if (early !== undefined) return { problem: early };
  let fd: number;
  try {
    fd = openSync(file, OPEN_FLAGS);
  } catch (error) {
    return { problem: cannotRead(error) };
  }
  try {
    const problem = kindOrSizeProblem(fstatSync(fd), limit);
    if (problem !== undefined) return { problem };
    return decode(readAtMost(fd, before.size, limit), limit);
  } catch (error) {
    return { problem: cannotRead(error) };
  } finally {
    closeSync(fd);
  }
}

function kindOrSizeProblem(stats: Stats, limit: number): string | undefined {
  if (!stats.isFile()) return `is ${kindOf(stats)}, not a regular file: inputs are read from regular files only`;
  if (stats.size > limit) return tooLarge(`${stats.size} bytes`, limit);
  return undefined;
}

function tooLarge(size: string, limit: number): string {
  return `is too large: ${size} (at most ${limit}; maxInputBytes, or --max-input-bytes, raises the limit)`;
}

/** Reads to the end of the file or to `limit + 1` bytes, whichever comes first; the first read expects the size fstat gave. */
function readAtMost(fd: number, expected: number, limit: number): Buffer {
  const chunks: Buffer[] = [];
  let total = 0;
  let want = Math.min(expected + 1, limit + 1);
  for (;;) {
    const buffer = Buffer.allocUnsafe(Math.min(want, limit + 1 - total));
    let filled = 0;
    while (filled < buffer.length) {
      const read = readSync(fd, buffer, filled, buffer.length - filled, null);
      if (read === 0) break;
      filled += read;
    }
    chunks.push(filled === buffer.length ? buffer : buffer.subarray(0, filled));
    total += filled;
    if (filled < buffer.length || total > limit) break;
    want = LATER_READ_BYTES;
  }
  return chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, total);
}

function decode(bytes: Buffer, limit: number): InputText {
  if (bytes.length > limit) return { problem: tooLarge(`more than ${limit} bytes`, limit) };
  try {
    // ASCII reads the same in Latin-1, which decodes by copying: most inventories are ASCII.
    return { text: isAscii(bytes) ? bytes.toString('latin1') : bytes.toString('utf8'), sha256: createHash('sha256').update(bytes).digest('hex'), bytes: bytes.length };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ERR_STRING_TOO_LONG') throw error;
    const most = Math.floor(bufferConstants.MAX_STRING_LENGTH / 1024 ** 2);
    return { problem: `is too large: ${bytes.length} bytes is more text than Node.js holds in one string (about ${most} MiB); split the file` };
  }
}

function cannotRead(error: unknown): string {
  const code = error instanceof Error && 'code' in error ? String(error.code) : String(error);
  return `cannot read the file (${code})`;
}

function kindOf(stats: Stats): string {
  if (stats.isDirectory()) return 'a folder';
  if (stats.isFIFO()) return 'a FIFO (named pipe)';
  if (stats.isCharacterDevice()) return 'a character device';
  if (stats.isBlockDevice()) return 'a block device';
  if (stats.isSocket()) return 'a socket';
  return 'an unknown kind of file';
}
