import { randomUUID } from 'node:crypto';
import {
  callWithin, contentsChunks, contentsSize, ConnectorError, ErrorCode, pause, PluginError,
  type CallOptions, type CommandResult, type UploadContents, type ConnectRequest, type ConnectionMethod, type GuestConnector, type GuestSession, type OsFamily, type Platform,
} from '@gipkit/plugin-api';
import {
  formatCmdArguments, normalizePosixPath, normalizeWindowsPath, OutputCapture, positiveOption, posixParent, quotePosixArgument, transportFailures, windowsParent,
} from '@gipkit/connector-kit';
import {
  guestOperationsFailureOf,
  type GuestOperationsConnection, type GuestOperationsFailure, type GuestOperationsTarget, type GuestOperationsTransport, type GuestProgramSpec,
} from './guest-operations-transport.js';

export interface VixConnectorOptions {
  /** How often a running program is polled with ListProcessesInGuest, in milliseconds (default 500). */
  readonly pollIntervalMs?: number;
  /** Folders on the guest for output capture files (defaults `/tmp` and `C:\Windows\Temp`). */
  readonly tempFolder?: { readonly linux?: string; readonly windows?: string };
  /** The shells commands run through (defaults `/bin/sh` and `C:\Windows\System32\cmd.exe`). */
  readonly shell?: { readonly linux?: string; readonly windows?: string };
  /** Bytes kept of each output stream (default 1 MiB); the rest is dropped and `truncated` set. */
  readonly maxOutputBytes?: number;
  /** How long the background cleanup after a failed or timed-out run may take (default 30 000 ms). */
  readonly cleanupTimeoutMs?: number;
  /** How long `close` waits for pending cleanups, then for the transport (default 10 000 ms each); it never rejects. */
  readonly closeTimeoutMs?: number;
}

interface Settings {
  readonly pollIntervalMs: number;
  readonly tempFolder: Readonly<Record<OsFamily, string>>;
  readonly shell: Readonly<Record<OsFamily, string>>;
  readonly maxOutputBytes: number;
  readonly cleanupTimeoutMs: number;
  readonly closeTimeoutMs: number;
}

const PACKAGE = '@gipkit/hypervisor-vmware';
const MEANS: Readonly<Record<GuestOperationsFailure, { readonly code: ErrorCode; readonly text: string }>> = {
  'tools-unavailable': {
    code: ErrorCode.ConnectionRefused,
    text: 'VMware Tools is not running in the guest (or is too old); VIX (vSphere guest operations) needs VMware Tools',
  },
  'not-powered-on': { code: ErrorCode.ConnectionRefused, text: 'the VM is not powered on' },
  'vm-not-found': { code: ErrorCode.ConnectionRefused, text: 'vSphere does not know the VM' },
  unreachable: { code: ErrorCode.ConnectionRefused, text: 'vCenter or ESXi (443) does not answer' },
  'invalid-guest-login': { code: ErrorCode.ConnectionAuthFailed, text: 'the guest rejected the account or password' },
  'guest-permission-denied': {
    code: ErrorCode.ConnectionAuthFailed,
    text: 'the guest account may not do this (with UAC on, only the built-in Administrator works; Linux: root)',
  },
  'no-permission': { code: ErrorCode.ConnectionAuthFailed, text: 'the vSphere account lacks the VirtualMachine.GuestOperations privileges' },
  'file-not-found': { code: ErrorCode.ConnectorFailed, text: 'file not found' },
  'file-already-exists': { code: ErrorCode.ConnectorFailed, text: 'file already exists' },
  'not-a-file': { code: ErrorCode.ConnectorFailed, text: 'not a file' },
  'connection-lost': { code: ErrorCode.ConnectionDropped, text: 'the vSphere session was lost' },
  'secret-unavailable': { code: ErrorCode.SecretUnavailable, text: 'the secret cannot be read' },
};

const FAILURES = transportFailures({ transport: 'the guest operations transport', means: MEANS, dropped: 'connection-lost' });
const toConnectorError = FAILURES.toConnectorError;

const positive = (name: string, value: number | undefined, fallback: number): number => positiveOption(PACKAGE, name, value, fallback);

/**
 * The `vix` connection method of VMware: networkless, through vSphere guest
 * operations and VMware Tools. A command runs as a program started in the
 * guest (through `/bin/sh -c` or `cmd.exe /c`, output redirected to files in
 * the guest's temp folder), polled until it exits, its output read back and
 * its files deleted.
 */
