import { reasonIn, TransportError } from '@gipkit/connector-kit';
import type { SecretReference } from '@gipkit/plugin-api';

/**
 * Why a PowerShell Direct operation failed, with the `ConnectorError` code
 * the connector maps it to.
 */
export const PowerShellDirectFailure = {
  /** No VM of that name or id on this Hyper-V host (Get-VM finds none). → GIPKIT_CONNECTOR_REFUSED */
  VmNotFound: 'vm-not-found',
  /** The VM is not running. → GIPKIT_CONNECTOR_REFUSED */
  VmNotRunning: 'vm-not-running',
  /** The guest does not answer PowerShell Direct (not Windows 10 / Server 2016 or later, or its service is off). → GIPKIT_CONNECTOR_REFUSED */
  GuestUnavailable: 'guest-unavailable',
  /** "The credential is invalid": wrong guest account or password. → GIPKIT_CONNECTOR_AUTH */
  InvalidCredential: 'invalid-credential',
  /** The host account is not a Hyper-V administrator, or the guest account not a guest administrator. → GIPKIT_CONNECTOR_AUTH */
  AccessDenied: 'access-denied',
  /** The session broke mid-way (PSRemotingTransportException, the guest restarted). → GIPKIT_CONNECTOR_DROPPED */
  SessionBroken: 'session-broken',
  /** The secret reference cannot be read. → GIPKIT_CONNECTOR_SECRET */
  SecretUnavailable: 'secret-unavailable',
} as const;
export type PowerShellDirectFailure = (typeof PowerShellDirectFailure)[keyof typeof PowerShellDirectFailure];

/** What a `PowerShellDirectTransport` rejects with. Its message MUST NOT hold the secret; any other error counts as GIPKIT_CONNECTOR_FAILED. */
export class PowerShellDirectError extends TransportError<PowerShellDirectFailure> {
  constructor(reason: PowerShellDirectFailure, message: string, options: { readonly cause?: unknown } = {}) {
    super(reason, message, options);
    this.name = 'PowerShellDirectError';
  }
}

/** The reason of a `PowerShellDirectError` (or of any error with a matching `reason`), else undefined. */
export function powerShellDirectFailureOf(error: unknown): PowerShellDirectFailure | undefined {
  return reasonIn(PowerShellDirectFailure, error);
}

/** Which VM, on which Hyper-V host, as which guest account. */
export interface PowerShellDirectTarget {
  /** The VM as the inventory names it: the transport passes it as `-VMName` (or maps it to `-VMId`). */
  readonly vm: string;
  /** The Hyper-V host running the VM: PowerShell Direct works only from there. */
  readonly host: string;
  /** Guest account for `-Credential`. */
  readonly account: string;
  /** Read by the transport when it opens the session, never before; never logged, never in an error. */
  readonly secret?: SecretReference;
}

/** What `Invoke-Command` returns. */
export interface PowerShellInvocationResult {
  /** The success stream, each object as text. */
  readonly output: readonly string[];
  /** The error stream, each record's message; a terminating error of the script is the last one. */
  readonly errors: readonly string[];
  /** `$LASTEXITCODE` in the session after the script; null when unset. */
  readonly lastExitCode: number | null;
}

/**
 * PowerShell Direct: PowerShell remoting from the Hyper-V host into a Windows
 * guest over the VM bus, with no network between them. Modelled on
 * `New-PSSession -VMName | -VMId -Credential`. Implementations run on the
 * Hyper-V host (a PowerShell runspace, or `powershell.exe` driven over a
 * pipe); gipkit ships none, and a simulated one in
 * `@gipkit/hypervisor-hyperv/testing`.
 */
export interface PowerShellDirectTransport {
  /**
   * `New-PSSession -VMName <vm> -Credential <account, secret read now>`.
   * Rejects with a `PowerShellDirectError`; on abort of `signal`, rejects and
   * leaves nothing open.
   */
  openSession(target: PowerShellDirectTarget, signal: AbortSignal): Promise<PowerShellDirectSession>;
}

/**
 * One PSSession into one guest. Methods reject with a `PowerShellDirectError`
 * when the session fails (not for errors of the script, which come back in
 * `errors`), and reject when their `signal` aborts (stopping the pipeline).
 */
export interface PowerShellDirectSession {
  /** `Invoke-Command -Session $s -ScriptBlock ([scriptblock]::Create($script))`, then `$LASTEXITCODE`. */
  invoke(script: string, signal: AbortSignal): Promise<PowerShellInvocationResult>;
  /**
   * `Copy-Item -ToSession $s -Destination <destination>` of `size` bytes read
   * from `chunks` as they are sent; the destination's folder exists.
   */
  copyToSession(chunks: AsyncIterable<Uint8Array>, size: number, destination: string, signal: AbortSignal): Promise<void>;
  /** `Remove-PSSession`; idempotent, never rejects. */
  close(): Promise<void>;
}
