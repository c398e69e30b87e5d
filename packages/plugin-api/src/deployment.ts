import type { ConnectionMethod, OsFamily, Platform } from './model.js';

/**
 * Deployment contracts (issue #3, in progress): what the orchestrator will
 * call to reach a guest through its proxy and deploy runtime components.
 * The rules each implementation must follow are in docs/reference/deployment-contracts.md.
 */

/** Every call on a session takes a deadline and a cancellation signal. */
export interface CallOptions {
  /** Milliseconds; the call MUST settle (resolve or reject) within it. */
  readonly timeoutMs: number;
  readonly signal: AbortSignal;
}

export interface CommandResult {
  readonly exitCode: number;
  /** Output with secrets removed; MAY be truncated by the connector (say so in `truncated`). */
  readonly stdout: string;
  readonly stderr: string;
  readonly truncated: boolean;
}

/** A reference to a secret, never the secret itself: read when a connection opens. */
export type SecretReference = { readonly env: string } | { readonly file: string };

/** An open connection from a proxy to one guest. */
export interface GuestSession {
  readonly vm: string;
  readonly proxy: string;
  readonly method: ConnectionMethod;
  run(command: readonly string[], options: CallOptions): Promise<CommandResult>;
  upload(contents: Uint8Array, remotePath: string, options: CallOptions): Promise<void>;
  remove(remotePath: string, options: CallOptions): Promise<void>;
  close(): Promise<void>;
}

export interface ConnectRequest {
  readonly vm: string;
  readonly proxy: string;
  /** Addresses the guest reported, in inventory order. */
  readonly addresses: readonly string[];
  readonly host: string;
  readonly guestFamily: OsFamily;
  readonly account: string;
  readonly secret?: SecretReference;
  /** SSH port for Linux guests over LAN; the connector's default when absent. */
  readonly port?: number;
}

/** One per (platform, connection method): VMware `lan` and `vix`, Hyper-V `lan` and `powershell-direct`. */
export interface GuestConnector {
  readonly platform: Platform;
  readonly method: ConnectionMethod;
  connect(request: ConnectRequest, options: CallOptions): Promise<GuestSession>;
}

export interface BundleFile {
  /** Relative to the bundle's folder on the guest. */
  readonly path: string;
  readonly contents: Uint8Array;
  readonly executable?: boolean;
}

/** What the embedding product deploys into guests. gipkit ships no vendor binaries. */
export interface ComponentBundle {
  readonly name: string;
  readonly version: string;
  readonly files: readonly BundleFile[];
  /** Per guest OS family: the command that starts the component (relative to its folder). */
  readonly start: Readonly<Partial<Record<OsFamily, readonly string[]>>>;
  /** Per guest OS family: a command that exits 0 when the component is healthy. */
  readonly health: Readonly<Partial<Record<OsFamily, readonly string[]>>>;
}

export type DeploymentMode = 'non-persistent' | 'persistent';

export interface DeploymentResult {
  readonly mode: DeploymentMode;
  /** Where the components live on the guest. */
  readonly location: string;
  /** Persistent: the same version was already installed and is reused. */
  readonly reused: boolean;
}

/** One per guest OS family (`linux`, `windows`). */
export interface GuestDeployer {
  readonly family: OsFamily;
  deploy(session: GuestSession, bundle: ComponentBundle, mode: DeploymentMode, options: CallOptions): Promise<DeploymentResult>;
  /** Removes a non-persistent deployment; never called for persistent ones. */
  remove(session: GuestSession, deployment: DeploymentResult, options: CallOptions): Promise<void>;
}

/** Work for one VM, serialisable so that a later dispatcher can send it to a remote agent. */
export interface GuestWork {
  readonly runId: string;
  readonly vm: string;
  readonly proxy: string;
  readonly methods: readonly ConnectionMethod[];
  readonly mode: DeploymentMode;
  readonly bundle: { readonly name: string; readonly version: string };
}

/** Hands a VM's work to the agent on its proxy. */
export interface Dispatcher {
  dispatch(work: GuestWork, options: CallOptions): Promise<void>;
}
