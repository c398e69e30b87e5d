import { randomUUID } from 'node:crypto';
import {
  callWithin, contentsChunks, contentsSize, ConnectorError, ErrorCode, PluginError,
  type CallOptions, type CommandResult, type UploadContents, type ConnectRequest, type ConnectionMethod, type GuestSession, type SessionOpener,
} from '@gipkit/plugin-api';
import { formatCmdArguments, normalizeWindowsPath, OutputCapture, positiveOption, toAdminShare, transportFailures } from '@gipkit/connector-kit';
import {
  windowsNetworkFailureOf,
  type WindowsNetworkConnection, type WindowsNetworkFailure, type WindowsNetworkTarget, type WindowsNetworkTransport,
} from './windows-network-transport.js';

export interface WindowsNetworkOpenerOptions {
  /** Folder on the guest for output capture files (default `C:\Windows\Temp`). */
  readonly tempFolder?: string;
  /** Bytes kept of each output stream (default 1 MiB); the rest is dropped and `truncated` set. */
  readonly maxOutputBytes?: number;
  /** How long the background cleanup after a failed or timed-out run may take (default 30 000 ms). */
  readonly cleanupTimeoutMs?: number;
  /** How long `close` waits for pending cleanups, then for the transport (default 10 000 ms each); it never rejects. */
  readonly closeTimeoutMs?: number;
}

interface Settings {
  readonly tempFolder: string;
  readonly maxOutputBytes: number;
  readonly cleanupTimeoutMs: number;
  readonly closeTimeoutMs: number;
}

const PACKAGE = '@gipkit/guest-lan';
const MEANS: Readonly<Record<WindowsNetworkFailure, { readonly code: ErrorCode; readonly text: string }>> = {
  'access-denied': {
    code: ErrorCode.ConnectionAuthFailed,
    text: 'access denied: the account must be an administrator of the guest (for a local account with UAC on, the built-in Administrator)',
  },
  'logon-failure': { code: ErrorCode.ConnectionAuthFailed, text: 'logon failure: unknown account or wrong password' },
  'network-path-not-found': { code: ErrorCode.ConnectionRefused, text: 'network path not found: SMB (445) does not answer or the admin share is off' },
  'rpc-unavailable': { code: ErrorCode.ConnectionRefused, text: 'the RPC server is unavailable: remote process creation (135 and dynamic ports, or WinRM) does not answer' },
  'not-found': { code: ErrorCode.ConnectorFailed, text: 'not found' },
  closed: { code: ErrorCode.ConnectionDropped, text: 'the connection closed' },
  'secret-unavailable': { code: ErrorCode.SecretUnavailable, text: 'the secret cannot be read' },
};

const FAILURES = transportFailures({ transport: 'the Windows network transport', means: MEANS, dropped: 'closed' });
const toConnectorError = FAILURES.toConnectorError;

const positive = (name: string, value: number | undefined, fallback: number): number => positiveOption(PACKAGE, name, value, fallback);

/**
 * Opens sessions to Windows guests over the network through a
 * `WindowsNetworkTransport`: files on the administrative shares, commands as
 * remote processes through `cmd.exe` with their output redirected to files
 * in the guest's temp folder, read back and deleted. Tries the guest's
 * addresses in order until one answers.
 */
export class WindowsNetworkOpener implements SessionOpener {
  readonly #transport: WindowsNetworkTransport;
  readonly #settings: Settings;

