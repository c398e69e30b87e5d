import { reasonIn, TransportError } from '@gipkit/connector-kit';
import type { SecretReference } from '@gipkit/plugin-api';

/**
 * Why a guest operation failed: the vSphere faults a transport maps from
 * (in the comments) and the `ConnectorError` code the connector maps to.
 */
export const GuestOperationsFailure = {
  /** GuestOperationsUnavailable, GuestComponentsOutOfDate: VMware Tools does not run in the guest (or is too old). → GIPKIT_CONNECTOR_REFUSED */
  ToolsUnavailable: 'tools-unavailable',
  /** InvalidPowerState: the VM is not powered on. → GIPKIT_CONNECTOR_REFUSED */
  NotPoweredOn: 'not-powered-on',
  /** ManagedObjectNotFound, or no VM of that name: → GIPKIT_CONNECTOR_REFUSED */
  VmNotFound: 'vm-not-found',
  /** vCenter or ESXi (443) does not answer. → GIPKIT_CONNECTOR_REFUSED */
  Unreachable: 'unreachable',
  /** InvalidGuestLogin: wrong guest account or password. → GIPKIT_CONNECTOR_AUTH */
  InvalidGuestLogin: 'invalid-guest-login',
  /** GuestPermissionDenied: the guest account may not do this (UAC: only the built-in Administrator works). → GIPKIT_CONNECTOR_AUTH */
  GuestPermissionDenied: 'guest-permission-denied',
  /** NoPermission: the vSphere account lacks the VirtualMachine.GuestOperations privileges. → GIPKIT_CONNECTOR_AUTH */
  NoPermission: 'no-permission',
  /** FileNotFound. */
  FileNotFound: 'file-not-found',
  /** FileAlreadyExists. */
  FileAlreadyExists: 'file-already-exists',
  /** NotAFile: the path is a directory. */
  NotAFile: 'not-a-file',
  /** The vSphere session was lost or expired mid-way. → GIPKIT_CONNECTOR_DROPPED */
  ConnectionLost: 'connection-lost',
  /** The secret reference cannot be read. → GIPKIT_CONNECTOR_SECRET */
  SecretUnavailable: 'secret-unavailable',
} as const;
export type GuestOperationsFailure = (typeof GuestOperationsFailure)[keyof typeof GuestOperationsFailure];

/** What a `GuestOperationsTransport` rejects with for a vSphere fault. Its message MUST NOT hold the secret; any other error counts as GIPKIT_CONNECTOR_FAILED. */
export class GuestOperationsError extends TransportError<GuestOperationsFailure> {
  constructor(reason: GuestOperationsFailure, message: string, options: { readonly cause?: unknown } = {}) {
    super(reason, message, options);
    this.name = 'GuestOperationsError';
  }
}

/** The reason of a `GuestOperationsError` (or of any error with a matching `reason`), else undefined. */
export function guestOperationsFailureOf(error: unknown): GuestOperationsFailure | undefined {
  return reasonIn(GuestOperationsFailure, error);
}

/** Which VM's guest to reach, as which guest account. */
export interface GuestOperationsTarget {
  /** The VM as the inventory names it; the transport finds it in vSphere. */
  readonly vm: string;
  /** The ESXi host it runs on. */
  readonly host: string;
  /** Guest account for NamePasswordAuthentication. */
  readonly account: string;
  /** Read by the transport when it connects, never before; never logged, never in an error. */
  readonly secret?: SecretReference;
}

/** StartProgramInGuest's GuestProgramSpec. */
export interface GuestProgramSpec {
  /** Absolute path of the program in the guest. */
  readonly programPath: string;
  /**
   * One string, as VMware Tools passes it: appended to the quoted program path
   * and run by `/bin/sh -c` in Linux guests, by `CreateProcess` in Windows guests.
   */
  readonly arguments: string;
  readonly workingDirectory?: string;
}

