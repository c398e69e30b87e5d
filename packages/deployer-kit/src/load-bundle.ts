import { realpath } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { contentsBytes, ErrorCode, InputError, type BundleFile, type ComponentBundle, type Diagnostic, type OsFamily } from '@gipkit/plugin-api';
import { bundleFileStream, inspectBundleFile } from './bundle-file-source.js';
import { reservedBundleName } from './check-bundle.js';

const MANIFEST = 'bundle.json';
/** The largest `bundle.json` read. */
export const MANIFEST_MAX_BYTES = 1024 * 1024;
/** The largest bundle file accepted unless `maxFileBytes` says otherwise: 4 GiB. */
export const BUNDLE_FILE_MAX_BYTES = 4 * 1024 ** 3;
const NAME = /^[a-z0-9][a-z0-9-]*$/;
const VERSION = /^[0-9A-Za-z][0-9A-Za-z.+_-]*$/;
const FAMILIES: readonly OsFamily[] = ['linux', 'windows'];
const KEYS = ['name', 'version', 'files', 'start', 'health', 'description'];

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Line and column of a character offset, 1-based. */
function position(source: string, offset: number): { line: number; column: number } {
  const before = source.slice(0, offset).split('\n');
  return { line: before.length, column: (before.at(-1)?.length ?? 0) + 1 };
}

export interface LoadBundleOptions {
  /** The largest bundle file accepted, in bytes (default BUNDLE_FILE_MAX_BYTES, 4 GiB). */
  readonly maxFileBytes?: number;
}

/**
 * Reads a component bundle from a folder: `bundle.json`
 * (`{ name, version, files, start: { linux?, windows? }, health: { linux?, windows? } }`,
 * where each entry of `files` is a path or `{ path, executable, family }`) and
 * checks the files it lists. Every problem is reported at once, in one
 * `InputError` with code GIPKIT_BUNDLE_INVALID whose diagnostics name the file,
 * the place and the value.
 *
 * A listed file must be a regular file whose real path (every link resolved)
 * stays in the bundle folder, must not use a name the deployers write
 * (RESERVED_BUNDLE_NAMES), and must be readable and at most `maxFileBytes`
 * long. Nothing is read into memory: each file's `contents` is an
 * `UploadStream` that reads it in chunks while it is uploaded, and refuses
 * (GIPKIT_BUNDLE_CHANGED) a file replaced or resized since it was loaded.
 */
