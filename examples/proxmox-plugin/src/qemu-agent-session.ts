import { Buffer } from 'node:buffer';
import {
  callWithin, contentsChunks, contentsSize, ConnectorError, ErrorCode, pause,
  type CallOptions, type CommandResult, type UploadContents, type ConnectionMethod, type GuestSession,
} from '@gipkit/plugin-api';
import type { GuestCommands } from './guest-commands.js';
import { connectorErrorOf } from './qemu-agent-errors.js';
import {
  FILE_WRITE_MAX_CONTENT, QemuGuestAgentFailure, qemuGuestAgentFailureOf,
  type QemuExecStatus, type QemuGuestAgentTransport, type QemuVmRef,
} from './qemu-guest-agent-transport.js';

/** Bytes per `file-write` call: the most whose base64 fits in FILE_WRITE_MAX_CONTENT characters. */
export const FILE_WRITE_MAX_BYTES = (FILE_WRITE_MAX_CONTENT / 4) * 3;
/** Exit code of a program the agent could not start, as a shell reports "command not found". */
const NOT_STARTED = 127;
/** The first exec-status poll waits this long; each next one twice as long, up to `pollIntervalMs`. */
const FIRST_POLL_MS = 10;
/** How long a best-effort kill of a process that outlived its call may take. */
const KILL_TIMEOUT_MS = 5_000;

export interface QemuAgentSessionOptions {
  readonly transport: QemuGuestAgentTransport;
  readonly ref: QemuVmRef;
  readonly commands: GuestCommands;
  readonly vm: string;
  readonly proxy: string;
  readonly method: ConnectionMethod;
  /** Longest wait between two exec-status polls, in milliseconds. */
  readonly pollIntervalMs: number;
}

/**
 * A guest session over the QEMU guest agent, through the Proxmox VE API:
 * `run` is exec plus exec-status polls, `upload` is file-write (in parts of
 * at most FILE_WRITE_MAX_BYTES, joined in the guest), `remove` and folders
 * are guest commands. Every call settles within its timeout and honours its
 * signal; once the agent, the VM or the API is lost, every pending and later
 * call rejects with GIPKIT_CONNECTOR_DROPPED.
 */
export class QemuAgentSession implements GuestSession {
  readonly vm: string;
  readonly proxy: string;
  readonly method: ConnectionMethod;
  readonly #options: QemuAgentSessionOptions;
  /** Aborts, with the error every call then rejects with, when the session drops or closes. */
  readonly #lost = new AbortController();
  /** Folders this session made or wrote into: no second mkdir for them (forgotten on remove). */
  readonly #folders = new Set<string>();

  constructor(options: QemuAgentSessionOptions) {
    this.vm = options.vm;
    this.proxy = options.proxy;
    this.method = options.method;
    this.#options = options;
  }

  run(command: readonly string[], options: CallOptions): Promise<CommandResult> {
    if (command.length === 0 || command[0] === '') return Promise.reject(new ConnectorError(ErrorCode.ConnectorFailed, `run on ${this.vm}: no program given`));
    return this.#call(`run ${command[0] ?? ''} on ${this.vm}`, options, (signal) => this.#exec(command, signal));
  }

