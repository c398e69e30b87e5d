import {
  callWithin, contentsChunks, contentsSize, ConnectorError, ErrorCode,
  type CallOptions, type CommandResult, type UploadContents, type ConnectRequest, type ConnectionMethod, type GuestConnector, type GuestSession, type OsFamily, type Platform,
} from '@gipkit/plugin-api';
import { normalizeWindowsPath, positiveOption, transportFailures, windowsParent } from '@gipkit/connector-kit';
import { createDirectoryScript, removeScript, runScript } from './power-shell-script.js';
import {
  type PowerShellDirectFailure, type PowerShellDirectSession, type PowerShellDirectTarget, type PowerShellDirectTransport, type PowerShellInvocationResult,
} from './power-shell-direct-transport.js';

export interface PowerShellDirectConnectorOptions {
  /** Bytes (UTF-8) kept of each output stream (default 1 MiB); the rest is dropped and `truncated` set. */
  readonly maxOutputBytes?: number;
  /** How long `close` waits for the transport (default 10 000 ms); it never rejects. */
  readonly closeTimeoutMs?: number;
}

interface Settings {
  readonly maxOutputBytes: number;
  readonly closeTimeoutMs: number;
}

const PACKAGE = '@gipkit/hypervisor-hyperv';
const MEANS: Readonly<Record<PowerShellDirectFailure, { readonly code: ErrorCode; readonly text: string }>> = {
  'vm-not-found': { code: ErrorCode.ConnectionRefused, text: 'the Hyper-V host has no such VM (PowerShell Direct works only from the host running the VM)' },
  'vm-not-running': { code: ErrorCode.ConnectionRefused, text: 'the VM is not running' },
  'guest-unavailable': {
    code: ErrorCode.ConnectionRefused,
    text: 'the guest does not answer PowerShell Direct (it needs Windows 10 / Windows Server 2016 or later on Hyper-V 2016 or later)',
  },
  'invalid-credential': { code: ErrorCode.ConnectionAuthFailed, text: 'the guest rejected the account or password' },
  'access-denied': {
    code: ErrorCode.ConnectionAuthFailed,
    text: 'access denied: the host account must be a Hyper-V administrator and the guest account an administrator (with UAC on, the built-in Administrator)',
  },
  'session-broken': { code: ErrorCode.ConnectionDropped, text: 'the PowerShell Direct session broke' },
  'secret-unavailable': { code: ErrorCode.SecretUnavailable, text: 'the secret cannot be read' },
};

const FAILURES = transportFailures({ transport: 'the PowerShell Direct transport', means: MEANS, dropped: 'session-broken' });
const toConnectorError = FAILURES.toConnectorError;

const positive = (name: string, value: number | undefined, fallback: number): number => positiveOption(PACKAGE, name, value, fallback);

/** Keeps at most `maxBytes` bytes of UTF-8 text. */
function truncate(text: string, maxBytes: number): { text: string; truncated: boolean } {
  const bytes = new TextEncoder().encode(text);
  if (bytes.length <= maxBytes) return { text, truncated: false };
  return { text: new TextDecoder().decode(bytes.subarray(0, maxBytes)).replace(/\uFFFD$/, ''), truncated: true };
}

/** The first error of a script, shortened: guest text for a message. */
const firstError = (result: PowerShellInvocationResult): string => (result.errors[0] ?? 'no error message').slice(0, 300);

/**
 * The `powershell-direct` connection method of Hyper-V: networkless, from the
 * Hyper-V host into a Windows guest over the VM bus. Commands run through a
 * PowerShell script whose every argument is a single-quoted literal; files go
 * with `Copy-Item -ToSession`. Linux guests are refused.
 */
export class PowerShellDirectConnector implements GuestConnector {
  readonly platform: Platform = 'hyperv';
  readonly method: ConnectionMethod = 'powershell-direct';
  /** PowerShell Direct reaches Windows guests only. */
  readonly families: readonly OsFamily[] = ['windows'];
  readonly #transport: PowerShellDirectTransport;
  readonly #settings: Settings;

