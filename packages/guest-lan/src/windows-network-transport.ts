import { reasonIn, TransportError } from '@gipkit/connector-kit';
import type { SecretReference } from '@gipkit/plugin-api';

/**
 * Why a Windows network operation failed. A transport maps the status codes of
 * its protocols (SMB, DCOM/WMI, WinRM) to these; the opener maps them to
 * `ConnectorError` codes.
 */
export const WindowsNetworkFailure = {
  /** STATUS_ACCESS_DENIED, ERROR_ACCESS_DENIED (5), E_ACCESSDENIED: not an administrator, or UAC remote restrictions. → GIPKIT_CONNECTOR_AUTH */
  AccessDenied: 'access-denied',
  /** STATUS_LOGON_FAILURE, ERROR_LOGON_FAILURE (1326): unknown account or wrong password. → GIPKIT_CONNECTOR_AUTH */
  LogonFailure: 'logon-failure',
  /** ERROR_BAD_NETPATH (53), STATUS_BAD_NETWORK_NAME, no answer on 445: the guest or its share is out of reach. → GIPKIT_CONNECTOR_REFUSED */
  NetworkPathNotFound: 'network-path-not-found',
  /** RPC_S_SERVER_UNAVAILABLE (1722, 0x800706BA), WinRM not listening: remote process creation is out of reach. → GIPKIT_CONNECTOR_REFUSED */
  RpcUnavailable: 'rpc-unavailable',
  /** STATUS_OBJECT_NAME_NOT_FOUND, STATUS_OBJECT_PATH_NOT_FOUND, ERROR_FILE_NOT_FOUND (2), ERROR_PATH_NOT_FOUND (3). */
  NotFound: 'not-found',
  /** The connection closed or was reset (STATUS_NETWORK_NAME_DELETED, ERROR_NETNAME_DELETED (64), ECONNRESET). → GIPKIT_CONNECTOR_DROPPED */
  Closed: 'closed',
  /** The secret reference cannot be read (unset variable, unreadable file). → GIPKIT_CONNECTOR_SECRET */
  SecretUnavailable: 'secret-unavailable',
} as const;
export type WindowsNetworkFailure = (typeof WindowsNetworkFailure)[keyof typeof WindowsNetworkFailure];

/**
 * What a `WindowsNetworkTransport` rejects with when the guest or a protocol
 * says no. Its message MUST NOT hold the secret. Any other error counts as
 * GIPKIT_CONNECTOR_FAILED.
 */
export class WindowsNetworkError extends TransportError<WindowsNetworkFailure> {
  constructor(reason: WindowsNetworkFailure, message: string, options: { readonly cause?: unknown } = {}) {
    super(reason, message, options);
    this.name = 'WindowsNetworkError';
  }
}

/** The reason of a `WindowsNetworkError` (or of any error with a matching `reason`), else undefined. */
export function windowsNetworkFailureOf(error: unknown): WindowsNetworkFailure | undefined {
  return reasonIn(WindowsNetworkFailure, error);
}

/** Which guest to reach, as whom. */
export interface WindowsNetworkTarget {
  /** An IP address (or host name) of the guest. */
  readonly address: string;
  /** `DOMAIN\user`, `user@domain`, or a local account (`.\Administrator`). */
  readonly account: string;
  /** Read by the transport when it connects, never before; never logged, never in an error. */
  readonly secret?: SecretReference;
}

/**
 * Windows guest access over the network, as a guest interaction proxy does
 * it: files through the administrative shares (`\\guest\C$`, `\\guest\ADMIN$`)
 * over SMB (445), processes through remote process creation (WMI
 * `Win32_Process.Create` over DCOM/RPC, 135 and dynamic ports, or a WinRM
 * shell). Implementations wrap an SMB and an RPC/WinRM client; gipkit ships
 * none, and a simulated one in `@gipkit/guest-lan/testing`.
 */
export interface WindowsNetworkTransport {
  /**
   * Authenticates to the guest (reading `target.secret` now) and returns a
   * connection. Rejects with a `WindowsNetworkError`; on abort of `signal`,
   * rejects and leaves nothing open.
   */
  connect(target: WindowsNetworkTarget, signal: AbortSignal): Promise<WindowsNetworkConnection>;
}

/**
 * One authenticated connection to one guest. Paths are relative to an
 * administrative share (`C$`, `ADMIN$`), `\`-separated, empty for the share's
 * root. Every method rejects with a `WindowsNetworkError` when the guest says
 * no, and rejects when its `signal` aborts.
 */
export interface WindowsNetworkConnection {
  /** Creates a folder and its missing parents; an existing folder is not an error. */
  createDirectory(share: string, path: string, signal: AbortSignal): Promise<void>;
  /**
   * Creates or replaces a file of `size` bytes from `chunks`, in order (read
   * them as they are written: a bundle file is never held whole); its folder
   * exists. Rejects when `chunks` throws.
   */
  writeFile(share: string, path: string, chunks: AsyncIterable<Uint8Array>, size: number, signal: AbortSignal): Promise<void>;
  /** Reads a whole file; `not-found` when it does not exist. */
  readFile(share: string, path: string, signal: AbortSignal): Promise<Uint8Array>;
  /** Deletes a file, or a folder with everything in it; `not-found` when nothing is there. */
  deleteTree(share: string, path: string, signal: AbortSignal): Promise<void>;
  /**
   * Creates a process from a command line (`Win32_Process.Create`) as the
   * connected account, with no console input; resolves with its process id
   * once it started.
   */
  startProcess(commandLine: string, signal: AbortSignal): Promise<number>;
  /** Resolves with the exit code (a DWORD, 0 to 4294967295) when the process ends; on abort, rejects and leaves the process alone. */
  waitProcess(processId: number, signal: AbortSignal): Promise<number>;
  /** Ends a process (`Win32_Process.Terminate`); one that already ended is not an error. */
  terminateProcess(processId: number, signal: AbortSignal): Promise<void>;
  /** Logs off and closes the connection; idempotent, never rejects. */
  close(): Promise<void>;
}