/** An entry of ListProcessesInGuest: `endTime` and `exitCode` are set once the process ended. */
export interface GuestProcessInfo {
  readonly pid: number;
  readonly endTime?: Date;
  readonly exitCode?: number;
}

/** GuestFileAttributes for InitiateFileTransferToGuest. */
export interface GuestFileAttributes {
  /** GuestPosixFileAttributes.permissions (Linux guests). */
  readonly posixPermissions?: number;
}

/** FileTransferInformation of InitiateFileTransferFromGuest. */
export interface GuestFileTransferInformation {
  readonly url: string;
  readonly size: number;
}

/**
 * vSphere guest operations (the networkless "VIX" method): the proxy talks to
 * vCenter or ESXi over 443, VMware Tools acts in the guest; the guest needs no
 * open port. Modelled on the vSphere Web Services `GuestOperationsManager`
 * (`ProcessManager`, `FileManager`) with `NamePasswordAuthentication`.
 * Implementations wrap a vSphere client; gipkit ships none, and a simulated
 * one in `@gipkit/hypervisor-vmware/testing`.
 */
export interface GuestOperationsTransport {
  /**
   * Finds the VM, checks that guest operations are ready (VMware Tools runs;
   * else `tools-unavailable`) and authenticates to the guest, reading
   * `target.secret` now. On abort of `signal`, rejects and leaves nothing open.
   */
  connect(target: GuestOperationsTarget, signal: AbortSignal): Promise<GuestOperationsConnection>;
}

/**
 * Guest operations on one VM as one guest account. Every method rejects with
 * a `GuestOperationsError` for a vSphere fault, and rejects when its `signal`
 * aborts.
 */
export interface GuestOperationsConnection {
  /** ProcessManager.StartProgramInGuest: resolves with the pid. */
  startProgram(spec: GuestProgramSpec, signal: AbortSignal): Promise<number>;
  /** ProcessManager.ListProcessesInGuest for these pids (ended processes stay listed for a few minutes). */
  listProcesses(pids: readonly number[], signal: AbortSignal): Promise<readonly GuestProcessInfo[]>;
  /** ProcessManager.TerminateProcessInGuest; a process that ended is not an error. */
  terminateProcess(pid: number, signal: AbortSignal): Promise<void>;
  /** FileManager.MakeDirectoryInGuest; `file-already-exists` when it exists. */
  makeDirectory(path: string, options: { readonly createParentDirectories: boolean }, signal: AbortSignal): Promise<void>;
  /** FileManager.DeleteFileInGuest; `not-a-file` for a directory, `file-not-found` when missing. */
  deleteFile(path: string, signal: AbortSignal): Promise<void>;
  /** FileManager.DeleteDirectoryInGuest; `file-not-found` when missing. */
  deleteDirectory(path: string, options: { readonly recursive: boolean }, signal: AbortSignal): Promise<void>;
  /** FileManager.InitiateFileTransferToGuest: resolves with the URL to PUT the contents to. */
  initiateFileTransferToGuest(
    path: string,
    attributes: GuestFileAttributes,
    fileSize: number,
    options: { readonly overwrite: boolean },
    signal: AbortSignal,
  ): Promise<string>;
  /**
   * The HTTP PUT of a file's contents to a URL from `initiateFileTransferToGuest`:
   * `size` bytes (the Content-Length) from `chunks`, sent as they are read.
   */
  putFile(url: string, chunks: AsyncIterable<Uint8Array>, size: number, signal: AbortSignal): Promise<void>;
  /** FileManager.InitiateFileTransferFromGuest: the URL to GET the file from, and its size. */
  initiateFileTransferFromGuest(path: string, signal: AbortSignal): Promise<GuestFileTransferInformation>;
  /** The HTTP GET of a URL from `initiateFileTransferFromGuest`. */
  getFile(url: string, signal: AbortSignal): Promise<Uint8Array>;
  /** Releases the guest authentication; idempotent, never rejects. */
  close(): Promise<void>;
}