  upload(contents: UploadContents, remotePath: string, options: CallOptions & { readonly mode?: number }): Promise<void> {
    const what = `upload ${remotePath} to ${this.vm}`;
    const problem = this.#checkPath(remotePath);
    if (problem !== undefined) return Promise.reject(new ConnectorError(ErrorCode.ConnectorFailed, `${what}: ${problem}`));
    const { commands, transport, ref } = this.#options;
    return this.#call(what, options, async (signal) => {
      const parent = commands.parent(remotePath);
      if (parent !== undefined && !this.#folders.has(parent)) {
        await this.#mustRun(commands.makeFolder(parent), signal, `creating folder ${parent}`);
        this.#folders.add(parent);
      }
      // Parts of at most FILE_WRITE_MAX_BYTES, filled from the stream: no more than one part is held.
      const size = contentsSize(contents);
      const parts: string[] = [];
      const part = new Uint8Array(Math.min(size, FILE_WRITE_MAX_BYTES));
      let filled = 0;
      const flush = async (): Promise<void> => {
        const file = size <= FILE_WRITE_MAX_BYTES ? remotePath : `${remotePath}.gipkit-part-${parts.length}`;
        parts.push(file);
        await transport.fileWrite(ref, { file, content: Buffer.from(part.buffer, 0, filled).toString('base64') }, signal);
        filled = 0;
      };
      for await (const chunk of contentsChunks(contents, signal)) {
        for (let offset = 0; offset < chunk.byteLength; ) {
          const take = Math.min(part.byteLength - filled, chunk.byteLength - offset);
          part.set(chunk.subarray(offset, offset + take), filled);
          filled += take;
          offset += take;
          if (filled === part.byteLength) await flush();
        }
      }
      if (filled > 0 || parts.length === 0) await flush();
      if (size > FILE_WRITE_MAX_BYTES) await this.#mustRun(commands.join(remotePath, parts), signal, `joining ${parts.length} parts into ${remotePath}`);
      const setMode = options.mode === undefined ? undefined : commands.setMode(remotePath, options.mode);
      if (setMode !== undefined) await this.#mustRun(setMode, signal, `setting the mode of ${remotePath}`);
    });
  }

  remove(remotePath: string, options: CallOptions): Promise<void> {
    const what = `remove ${remotePath} from ${this.vm}`;
    const problem = this.#checkPath(remotePath);
    if (problem !== undefined) return Promise.reject(new ConnectorError(ErrorCode.ConnectorFailed, `${what}: ${problem}`));
    return this.#call(what, options, async (signal) => {
      this.#folders.clear();
      await this.#mustRun(this.#options.commands.remove(remotePath), signal, `removing ${remotePath}`);
    });
  }

  async close(): Promise<void> {
    if (!this.#lost.signal.aborted) this.#lost.abort(new ConnectorError(ErrorCode.ConnectionDropped, `${this.vm}: the session is closed`));
  }

  /** Runs one session call: bounded by its options, rejected at once when the session is lost, errors mapped. */
  #call<T>(what: string, options: CallOptions, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const lost = this.#lost.signal;
    if (lost.aborted) return Promise.reject(lost.reason);
    return callWithin(what, options, (signal) =>
      new Promise<T>((resolve, reject) => {
        const onLost = (): void => reject(lost.reason);
        lost.addEventListener('abort', onLost, { once: true });
        void work(AbortSignal.any([signal, lost])).then(resolve, (error: unknown) => {
          const mapped = connectorErrorOf(error, what, 'session');
          if (mapped.code === ErrorCode.ConnectionDropped && !lost.aborted) this.#lost.abort(mapped);
          reject(lost.aborted ? lost.reason : mapped);
        }).finally(() => lost.removeEventListener('abort', onLost));
      }),
    );
  }

  /** exec, then exec-status until it exited; a process left running when the call gives up is killed (best effort). */
  async #exec(command: readonly string[], signal: AbortSignal): Promise<CommandResult> {
    const { transport, ref } = this.#options;
    let pid: number;
    try {
      ({ pid } = await transport.exec(ref, { command }, signal));
    } catch (error) {
      if (qemuGuestAgentFailureOf(error) !== QemuGuestAgentFailure.ExecFailed) throw error;
      const message = error instanceof Error ? error.message : `cannot start ${command[0] ?? ''}`;
      return { exitCode: NOT_STARTED, stdout: '', stderr: message, truncated: false };
    }
    try {
      for (let wait = FIRST_POLL_MS; ; wait = Math.min(wait * 2, this.#options.pollIntervalMs)) {
        const status = await transport.execStatus(ref, pid, signal);
        if (status.exited) return commandResult(status);
        await pause(wait, signal);
      }
    } catch (error) {
      if (signal.aborted && !this.#lost.signal.aborted) this.#kill(pid);
      throw error;
    }
  }

  #kill(pid: number): void {
    const { transport, ref, commands } = this.#options;
    void transport.exec(ref, { command: commands.kill(pid) }, AbortSignal.timeout(KILL_TIMEOUT_MS)).catch(() => undefined);
  }

  async #mustRun(command: readonly string[], signal: AbortSignal, doing: string): Promise<void> {
    const result = await this.#exec(command, signal);
    if (result.exitCode !== 0) {
      const output = (result.stderr.trim() === '' ? result.stdout : result.stderr).trim().slice(-2_000);
      throw new ConnectorError(ErrorCode.ConnectorFailed, `${this.vm}: ${doing} failed with exit code ${result.exitCode}${output === '' ? '' : `: ${output}`}`);
    }
  }

  #checkPath(path: string): string | undefined {
    const { commands } = this.#options;
    if (!commands.isAbsolute(path)) return `the path must be absolute on a ${commands.family} guest`;
    if (commands.isRoot(path)) return 'refusing to write to or remove a file system root';
    if (/[\u0000-\u001f]/.test(path)) return 'the path holds control characters';
    return undefined;
  }
}

function commandResult(status: QemuExecStatus): CommandResult {
  const exitCode = status.exitCode ?? (status.signal === undefined ? 1 : 128 + status.signal);
  return {
    exitCode,
    stdout: status.outData ?? '',
    stderr: status.errData ?? '',
    truncated: status.outTruncated === true || status.errTruncated === true,
  };
}
