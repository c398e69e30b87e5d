import { callWithin, ConnectorError, ErrorCode, type CallOptions, type CommandResult } from '@gipkit/plugin-api';
import { decodeOutput } from './guest-output.js';

/** Limits of an `OutputCapture`. */
export interface OutputCaptureSettings {
  /** Bytes kept of each output stream; the rest is dropped and `truncated` set. */
  readonly maxOutputBytes: number;
  /** How long the background cleanup after a failed or timed-out run may take. */
  readonly cleanupTimeoutMs: number;
  /** How long `close` waits for pending cleanups, then for the transport. */
  readonly closeTimeoutMs: number;
}

/** One command, started by a transport with its stdout and stderr redirected to two files in the guest. */
export interface CapturedProcess {
  /** Starts the process; resolves to its process id. */
  start(signal: AbortSignal): Promise<number>;
  /** Resolves to the exit code once the process has ended. */
  wait(processId: number, signal: AbortSignal): Promise<number>;
  /** The bytes of one capture file; a file that was never written reads as empty. */
  read(stream: 'stdout' | 'stderr', signal: AbortSignal): Promise<Uint8Array>;
  /** Ends a process that has not ended (after a failed or timed-out run). */
  terminate(processId: number, signal: AbortSignal): Promise<void>;
  /** Best effort (a capture file left behind is not worth failing a run for); true when both files are gone. */
  removeCaptures(signal: AbortSignal): Promise<boolean>;
}

/**
 * The part of a `GuestSession` that runs commands whose output goes to files
 * in the guest: start, wait, read both files back, delete them. After a
 * failed or timed-out run it ends the process and deletes the files in the
 * background, without delaying the caller; `close` waits for that (bounded),
 * then closes the transport, and never rejects.
 */
export class OutputCapture {
  readonly #vm: string;
  readonly #settings: OutputCaptureSettings;
  readonly #cleanups = new Set<Promise<void>>();
  #closed = false;

  constructor(vm: string, settings: OutputCaptureSettings) {
    this.#vm = vm;
    this.#settings = settings;
  }

  /** Rejects a call on a closed session with GIPKIT_CONNECTOR_DROPPED. */
  assertOpen(what: string): void {
    if (this.#closed) throw new ConnectorError(ErrorCode.ConnectionDropped, `${what}: the session is closed`);
  }

  /** Runs the process that `prepare` describes; `prepare` may throw for a command that cannot run, before the session is used. */
  async run(what: string, options: CallOptions, prepare: () => CapturedProcess): Promise<CommandResult> {
    const state: { process?: CapturedProcess; processId?: number; ended: boolean; cleaned: boolean } = { ended: false, cleaned: false };
    try {
      return await callWithin(what, options, async (signal) => {
        const process = prepare();
        this.assertOpen(what);
        state.process = process;
        const processId = await process.start(signal);
        state.processId = processId;
        const exitCode = await process.wait(processId, signal);
        state.ended = true;
        const stdout = decodeOutput(await process.read('stdout', signal), this.#settings.maxOutputBytes);
        const stderr = decodeOutput(await process.read('stderr', signal), this.#settings.maxOutputBytes);
        state.cleaned = await process.removeCaptures(signal);
        return { exitCode, stdout: stdout.text, stderr: stderr.text, truncated: stdout.truncated || stderr.truncated };
      });
    } finally {
      // After a failure or timeout: end the process and delete its output files, without delaying the caller.
      const { process, processId } = state;
      if (process !== undefined && !state.cleaned) {
        this.#cleanUp(async (signal) => {
          if (processId !== undefined && !state.ended) await process.terminate(processId, signal).catch(() => undefined);
          await process.removeCaptures(signal);
        });
      }
    }
  }

  /** Waits (up to `closeTimeoutMs`) for cleanups of failed runs, then closes the transport (as long again); never rejects. */
  async close(closeTransport: () => Promise<void>): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const bounded = { timeoutMs: this.#settings.closeTimeoutMs, signal: new AbortController().signal };
    await callWithin(`finish cleanups on ${this.#vm}`, bounded, async () => void (await Promise.all(this.#cleanups))).catch(() => undefined);
    await callWithin(`close the session to ${this.#vm}`, bounded, closeTransport).catch(() => undefined);
  }

  /** Cleanup after a failed or timed-out run, in the background (bounded by `cleanupTimeoutMs`); `close` waits for it. */
  #cleanUp(work: (signal: AbortSignal) => Promise<void>): void {
    const cleanup = work(AbortSignal.timeout(this.#settings.cleanupTimeoutMs)).catch(() => undefined);
    this.#cleanups.add(cleanup);
    void cleanup.finally(() => this.#cleanups.delete(cleanup));
  }
}
