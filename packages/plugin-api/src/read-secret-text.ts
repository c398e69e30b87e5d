import { constants, type Stats } from 'node:fs';
import { open } from 'node:fs/promises';
import type { SecretReference } from './deployment.js';
import { ConnectorError, ErrorCode } from './errors.js';

/** A secret file is read within this long (a file on a hung network mount must not hang a run). */
export const SECRET_READ_TIMEOUT_MS = 5_000;
/** Secret files larger than this are refused: a password or a private key is far smaller. */
export const MAX_SECRET_BYTES = 64 * 1024;

export interface ReadSecretOptions {
  /** Default `SECRET_READ_TIMEOUT_MS`. */
  readonly timeoutMs?: number;
  /** Default `MAX_SECRET_BYTES`. */
  readonly maxBytes?: number;
  /** Stops waiting for the read. */
  readonly signal?: AbortSignal;
}

/** Where a reference points, for messages: `environment variable NAME`, `file PATH`, or `KIND secret VALUE`. Never the secret. */
export function secretSourceName(reference: SecretReference): string {
  const [kind = '', where = ''] = Object.entries(reference)[0] ?? [];
  if (kind === 'env') return `environment variable ${where}`;
  if (kind === 'file') return `file ${where}`;
  return `${kind} secret ${where}`;
}

/**
 * Reads the text a built-in secret reference names, once: `{ env }` from the
 * environment, `{ file }` from a regular file (a symbolic link to one is
 * followed). Never blocks the event loop and always settles: the file is
 * opened without waiting for a writer (a FIFO, a device or a folder is refused
 * at once), at most `maxBytes` are read, and the read gives up after
 * `timeoutMs` or when `signal` aborts. An unset variable, a missing,
 * unreadable, oversized, empty or whitespace-only secret rejects with a
 * `ConnectorError` (`GIPKIT_CONNECTOR_SECRET`) whose message names the
 * variable or the file, never the content.
 */
export async function readSecretText(reference: SecretReference, options: ReadSecretOptions = {}): Promise<string> {
  const source = secretSourceName(reference);
  let text: string;
  const fields: Readonly<Record<string, unknown>> = reference;
  const { env, file } = fields;
  if (typeof env === 'string') {
    const value = Object.prototype.hasOwnProperty.call(process.env, env) ? process.env[env] : undefined;
    if (value === undefined) throw unavailable(`${source} is not set`);
    text = value;
  } else if (typeof file === 'string') {
    text = await withinTime(source, readRegularFile(file, source, options.maxBytes ?? MAX_SECRET_BYTES), options);
  } else {
    throw unavailable(`${source}: only { env } and { file } references are read here; a ${Object.keys(reference)[0] ?? ''} reference needs the secret resolver that declares it`);
  }
  if (text === '') throw unavailable(`${source} is empty`);
  if (text.trim() === '') throw unavailable(`${source} holds only whitespace`);
  return text;
}

function unavailable(message: string): ConnectorError {
  return new ConnectorError(ErrorCode.SecretUnavailable, message);
}

async function readRegularFile(file: string, source: string, maxBytes: number): Promise<string> {
  let handle;
  try {
    // O_NONBLOCK: opening a FIFO does not wait for a writer (it is then refused as not a regular file); no effect on regular files.
    handle = await open(file, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  } catch (error) {
    throw unavailable(`${source} cannot be read (${(error as NodeJS.ErrnoException).code ?? 'unreadable'})`);
  }
  try {
    const stats = await handle.stat();
    if (!stats.isFile()) throw unavailable(`${source} is ${kindOf(stats)}, not a regular file`);
    if (stats.size > maxBytes) throw unavailable(`${source} is larger than ${maxBytes} bytes: it is not a password or a key`);
    // Read at most one byte more than allowed: a file that grew after fstat is still refused.
    const buffer = Buffer.alloc(maxBytes + 1);
    let length = 0;
    while (length < buffer.length) {
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, length);
      if (bytesRead === 0) break;
      length += bytesRead;
    }
    if (length > maxBytes) throw unavailable(`${source} is larger than ${maxBytes} bytes: it is not a password or a key`);
    const text = buffer.toString('utf8', 0, length);
    buffer.fill(0);
    return text;
  } catch (error) {
    if (error instanceof ConnectorError) throw error;
    throw unavailable(`${source} cannot be read (${(error as NodeJS.ErrnoException).code ?? 'unreadable'})`);
  } finally {
    await handle.close().catch(() => undefined);
  }
}

function kindOf(stats: Stats): string {
  if (stats.isFIFO()) return 'a FIFO (named pipe)';
  if (stats.isDirectory()) return 'a folder';
  if (stats.isCharacterDevice() || stats.isBlockDevice()) return 'a device';
  if (stats.isSocket()) return 'a socket';
  return 'not a file';
}

/** Settles with `work` or rejects at the timeout or on abort; a read still running then ends (and closes its file) on its own. */
function withinTime<T>(source: string, work: Promise<T>, options: ReadSecretOptions): Promise<T> {
  const timeoutMs = options.timeoutMs ?? SECRET_READ_TIMEOUT_MS;
  const { signal } = options;
  work.catch(() => undefined);
  if (signal?.aborted === true) return Promise.reject(unavailable(`reading ${source} was cancelled`));
  return new Promise<T>((resolve, reject) => {
    const finish = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    };
    const onAbort = (): void => {
      finish();
      reject(unavailable(`reading ${source} was cancelled`));
    };
    const timer = setTimeout(() => {
      finish();
      reject(unavailable(`${source} could not be read within ${timeoutMs / 1000} s (a hung network mount?)`));
    }, timeoutMs);
    signal?.addEventListener('abort', onAbort, { once: true });
    work.then(
      (value) => {
        finish();
        resolve(value);
      },
      (error: unknown) => {
        finish();
        reject(error instanceof Error ? error : new Error(String(error)));
      },
    );
  });
}
