import { constants } from 'node:os';
import { posix } from 'node:path';
import {
  contentsChunks, ConnectorError, ErrorCode, settleWithin,
  type CallOptions, type CommandResult, type UploadContents, type ConnectionMethod, type GuestSession,
} from '@gipkit/plugin-api';
import type { Client, ClientChannel, SFTPWrapper, Stats } from 'ssh2';
import { quotePosixCommand } from '@gipkit/connector-kit';

export interface SshSessionOptions {
  readonly vm: string;
  readonly proxy: string;
  readonly method: ConnectionMethod;
  /** `account@address:port`, for messages. */
  readonly endpoint: string;
  readonly maxOutputBytes: number;
  readonly redact: (text: string) => string;
}

/** How long `close` waits for the server to confirm before it cuts the socket. */
const CLOSE_GRACE_MS = 2_000;

/** SFTP status code for "no such file" (draft-ietf-secsh-filexfer-02). */
const SFTP_NO_SUCH_FILE = 2;

/**
 * A GuestSession over one ready ssh2 connection. A drop (socket closed or
 * failed) rejects every call in flight and every later call with
 * GIPKIT_CONNECTOR_DROPPED; each call settles within its timeout and on its
 * signal, and what it left open on the guest (exec channel, SFTP channel) is
 * closed.
 */
export class SshSession implements GuestSession {
  readonly vm: string;
  readonly proxy: string;
  readonly method: ConnectionMethod;
  readonly #client: Client;
  readonly #options: SshSessionOptions;
  /** Set once the connection is gone: why later calls fail. */
  #ended: ConnectorError | undefined;
  #closing: Promise<void> | undefined;
  readonly #inFlight = new Set<(error: ConnectorError) => void>();

