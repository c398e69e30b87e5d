import { createHash, randomBytes } from 'node:crypto';
import { constants, promises as fs } from 'node:fs';
import { join } from 'node:path';
import { ErrorCode, GipkitError, type BundleFile, type ComponentBundle, type OsFamily } from '@gipkit/plugin-api';
import { DIGEST } from './queue-keys.js';
import { flag, integer, own, record, ShapeProblem, text } from './message-shape.js';

/** The largest bundle a run publishes unless told otherwise (`maxBundleBytes`). */
export const DEFAULT_MAX_BUNDLE_BYTES = 64 * 1024 * 1024;
const HEADER_MAX_BYTES = 1024 * 1024;
const FAMILIES: readonly OsFamily[] = ['linux', 'windows'];

/** A bundle as one block of bytes, named by their SHA-256. */
export interface PackedBundle {
  readonly digest: string;
  readonly bytes: Buffer;
}

/**
 * Packs a bundle into one block: a 4-byte big-endian header length, the
 * header (JSON: name, version, start and health commands, each file's path,
 * size, mode and family), then every file's bytes in order. The same bundle
 * packs to the same bytes, so its digest names it. Throws past
 * `maxBytes`, before reading more: GIPKIT_BUNDLE_INVALID.
 */
export async function packBundle(bundle: ComponentBundle, maxBytes: number, signal: AbortSignal): Promise<PackedBundle> {
  const bodies: Uint8Array[] = [];
  const files: { path: string; size: number; executable?: true; family?: OsFamily }[] = [];
  let total = 0;
  for (const file of bundle.files) {
    const chunks: Uint8Array[] = [];
    let size = 0;
    const add = (chunk: Uint8Array): void => {
      size += chunk.byteLength;
      total += chunk.byteLength;
      if (total > maxBytes) throw tooLarge(bundle, maxBytes);
      chunks.push(chunk);
    };
    if (file.contents instanceof Uint8Array) add(file.contents);
    else for await (const chunk of file.contents.open(signal)) add(chunk);
    bodies.push(...chunks);
    files.push({ path: file.path, size, ...(file.executable === true ? { executable: true as const } : {}), ...(file.family === undefined ? {} : { family: file.family }) });
  }
  const header = Buffer.from(JSON.stringify({ name: bundle.name, version: bundle.version, start: bundle.start, health: bundle.health, files }), 'utf8');
  const length = Buffer.alloc(4);
  length.writeUInt32BE(header.byteLength);
  const bytes = Buffer.concat([length, header, ...bodies]);
  if (bytes.byteLength > maxBytes) throw tooLarge(bundle, maxBytes);
  return { digest: sha256(bytes), bytes };
}

function tooLarge(bundle: ComponentBundle, maxBytes: number): GipkitError {
  return new GipkitError(ErrorCode.BundleInvalid, `bundle ${bundle.name}@${bundle.version} is larger than the ${maxBytes}-byte limit for publishing to agents (raise it with maxBundleBytes, --max-bundle-bytes)`);
}

export function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/**
 * The bundle in a packed block, after checking that its bytes are the ones
 * `digest` names and that the header describes exactly the bytes after it.
 * Throws a `ShapeProblem` saying what does not match; nothing of a block that
 * fails is used.
 */