export async function loadBundle(folder: string, options: LoadBundleOptions = {}): Promise<ComponentBundle> {
  const maxFileBytes = options.maxFileBytes ?? BUNDLE_FILE_MAX_BYTES;
  const file = join(folder, MANIFEST);
  const problems: Diagnostic[] = [];
  const problem = (path: string, message: string, value?: unknown): void => {
    problems.push(value === undefined ? { file, path, message } : { file, path, message, value });
  };
  const invalid = (): InputError => new InputError(ErrorCode.BundleInvalid, `bundle ${resolve(folder)} is invalid:`, problems);

  let root: string;
  try {
    root = await realpath(folder);
  } catch (error) {
    problem('', `cannot read the manifest: the bundle folder ${resolve(folder)} cannot be read (${(error as Error).message})`);
    throw invalid();
  }
  const manifestFile = await inspectBundleFile(root, [MANIFEST], MANIFEST_MAX_BYTES);
  if (!manifestFile.ok) {
    problem('', `cannot read the manifest: ${MANIFEST} ${manifestFile.problem}`);
    throw invalid();
  }
  let source: string;
  try {
    source = new TextDecoder().decode(await contentsBytes(bundleFileStream(MANIFEST, manifestFile.file), new AbortController().signal));
  } catch (error) {
    problem('', `cannot read the manifest: ${(error as Error).message}`);
    throw invalid();
  }
  let manifest: unknown;
  try {
    manifest = JSON.parse(source.replace(/^\uFEFF/, ''));
  } catch (error) {
    const message = (error as Error).message;
    const offset = /position (\d+)/.exec(message)?.[1];
    problems.push({ file, path: '', message: `not valid JSON: ${message}`, ...(offset === undefined ? {} : position(source, Number(offset))) });
    throw invalid();
  }
  if (!isObject(manifest)) {
    problem('', 'the manifest must be a JSON object', manifest);
    throw invalid();
  }

  for (const key of Object.keys(manifest)) if (!KEYS.includes(key)) problem(key, `unknown key (expected one of ${KEYS.join(', ')})`, manifest[key]);
  const { name, version } = manifest;
  if (typeof name !== 'string' || !NAME.test(name)) problem('name', `must be a string matching ${NAME.source}`, name);
  if (typeof version !== 'string' || !VERSION.test(version)) problem('version', `must be a string matching ${VERSION.source}`, version);

  const files: BundleFile[] = [];
  if (!Array.isArray(manifest.files) || manifest.files.length === 0) {
    problem('files', 'must be a non-empty array of paths or { path, executable, family } objects', manifest.files);
  } else {
    const seen = new Set<string>();
    for (const [index, entry] of (manifest.files as unknown[]).entries()) {
      const at = `files[${index}]`;
      const path = isObject(entry) ? entry.path : entry;
      const where = isObject(entry) ? `${at}.path` : at;
      if (isObject(entry)) {
        for (const key of Object.keys(entry)) if (key !== 'path' && key !== 'executable' && key !== 'family') problem(`${at}.${key}`, 'unknown key (expected path, executable, family)', entry[key]);
        if (entry.executable !== undefined && typeof entry.executable !== 'boolean') problem(`${at}.executable`, 'must be true or false', entry.executable);
        if (entry.family !== undefined && !FAMILIES.includes(entry.family as OsFamily)) problem(`${at}.family`, `must be one of ${FAMILIES.join(', ')}`, entry.family);
      }
      if (typeof path !== 'string') {
        problem(where, 'must be a path relative to the bundle folder', path);
        continue;
      }
      const segments = path.split('/');
      if (path.includes('\\') || segments.some((segment) => segment === '' || segment === '.' || segment === '..')) {
        problem(where, "must be relative, '/'-separated, without '.' or '..'", path);
        continue;
      }
      if (seen.has(path)) problem(where, 'is listed twice', path);
      seen.add(path);
      const reserved = reservedBundleName(path);
      if (reserved !== undefined) {
        problem(where, `is a name the deployer writes itself in the component's folder (reserved: ${reserved})`, path);
        continue;
      }
      const checked = await inspectBundleFile(root, segments, maxFileBytes);
      if (!checked.ok) {
        problem(where, checked.problem, path);
        continue;
      }
      const family = isObject(entry) && FAMILIES.includes(entry.family as OsFamily) ? (entry.family as OsFamily) : undefined;
      files.push({
        path,
        contents: bundleFileStream(path, checked.file),
        ...(isObject(entry) && entry.executable === true ? { executable: true } : {}),
        ...(family === undefined ? {} : { family }),
      });
    }
  }

  const commands = (key: 'start' | 'health'): Partial<Record<OsFamily, readonly string[]>> => {
    const value = manifest[key];
    const result: Partial<Record<OsFamily, readonly string[]>> = {};
    if (!isObject(value) || Object.keys(value).length === 0) {
      problem(key, `must be an object with a command per OS family (${FAMILIES.join(', ')})`, value);
      return result;
    }
    for (const [family, command] of Object.entries(value)) {
      if (!FAMILIES.includes(family as OsFamily)) {
        problem(`${key}.${family}`, `unknown OS family (expected ${FAMILIES.join(' or ')})`, command);
      } else if (!Array.isArray(command) || command.length === 0 || !command.every((word) => typeof word === 'string') || command[0] === '') {
        problem(`${key}.${family}`, 'must be a non-empty array of strings: the program and its arguments', command);
      } else {
        result[family as OsFamily] = command as string[];
      }
    }
    return result;
  };
  const start = commands('start');
  const health = commands('health');
  const given = (key: 'start' | 'health', family: OsFamily): boolean => isObject(manifest[key]) && (manifest[key] as Record<string, unknown>)[family] !== undefined;
  for (const family of FAMILIES) {
    if (given('start', family) && !given('health', family) && isObject(manifest.health)) problem(`health.${family}`, `is missing: start.${family} needs a health command`);
    if (given('health', family) && !given('start', family) && isObject(manifest.start)) problem(`start.${family}`, `is missing: health.${family} needs a start command`);
  }

  if (problems.length > 0) throw invalid();
  return { name: name as string, version: version as string, files, start, health };
}