  constructor(client: Client, options: SshSessionOptions) {
    this.vm = options.vm;
    this.proxy = options.proxy;
    this.method = options.method;
    this.#client = client;
    this.#options = options;
    let cause: unknown;
    client.on('error', (error: unknown) => {
      cause ??= error;
    });
    client.on('close', () => {
      const reason = cause instanceof Error ? `: ${options.redact(cause.message)}` : '';
      this.#end(
        this.#closing === undefined
          ? new ConnectorError(ErrorCode.ConnectionDropped, `${this.#where()}: connection dropped${reason}`, { cause })
          : new ConnectorError(ErrorCode.ConnectionDropped, `${this.#where()}: session closed`),
      );
    });
  }

  run(command: readonly string[], options: CallOptions): Promise<CommandResult> {
    const program = command[0];
    return this.#call(`run ${program === undefined ? '' : posix.basename(program)}`, options, async (cancelled) => {
      if (program === undefined) throw new ConnectorError(ErrorCode.ConnectorFailed, `${this.#where()}: run needs a program`);
      if (command.some((argument) => argument.includes('\0'))) {
        throw new ConnectorError(ErrorCode.ConnectorFailed, `${this.#where()}: run: an argument contains a NUL character`);
      }
      return this.#exec(quotePosixCommand(command), cancelled);
    });
  }

  upload(contents: UploadContents, remotePath: string, options: CallOptions & { readonly mode?: number }): Promise<void> {
    return this.#call(`upload ${remotePath}`, options, async (cancelled) => {
      // One SFTP channel per upload: a cancelled upload closes its own channel mid-write and nothing else.
      const sftp = await this.#openSftp();
      const release = (): void => {
        try {
          sftp.end();
        } catch {
          // Already closed.
        }
      };
      if (cancelled.aborted) return release();
      cancelled.addEventListener('abort', release, { once: true });
      try {
        await makeParents(sftp, posix.dirname(remotePath));
        await writeExclusive(sftp, remotePath, options.mode ?? 0o600, contents, cancelled);
      } catch (error) {
        throw this.#failure(`upload ${remotePath}`, error);
      } finally {
        cancelled.removeEventListener('abort', release);
        release();
      }
    });
  }

  remove(remotePath: string, options: CallOptions): Promise<void> {
    return this.#call(`remove ${remotePath}`, options, async (cancelled) => {
      if (remotePath === '' || /^\/+$/.test(remotePath)) {
        throw new ConnectorError(ErrorCode.ConnectorFailed, `${this.#where()}: refusing to remove ${JSON.stringify(remotePath)}`);
      }
      const result = await this.#exec(quotePosixCommand(['rm', '-rf', '--', remotePath]), cancelled);
      if (result.exitCode !== 0) {
        throw new ConnectorError(ErrorCode.ConnectorFailed, `${this.#where()}: cannot remove ${remotePath}: ${result.stderr.trim() || `rm exited with ${result.exitCode}`}`);
      }
    });
  }

  close(): Promise<void> {
    this.#closing ??= new Promise<void>((resolve) => {
      if (this.#ended !== undefined) return resolve();
      const force = setTimeout(() => {
        this.#client.destroy();
        resolve();
      }, CLOSE_GRACE_MS);
      this.#client.once('close', () => {
        clearTimeout(force);
        resolve();
      });
      try {
        this.#client.end();
      } catch {
        this.#client.destroy();
      }
    });
    return this.#closing;
  }

  #where(): string {
    return `${this.vm} (${this.#options.endpoint})`;
  }

  #end(error: ConnectorError): void {
    if (this.#ended !== undefined) return;
    this.#ended = error;
    for (const reject of this.#inFlight) reject(error);
    this.#inFlight.clear();
  }

  /**
   * Runs one call: rejects at once when the session is gone, rejects when it
   * drops, settles within the call's timeout and signal, and then tells `work`
   * (through `cancelled`) to release what it holds.
   */
  #call<T>(what: string, options: CallOptions, work: (cancelled: AbortSignal) => Promise<T>): Promise<T> {
    const cancel = new AbortController();
    const attempt = settleWithin(this.#options.redact(`${what} on ${this.#where()}`), options, () => {
      if (this.#ended !== undefined) return Promise.reject(this.#ended);
      return new Promise<T>((resolve, reject) => {
        this.#inFlight.add(reject);
        work(cancel.signal)
          .then(resolve, reject)
          .finally(() => this.#inFlight.delete(reject));
      });
    });
    return attempt.catch((error: unknown) => {
      cancel.abort();
      throw error;
    });
  }

  #exec(command: string, cancelled: AbortSignal): Promise<CommandResult> {
    return new Promise<CommandResult>((resolve, reject) => {
      const onChannel = (error: Error | undefined, channel: ClientChannel): void => {
        if (error) return reject(this.#failure('exec', error));
        const abandon = (): void => {
          // A timed-out or cancelled command: ask sshd to kill its process group (OpenSSH >= 7.9), and close the channel either way.
          try {
            channel.signal('KILL');
          } catch {
            // The channel is already going.
          }
          channel.close();
        };
        if (cancelled.aborted) return abandon();
        const stdout = new OutputBuffer(this.#options.maxOutputBytes);
        const stderr = new OutputBuffer(this.#options.maxOutputBytes);
        let exitCode: number | undefined;
        cancelled.addEventListener('abort', abandon, { once: true });
        channel.on('data', (chunk: Buffer) => stdout.add(chunk));
        channel.stderr.on('data', (chunk: Buffer) => stderr.add(chunk));
        channel.on('exit', (code: number | null, signalName?: string) => {
          exitCode = code ?? exitCodeForSignal(signalName);
        });
        channel.on('close', () => {
          cancelled.removeEventListener('abort', abandon);
          // Wait a turn: when the connection dropped, the client's close (which rejects with DROPPED) comes first.
          setImmediate(() => {
            if (exitCode === undefined) {
              reject(this.#ended ?? new ConnectorError(ErrorCode.ConnectorFailed, `${this.#where()}: the guest closed the command's channel without an exit status`));
              return;
            }
            const redact = this.#options.redact;
            resolve({
              exitCode,
              stdout: redact(stdout.text()),
              stderr: redact(stderr.text()),
              truncated: stdout.truncated || stderr.truncated,
            });
          });
        });
      };
      try {
        // Input from /dev/null: a command that reads stdin sees end of file instead of waiting. (Not by
        // ending the channel: a channel ended on our side can no longer carry the KILL signal.)
        this.#client.exec(`${command} </dev/null`, onChannel);
      } catch (error) {
        reject(this.#failure('exec', error));
      }
    });
  }

  #openSftp(): Promise<SFTPWrapper> {
    return new Promise<SFTPWrapper>((resolve, reject) => {
      try {
        this.#client.sftp((error, sftp) => (error ? reject(this.#failure('sftp', error)) : resolve(sftp)));
      } catch (error) {
        reject(this.#failure('sftp', error));
      }
    });
  }

  /** A session step failed: DROPPED when the connection is gone, else FAILED with the (redacted) reason. */
  #failure(step: string, error: unknown): ConnectorError {
    if (this.#ended !== undefined) return this.#ended;
    if (error instanceof ConnectorError) return error;
    const message = error instanceof Error ? error.message : String(error);
    if (/not connected|no response from server/i.test(message)) {
      return new ConnectorError(ErrorCode.ConnectionDropped, `${this.#where()}: connection dropped`, { cause: error });
    }
    return new ConnectorError(ErrorCode.ConnectorFailed, `${this.#where()}: ${step} failed: ${this.#options.redact(message)}`, { cause: error });
  }
}

/** Keeps at most `limit` bytes of a stream, and whether more came. */
class OutputBuffer {
  readonly #chunks: Buffer[] = [];
  #size = 0;
  readonly #limit: number;
  truncated = false;

  constructor(limit: number) {
    this.#limit = limit;
  }

  add(chunk: Buffer): void {
    const room = this.#limit - this.#size;
    if (chunk.length > room) this.truncated = true;
    if (room <= 0) return;
    const kept = chunk.length > room ? chunk.subarray(0, room) : chunk;
    this.#chunks.push(kept);
    this.#size += kept.length;
  }

  text(): string {
    return Buffer.concat(this.#chunks).toString('utf8');
  }
}

/** A command killed by a signal exits as a shell reports it: 128 + the signal's number. */
function exitCodeForSignal(signalName: string | undefined): number {
  const number = signalName === undefined ? undefined : (constants.signals as Record<string, number | undefined>)[`SIG${signalName}`];
  return number === undefined ? -1 : 128 + number;
}

function sftpCall<T>(start: (done: (error: Error | null | undefined, value?: T) => void) => void): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    start((error, value) => (error ? reject(error) : resolve(value as T)));
  });
}

/** `mkdir -p` over SFTP: creates each missing folder from the top down, each with mode 0700. */
async function makeParents(sftp: SFTPWrapper, folder: string): Promise<void> {
  if (folder === '.' || folder === '/' || folder === '') return;
  const stats = await sftpCall<Stats>((done) => sftp.stat(folder, done)).catch((error: unknown) => {
    if ((error as { code?: unknown }).code === SFTP_NO_SUCH_FILE) return undefined;
    throw error;
  });
  if (stats !== undefined) {
    if (!stats.isDirectory()) throw new Error(`${folder} exists and is not a folder`);
    return;
  }
  await makeParents(sftp, posix.dirname(folder));
  // Private (0700) from the start; a folder that appeared meanwhile is someone else's: never adopted.
  await sftpCall<undefined>((done) => sftp.mkdir(folder, { mode: 0o700 }, done)).catch((error: unknown) => {
    throw new Error(`cannot create ${folder} (${error instanceof Error ? error.message : String(error)}); if it exists now, someone else made it`);
  });
}

/**
 * Writes `contents` to a new file made with `mode` at creation (exclusive create: never through a symbolic link,
 * never into a file someone else made); an existing file or link at the path is removed first, not followed.
 * Streams are written chunk by chunk, never held whole.
 */
async function writeExclusive(sftp: SFTPWrapper, path: string, mode: number, contents: UploadContents, cancelled: AbortSignal): Promise<void> {
  const existing = await sftpCall<Stats>((done) => sftp.lstat(path, done)).catch((error: unknown) => {
    if ((error as { code?: unknown }).code === SFTP_NO_SUCH_FILE) return undefined;
    throw error;
  });
  if (existing?.isDirectory() === true) throw new Error(`${path} exists and is a folder`);
  if (existing !== undefined) await sftpCall<undefined>((done) => sftp.unlink(path, done));
  const handle = await sftpCall<Buffer>((done) => sftp.open(path, 'wx', { mode }, done));
  try {
    let position = 0;
    for await (const chunk of contentsChunks(contents, cancelled)) {
      const buffer = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
      await sftpCall<undefined>((done) => sftp.write(handle, buffer, 0, buffer.byteLength, position, done));
      position += buffer.byteLength;
    }
  } finally {
    await sftpCall<undefined>((done) => sftp.close(handle, done)).catch(() => undefined);
  }
}