export function unpackBundle(bytes: Buffer, digest: string, maxBytes: number): ComponentBundle {
  if (bytes.byteLength > maxBytes) throw new ShapeProblem(`the bundle is larger than this agent's ${maxBytes}-byte limit`);
  const actual = sha256(bytes);
  if (actual !== digest) throw new ShapeProblem(`the bundle's SHA-256 is ${actual}, not the ${digest} the task names`);
  if (bytes.byteLength < 4) throw new ShapeProblem('the bundle is truncated');
  const headerLength = bytes.readUInt32BE(0);
  if (headerLength > HEADER_MAX_BYTES || 4 + headerLength > bytes.byteLength) throw new ShapeProblem('the bundle header is truncated or too large');
  let parsed: unknown;
  try {
    parsed = JSON.parse(bytes.subarray(4, 4 + headerLength).toString('utf8'));
  } catch {
    throw new ShapeProblem('the bundle header is not JSON');
  }
  const header = record(parsed, 'bundle', ['name', 'version', 'start', 'health', 'files']);
  const list = own(header, 'files');
  if (!Array.isArray(list) || list.length > 100_000) throw new ShapeProblem('bundle.files must be a list');
  let offset = 4 + headerLength;
  const files: BundleFile[] = list.map((value: unknown, index) => {
    const where = `bundle.files[${index}]`;
    const file = record(value, where, ['path', 'size', 'executable', 'family']);
    const size = integer(file, 'size', where, 0, maxBytes);
    if (offset + size > bytes.byteLength) throw new ShapeProblem(`${where} runs past the end of the bundle`);
    const contents = bytes.subarray(offset, offset + size);
    offset += size;
    const family = own(file, 'family');
    if (family !== undefined && !FAMILIES.includes(family as OsFamily)) throw new ShapeProblem(`${where}.family must be linux or windows`);
    return {
      path: text(file, 'path', where, { max: 4096 }),
      contents,
      ...(flag(file, 'executable', where) === true ? { executable: true } : {}),
      ...(family === undefined ? {} : { family: family as OsFamily }),
    };
  });
  if (offset !== bytes.byteLength) throw new ShapeProblem('the bundle has bytes that no file describes');
  return {
    name: text(header, 'name', 'bundle', { max: 128 }),
    version: text(header, 'version', 'bundle', { max: 128 }),
    files,
    start: commands(own(header, 'start'), 'bundle.start'),
    health: commands(own(header, 'health'), 'bundle.health'),
  };
}

function commands(value: unknown, where: string): Partial<Record<OsFamily, readonly string[]>> {
  const object = record(value, where, FAMILIES);
  const result: Partial<Record<OsFamily, readonly string[]>> = {};
  for (const family of FAMILIES) {
    const command = own(object, family);
    if (command === undefined) continue;
    if (!Array.isArray(command) || command.length > 256 || !command.every((part) => typeof part === 'string')) throw new ShapeProblem(`${where}.${family} must be a list of strings`);
    result[family] = command as string[];
  }
  return result;
}

/**
 * Packed bundles an agent keeps on its own disk, one file per digest. The
 * folder is created private (0700); a cached file is read without following a
 * link, must be a regular file, and is checked against its digest every time
 * it is used: a file that merely exists under the right name is never trusted.
 */
export class BundleCache {
  readonly #dir: string;

  constructor(dir: string) {
    this.#dir = dir;
  }

  async read(digest: string, maxBytes: number): Promise<Buffer | undefined> {
    if (!DIGEST.test(digest)) return undefined;
    let handle: fs.FileHandle;
    try {
      handle = await fs.open(join(this.#dir, `${digest}.bundle`), constants.O_RDONLY | constants.O_NOFOLLOW);
    } catch {
      return undefined;
    }
    try {
      const stat = await handle.stat();
      if (!stat.isFile() || stat.size > maxBytes) return undefined;
      const bytes = await handle.readFile();
      return sha256(bytes) === digest ? bytes : undefined;
    } finally {
      await handle.close();
    }
  }

  /** Writes atomically (a private temporary file renamed into place). */
  async write(digest: string, bytes: Buffer): Promise<void> {
    if (!DIGEST.test(digest)) throw new TypeError(`not a digest: ${JSON.stringify(digest)}`);
    await fs.mkdir(this.#dir, { recursive: true, mode: 0o700 });
    const temporary = join(this.#dir, `.${digest}.${randomBytes(6).toString('hex')}.tmp`);
    await fs.writeFile(temporary, bytes, { mode: 0o600, flag: 'wx' });
    await fs.rename(temporary, join(this.#dir, `${digest}.bundle`));
  }
}
