import { reasonIn, TransportError } from '@gipkit/connector-kit';

/**
 * The QEMU guest agent as the Proxmox VE API exposes it
 * (`/nodes/{node}/qemu/{vmid}/agent/*`). A transport is a thin client of that
 * API; the `qemu-agent` connector builds guest sessions on it. This package
 * ships no HTTP client: see the README for how a real transport calls the API,
 * and `testing/simulated-guest-agent.ts` for an in-memory one.
 */

/** Which VM, as the Proxmox VE API names it. */
export interface QemuVmRef {
  /** The cluster node the VM runs on: `{node}` in API paths. */
  readonly node: string;
  /** `{vmid}` in API paths. */
  readonly vmid: number;
}

/** Which guest the connector wants, in inventory terms. */
export interface QemuGuestTarget {
  /** The inventory VM id: the VM's name in Proxmox VE. */
  readonly vm: string;
  /** The inventory host id: a Proxmox VE node (or a cluster standing for its nodes). */
  readonly host: string;
}

/** `GET /nodes/{node}/qemu/{vmid}/agent/exec-status?pid=`, field by field. */
export interface QemuExecStatus {
  /** `exited`: the process has ended. */
  readonly exited: boolean;
  /** `exitcode`: present once it exited normally. */
  readonly exitCode?: number;
  /** `signal`: present when a signal ended it (Linux guests). */
  readonly signal?: number;
  /** `out-data`: its standard output (the API decodes the agent's base64). */
  readonly outData?: string;
  /** `err-data`: its standard error. */
  readonly errData?: string;
  /** `out-truncated`: the agent kept only the first part of the output. */
  readonly outTruncated?: boolean;
  /** `err-truncated`. */
  readonly errTruncated?: boolean;
}

/** `GET /nodes/{node}/qemu/{vmid}/agent/info`: the agent's `guest-info`. */
export interface QemuAgentInfo {
  /** `result.version`: the agent's version. */
  readonly version: string;
  /** `result.supported_commands`: each command and whether this agent allows it. */
  readonly supportedCommands: readonly { readonly name: string; readonly enabled: boolean }[];
}

/** `GET /nodes/{node}/qemu/{vmid}/agent/file-read?file=`. */
export interface QemuFileRead {
  /** `content`, as the API returns it (text). */
  readonly content: string;
  /** `truncated`: the file is larger than the API reads (16 MiB). */
  readonly truncated: boolean;
}

/**
 * The most a `file-write` call takes: its `content` parameter is at most 61440
 * characters (60 KiB). With `encode=0` that is the base64 text, so one call
 * writes at most 46080 bytes.
 */
export const FILE_WRITE_MAX_CONTENT = 61_440;

/**
 * Why a transport call failed. A transport maps HTTP statuses and the API's
 * messages to these; the connector maps them to `ConnectorError` codes.
 */
export const QemuGuestAgentFailure = {
  /** HTTP 500 "QEMU guest agent is not running", or the agent does not answer. → REFUSED (DROPPED once connected) */
  AgentNotRunning: 'agent-not-running',
  /** HTTP 500 "VM {vmid} not running". → REFUSED (DROPPED once connected) */
  VmNotRunning: 'vm-not-running',
  /** No VM of that name in the cluster (`/cluster/resources`). → FAILED */
  VmNotFound: 'vm-not-found',
  /** HTTP 401 (bad or expired API token) or 403 (the token lacks a privilege the call needs). → AUTH */
  Unauthorized: 'unauthorized',
  /** The API token's secret reference cannot be read (unset variable, unreadable file). → SECRET */
  SecretUnavailable: 'secret-unavailable',
  /** The API's TLS certificate is not the trusted one. → HOST_KEY */
  CertificateRejected: 'certificate-rejected',
  /** The API cannot be reached (connection refused or reset, DNS). → REFUSED (DROPPED once connected) */
  ApiUnreachable: 'api-unreachable',
  /** `exec` only: the agent could not start the program (HTTP 500 "Agent error: Failed to execute child process"). → exit code 127 */
  ExecFailed: 'exec-failed',
} as const;
export type QemuGuestAgentFailure = (typeof QemuGuestAgentFailure)[keyof typeof QemuGuestAgentFailure];

/**
 * What a transport rejects with when the API or the agent says no. Its
 * message MUST NOT hold the API token. Any other error counts as
 * GIPKIT_CONNECTOR_FAILED, and its message is not shown.
 */
export class QemuGuestAgentError extends TransportError<QemuGuestAgentFailure> {
  constructor(reason: QemuGuestAgentFailure, message: string, options: { readonly cause?: unknown } = {}) {
    super(reason, message, options);
    this.name = 'QemuGuestAgentError';
  }
}

/** The reason of a `QemuGuestAgentError` (or of any error with a known `reason`), else undefined. */
export function qemuGuestAgentFailureOf(error: unknown): QemuGuestAgentFailure | undefined {
  return reasonIn(QemuGuestAgentFailure, error);
}

/**
 * The Proxmox VE API calls the `qemu-agent` connector needs. Every method
 * rejects with a `QemuGuestAgentError` when the API or the agent says no, and
 * rejects promptly when `signal` aborts (the connector bounds every call by
 * its timeout and aborts the signal when it gives up).
 *
 * The transport authenticates with a Proxmox VE API token
 * (`Authorization: PVEAPIToken=USER@REALM!TOKENID=SECRET`) that it reads from
 * a secret reference of its own options when the connector connects
 * (`locate`, `info`), never before; it MUST NOT log it or put it in an error.
 */
export interface QemuGuestAgentTransport {
  /** Finds the VM by name: `GET /cluster/resources?type=vm` (`name` → `node`, `vmid`). */
  locate(target: QemuGuestTarget, signal: AbortSignal): Promise<QemuVmRef>;
  /**
   * `GET /nodes/{node}/qemu/{vmid}/agent/info`: answers only when the guest
   * agent runs, and says which agent commands it allows (a ping would not).
   */
  info(vm: QemuVmRef, signal: AbortSignal): Promise<QemuAgentInfo>;
  /**
   * `POST /nodes/{node}/qemu/{vmid}/agent/exec` with `command` (the program
   * and its arguments, no shell) and optional `input-data` (standard input):
   * resolves with the guest's `pid`. Rejects with `exec-failed` when the agent
   * cannot start the program.
   */
  exec(vm: QemuVmRef, request: { readonly command: readonly string[]; readonly inputData?: string }, signal: AbortSignal): Promise<{ readonly pid: number }>;
  /** `GET /nodes/{node}/qemu/{vmid}/agent/exec-status?pid=`. */
  execStatus(vm: QemuVmRef, pid: number, signal: AbortSignal): Promise<QemuExecStatus>;
  /**
   * `POST /nodes/{node}/qemu/{vmid}/agent/file-write` with `file`, `content`
   * (already base64, at most `FILE_WRITE_MAX_CONTENT` characters) and
   * `encode=0`. Creates or replaces the file; its folder must exist.
   */
  fileWrite(vm: QemuVmRef, request: { readonly file: string; readonly content: string }, signal: AbortSignal): Promise<void>;
  /** `GET /nodes/{node}/qemu/{vmid}/agent/file-read?file=`. */
  fileRead(vm: QemuVmRef, file: string, signal: AbortSignal): Promise<QemuFileRead>;
}