export class VixConnector implements GuestConnector {
  readonly platform: Platform = 'vmware';
  readonly method: ConnectionMethod = 'vix';
  readonly #transport: GuestOperationsTransport;
  readonly #settings: Settings;

  constructor(transport: GuestOperationsTransport, options: VixConnectorOptions = {}) {
    this.#transport = transport;
    const windowsTemp = normalizeWindowsPath(options.tempFolder?.windows ?? 'C:\\Windows\\Temp');
    if (/[%^&<>|"]/.test(windowsTemp)) throw new PluginError(ErrorCode.PluginInvalid, PACKAGE, `tempFolder.windows ${windowsTemp} holds a character cmd.exe treats specially`);
    this.#settings = {
      pollIntervalMs: positive('pollIntervalMs', options.pollIntervalMs, 500),
      tempFolder: { linux: normalizePosixPath(options.tempFolder?.linux ?? '/tmp'), windows: windowsTemp },
      shell: { linux: normalizePosixPath(options.shell?.linux ?? '/bin/sh'), windows: normalizeWindowsPath(options.shell?.windows ?? 'C:\\Windows\\System32\\cmd.exe') },
      maxOutputBytes: positive('maxOutputBytes', options.maxOutputBytes, 1024 * 1024),
      cleanupTimeoutMs: positive('cleanupTimeoutMs', options.cleanupTimeoutMs, 30_000),
      closeTimeoutMs: positive('closeTimeoutMs', options.closeTimeoutMs, 10_000),
    };
  }

  connect(request: ConnectRequest, options: CallOptions): Promise<GuestSession> {
    const what = `connect to ${request.vm} from ${request.proxy} over VIX`;
    return callWithin(what, options, async (signal) => {
      const target: GuestOperationsTarget = {
        vm: request.vm, host: request.host, account: request.account, ...(request.secret === undefined ? {} : { secret: request.secret }),
      };
      let connection: GuestOperationsConnection;
      try {
        connection = await this.#transport.connect(target, signal);
      } catch (error) {
        throw toConnectorError(error, `${what} as ${request.account}`, true);
      }
      return new VixSession(request, this.method, connection, this.#settings);
    }, (session) => session.close());
  }
}

interface Capture {
  readonly stdout: string;
  readonly stderr: string;
}

class VixSession implements GuestSession {
  readonly vm: string;
  readonly proxy: string;
  readonly method: ConnectionMethod;
  readonly #family: OsFamily;
  readonly #connection: GuestOperationsConnection;
  readonly #settings: Settings;
  readonly #capture: OutputCapture;

  constructor(request: ConnectRequest, method: ConnectionMethod, connection: GuestOperationsConnection, settings: Settings) {
    this.vm = request.vm;
    this.proxy = request.proxy;
    this.method = method;
    this.#family = request.family;
    this.#connection = connection;
    this.#settings = settings;
    this.#capture = new OutputCapture(request.vm, settings);
  }

  async run(command: readonly string[], options: CallOptions): Promise<CommandResult> {
    const what = `run ${command[0] ?? ''} on ${this.vm} over VIX`;
    const id = randomUUID();
    const temp = this.#settings.tempFolder[this.#family];
    const join = this.#family === 'windows' ? '\\' : '/';
    const capture: Capture = { stdout: `${temp}${join}gipkit-${id}.out`, stderr: `${temp}${join}gipkit-${id}.err` };
    return this.#capture.run(what, options, () => {
      const spec = this.#program(command, capture);
      return {
        start: (signal) => this.#call(what, () => this.#connection.startProgram(spec, signal)),
        wait: (pid, signal) => this.#waitForExit(what, pid, signal),
        read: (stream, signal) => this.#readCapture(what, capture[stream], signal),
        terminate: (pid, signal) => this.#connection.terminateProcess(pid, signal),
        removeCaptures: (signal) => this.#deleteCapture(capture, signal),
      };
    });
  }