  constructor(transport: PowerShellDirectTransport, options: PowerShellDirectConnectorOptions = {}) {
    this.#transport = transport;
    this.#settings = {
      maxOutputBytes: positive('maxOutputBytes', options.maxOutputBytes, 1024 * 1024),
      closeTimeoutMs: positive('closeTimeoutMs', options.closeTimeoutMs, 10_000),
    };
  }

  connect(request: ConnectRequest, options: CallOptions): Promise<GuestSession> {
    const what = `connect to ${request.vm} from ${request.proxy} over PowerShell Direct`;
    if (request.family !== 'windows') {
      return Promise.reject(new ConnectorError(ErrorCode.ConnectionRefused, `${what}: PowerShell Direct serves Windows guests; ${request.vm} runs ${request.family}`));
    }
    return callWithin(what, options, async (signal) => {
      const target: PowerShellDirectTarget = {
        vm: request.vm, host: request.host, account: request.account, ...(request.secret === undefined ? {} : { secret: request.secret }),
      };
      let session: PowerShellDirectSession;
      try {
        session = await this.#transport.openSession(target, signal);
      } catch (error) {
        throw toConnectorError(error, `${what} as ${request.account}`, true);
      }
      return new DirectSession(request, this.method, session, this.#settings);
    }, (session) => session.close());
  }
}

class DirectSession implements GuestSession {
  readonly vm: string;
  readonly proxy: string;
  readonly method: ConnectionMethod;
  readonly #session: PowerShellDirectSession;
  readonly #settings: Settings;
  #closed = false;

  constructor(request: ConnectRequest, method: ConnectionMethod, session: PowerShellDirectSession, settings: Settings) {
    this.vm = request.vm;
    this.proxy = request.proxy;
    this.method = method;
    this.#session = session;
    this.#settings = settings;
  }

  run(command: readonly string[], options: CallOptions): Promise<CommandResult> {
    const what = `run ${command[0] ?? ''} on ${this.vm} over PowerShell Direct`;
    return callWithin(what, options, async (signal) => {
      const script = runScript(command, options.timeoutMs);
      const result = await this.#invoke(what, script, signal);
      if (result.lastExitCode === null) throw new ConnectorError(ErrorCode.ConnectorFailed, `${what}: the script ended without an exit code: ${firstError(result)}`);
      const stdout = truncate(result.output.join('\n'), this.#settings.maxOutputBytes);
      const stderr = truncate(result.errors.join('\n'), this.#settings.maxOutputBytes);
      return { exitCode: result.lastExitCode, stdout: stdout.text, stderr: stderr.text, truncated: stdout.truncated || stderr.truncated };
    });
  }

  upload(contents: UploadContents, remotePath: string, options: CallOptions & { readonly mode?: number }): Promise<void> {
    const what = `upload ${remotePath} to ${this.vm} over PowerShell Direct`;
    return callWithin(what, options, async (signal) => {
      const path = normalizeWindowsPath(remotePath);
      const parent = windowsParent(path);
      if (parent === path) throw new ConnectorError(ErrorCode.ConnectorFailed, `${what}: a drive root is not a file`);
      const created = await this.#invoke(what, createDirectoryScript(parent), signal);
      if (created.errors.length > 0) throw new ConnectorError(ErrorCode.ConnectorFailed, `${what}: cannot create ${parent}: ${firstError(created)}`);
      try {
        await this.#session.copyToSession(contentsChunks(contents, signal), contentsSize(contents), path, signal);
      } catch (error) {
        throw toConnectorError(error, what, false);
      }
    });
  }

  remove(remotePath: string, options: CallOptions): Promise<void> {
    const what = `remove ${remotePath} from ${this.vm} over PowerShell Direct`;
    return callWithin(what, options, async (signal) => {
      const path = normalizeWindowsPath(remotePath);
      if (windowsParent(path) === path) throw new ConnectorError(ErrorCode.ConnectorFailed, `${what}: refusing to remove a whole drive`);
      const removed = await this.#invoke(what, removeScript(path), signal);
      if (removed.errors.length > 0) throw new ConnectorError(ErrorCode.ConnectorFailed, `${what}: ${firstError(removed)}`);
    });
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const never = new AbortController().signal;
    await callWithin(`close the PowerShell Direct session to ${this.vm}`, { timeoutMs: this.#settings.closeTimeoutMs, signal: never }, () => this.#session.close())
      .catch(() => undefined);
  }

  async #invoke(what: string, script: string, signal: AbortSignal): Promise<PowerShellInvocationResult> {
    if (this.#closed) throw new ConnectorError(ErrorCode.ConnectionDropped, `${what}: the session is closed`);
    try {
      return await this.#session.invoke(script, signal);
    } catch (error) {
      throw toConnectorError(error, what, false);
    }
  }
}