  constructor(transport: WindowsNetworkTransport, options: WindowsNetworkOpenerOptions = {}) {
    this.#transport = transport;
    const tempFolder = normalizeWindowsPath(options.tempFolder ?? 'C:\\Windows\\Temp');
    if (/[%^&<>|"]/.test(tempFolder)) throw new PluginError(ErrorCode.PluginInvalid, PACKAGE, `tempFolder ${tempFolder} holds a character cmd.exe treats specially`);
    this.#settings = {
      tempFolder,
      maxOutputBytes: positive('maxOutputBytes', options.maxOutputBytes, 1024 * 1024),
      cleanupTimeoutMs: positive('cleanupTimeoutMs', options.cleanupTimeoutMs, 30_000),
      closeTimeoutMs: positive('closeTimeoutMs', options.closeTimeoutMs, 10_000),
    };
  }

  open(request: ConnectRequest, method: ConnectionMethod, options: CallOptions): Promise<GuestSession> {
    const what = `connect to ${request.vm} from ${request.proxy} over the Windows network`;
    return callWithin(what, options, async (signal) => {
      if (request.family !== 'windows') throw new ConnectorError(ErrorCode.ConnectorFailed, `${what}: the Windows network serves Windows guests, not ${request.family} guests`);
      if (request.addresses.length === 0) {
        throw new ConnectorError(ErrorCode.ConnectionRefused, `${what}: the guest reports no IP address, so it cannot be reached over the network`);
      }
      const unreachable: string[] = [];
      let last: unknown;
      for (const address of request.addresses) {
        const target: WindowsNetworkTarget = { address, account: request.account, ...(request.secret === undefined ? {} : { secret: request.secret }) };
        try {
          const connection = await this.#transport.connect(target, signal);
          return new WindowsNetworkSession(request, method, connection, this.#settings);
        } catch (error) {
          const reason = windowsNetworkFailureOf(error);
          if (reason !== 'network-path-not-found' && reason !== 'rpc-unavailable') throw toConnectorError(error, `${what} at ${address} as ${request.account}`, true);
          unreachable.push(`${address} (${reason})`);
          last = error;
        }
      }
      throw new ConnectorError(
        ErrorCode.ConnectionRefused,
        `${what}: no address answers SMB (445) and RPC (135): ${unreachable.join(', ')}`,
        { cause: last },
      );
    }, (session) => session.close());
  }
}

interface Capture {
  readonly stdout: AdminPath;
  readonly stderr: AdminPath;
}
interface AdminPath {
  readonly full: string;
  readonly share: string;
  readonly path: string;
}
const adminPath = (full: string): AdminPath => ({ full, ...toAdminShare(full) });

class WindowsNetworkSession implements GuestSession {
  readonly vm: string;
  readonly proxy: string;
  readonly method: ConnectionMethod;
  readonly #connection: WindowsNetworkConnection;
  readonly #settings: Settings;
  readonly #capture: OutputCapture;

  constructor(request: ConnectRequest, method: ConnectionMethod, connection: WindowsNetworkConnection, settings: Settings) {
    this.vm = request.vm;
    this.proxy = request.proxy;
    this.method = method;
    this.#connection = connection;
    this.#settings = settings;
    this.#capture = new OutputCapture(request.vm, settings);
  }

  async run(command: readonly string[], options: CallOptions): Promise<CommandResult> {
    const what = `run ${command[0] ?? ''} on ${this.vm}`;
    const id = randomUUID();
    const capture: Capture = {
      stdout: adminPath(`${this.#settings.tempFolder}\\gipkit-${id}.out`),
      stderr: adminPath(`${this.#settings.tempFolder}\\gipkit-${id}.err`),
    };
    return this.#capture.run(what, options, () => {
      const commandLine = `cmd.exe ${formatCmdArguments(command, { stdout: capture.stdout.full, stderr: capture.stderr.full })}`;
      return {
        start: (signal) => this.#call(what, () => this.#connection.startProcess(commandLine, signal)),
        wait: (processId, signal) => this.#call(what, () => this.#connection.waitProcess(processId, signal)),
        read: (stream, signal) => this.#readCapture(what, capture[stream], signal),
        terminate: (processId, signal) => this.#connection.terminateProcess(processId, signal),
        removeCaptures: (signal) => this.#deleteCapture(capture, signal),
      };
    });
  }

  upload(contents: UploadContents, remotePath: string, options: CallOptions & { readonly mode?: number }): Promise<void> {
    const what = `upload ${remotePath} to ${this.vm}`;
    return callWithin(what, options, async (signal) => {
      const { share, path } = toAdminShare(remotePath);
      if (path === '') throw new ConnectorError(ErrorCode.ConnectorFailed, `${what}: a drive root is not a file`);
      this.#capture.assertOpen(what);
      const folder = path.lastIndexOf('\\') < 0 ? '' : path.slice(0, path.lastIndexOf('\\'));
      if (folder !== '') await this.#call(what, () => this.#connection.createDirectory(share, folder, signal));
      await this.#call(what, () => this.#connection.writeFile(share, path, contentsChunks(contents, signal), contentsSize(contents), signal));
    });
  }

  remove(remotePath: string, options: CallOptions): Promise<void> {
    const what = `remove ${remotePath} from ${this.vm}`;
    return callWithin(what, options, async (signal) => {
      const { share, path } = toAdminShare(remotePath);
      if (path === '') throw new ConnectorError(ErrorCode.ConnectorFailed, `${what}: refusing to remove a whole drive`);
      this.#capture.assertOpen(what);
      try {
        await this.#connection.deleteTree(share, path, signal);
      } catch (error) {
        if (windowsNetworkFailureOf(error) !== 'not-found') throw toConnectorError(error, what, false);
      }
    });
  }

  /** Waits (up to `closeTimeoutMs`) for cleanups of failed runs, then closes; never rejects. */
  close(): Promise<void> {
    return this.#capture.close(() => this.#connection.close());
  }

  async #call<T>(what: string, operation: () => Promise<T>): Promise<T> {
    try {
      return await operation();
    } catch (error) {
      throw toConnectorError(error, what, false);
    }
  }

  /** A capture file that was never written (the process could not start) reads as empty. */
  async #readCapture(what: string, file: AdminPath, signal: AbortSignal): Promise<Uint8Array> {
    try {
      return await this.#connection.readFile(file.share, file.path, signal);
    } catch (error) {
      if (windowsNetworkFailureOf(error) === 'not-found') return new Uint8Array();
      throw toConnectorError(error, `${what}: read its output`, false);
    }
  }

  /** Best effort (a capture file left behind is not worth failing a run for); true when both are gone. */
  async #deleteCapture(capture: Capture, signal: AbortSignal): Promise<boolean> {
    let gone = true;
    for (const file of [capture.stdout, capture.stderr]) {
      try {
        await this.#connection.deleteTree(file.share, file.path, signal);
      } catch (error) {
        if (windowsNetworkFailureOf(error) !== 'not-found') gone = false;
      }
    }
    return gone;
  }
}