  upload(contents: UploadContents, remotePath: string, options: CallOptions & { readonly mode?: number }): Promise<void> {
    const what = `upload ${remotePath} to ${this.vm} over VIX`;
    return callWithin(what, options, async (signal) => {
      const path = this.#path(remotePath);
      const parent = this.#family === 'windows' ? windowsParent(path) : posixParent(path);
      if (parent === path) throw new ConnectorError(ErrorCode.ConnectorFailed, `${what}: the root folder is not a file`);
      this.#capture.assertOpen(what);
      try {
        await this.#connection.makeDirectory(parent, { createParentDirectories: true }, signal);
      } catch (error) {
        if (guestOperationsFailureOf(error) !== 'file-already-exists') throw toConnectorError(error, what, false);
      }
      const size = contentsSize(contents);
      const attributes = this.#family === 'linux' && options.mode !== undefined ? { posixPermissions: options.mode } : {};
      const url = await this.#call(what, () => this.#connection.initiateFileTransferToGuest(path, attributes, size, { overwrite: true }, signal));
      await this.#call(what, () => this.#connection.putFile(url, contentsChunks(contents, signal), size, signal));
    });
  }

  remove(remotePath: string, options: CallOptions): Promise<void> {
    const what = `remove ${remotePath} from ${this.vm} over VIX`;
    return callWithin(what, options, async (signal) => {
      const path = this.#path(remotePath);
      if (path === '/' || /^[A-Z]:\\$/.test(path)) throw new ConnectorError(ErrorCode.ConnectorFailed, `${what}: refusing to remove a root folder`);
      this.#capture.assertOpen(what);
      try {
        await this.#connection.deleteFile(path, signal);
        return;
      } catch (error) {
        const reason = guestOperationsFailureOf(error);
        if (reason === 'file-not-found') return;
        if (reason !== 'not-a-file') throw toConnectorError(error, what, false);
      }
      try {
        await this.#connection.deleteDirectory(path, { recursive: true }, signal);
      } catch (error) {
        if (guestOperationsFailureOf(error) !== 'file-not-found') throw toConnectorError(error, what, false);
      }
    });
  }

  /** Waits (up to `closeTimeoutMs`) for cleanups of failed runs, then closes; never rejects. */
  close(): Promise<void> {
    return this.#capture.close(() => this.#connection.close());
  }

  /** The program to start: the guest's shell, running the command with its output redirected. */
  #program(command: readonly string[], capture: Capture): GuestProgramSpec {
    if (command.length === 0) throw new ConnectorError(ErrorCode.ConnectorFailed, `cannot run an empty command on ${this.vm}`);
    if (this.#family === 'windows') return { programPath: this.#settings.shell.windows, arguments: formatCmdArguments(command, capture) };
    const script = `${command.map(quotePosixArgument).join(' ')} </dev/null >${quotePosixArgument(capture.stdout)} 2>${quotePosixArgument(capture.stderr)}`;
    return { programPath: this.#settings.shell.linux, arguments: `-c ${quotePosixArgument(script)}` };
  }

  #path(path: string): string {
    return this.#family === 'windows' ? normalizeWindowsPath(path) : normalizePosixPath(path);
  }

  async #waitForExit(what: string, pid: number, signal: AbortSignal): Promise<number> {
    for (;;) {
      const [info] = await this.#call(what, () => this.#connection.listProcesses([pid], signal));
      if (info === undefined) throw new ConnectorError(ErrorCode.ConnectorFailed, `${what}: process ${pid} is no longer listed by VMware Tools`);
      if (info.endTime !== undefined) {
        if (info.exitCode === undefined) throw new ConnectorError(ErrorCode.ConnectorFailed, `${what}: process ${pid} ended without an exit code`);
        return info.exitCode;
      }
      await pause(this.#settings.pollIntervalMs, signal);
    }
  }

  async #call<T>(what: string, operation: () => Promise<T>): Promise<T> {
    try {
      return await operation();
    } catch (error) {
      throw toConnectorError(error, what, false);
    }
  }

  /** A capture file that was never written reads as empty. */
  async #readCapture(what: string, path: string, signal: AbortSignal): Promise<Uint8Array> {
    try {
      const transfer = await this.#connection.initiateFileTransferFromGuest(path, signal);
      return transfer.size === 0 ? new Uint8Array() : await this.#connection.getFile(transfer.url, signal);
    } catch (error) {
      if (guestOperationsFailureOf(error) === 'file-not-found') return new Uint8Array();
      throw toConnectorError(error, `${what}: read its output`, false);
    }
  }

  /** Best effort; true when both files are gone. */
  async #deleteCapture(capture: Capture, signal: AbortSignal): Promise<boolean> {
    let gone = true;
    for (const path of [capture.stdout, capture.stderr]) {
      try {
        await this.#connection.deleteFile(path, signal);
      } catch (error) {
        if (guestOperationsFailureOf(error) !== 'file-not-found') gone = false;
      }
    }
    return gone;
  }
}
