import type { ConnectionMethod, OsFamily, Platform, SecretSource } from './model.js';
import type { Provider } from './tokens.js';

/**
 * Deployment contracts: what the orchestrator calls to reach a guest through
 * its proxy and deploy runtime components. The numbered rules every
 * implementation follows are in docs/reference/deployment-contracts.md; the
 * conformance suites of `@gipkit/testkit` check them.
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

/**
 * File contents a session uploads: bytes in memory, or a stream read in chunks
 * (bundle files are streamed to the guest, never held whole in memory).
 */
export type UploadContents = Uint8Array | UploadStream;

/** Contents read in chunks from their source (a bundle file on the product's machine). */
export interface UploadStream {
  /** Bytes the stream yields in all. */
  readonly size: number;
  /**
   * A fresh read from the start on every call, chunks in order. It MUST throw
   * when the source no longer holds what was checked (changed size, replaced file).
   */
  open(signal: AbortSignal): AsyncIterable<Uint8Array>;
}

/** A reference to a secret, never the secret itself: read when a connection opens. */
export type SecretReference = SecretSource;

/** An open connection from a proxy to one guest. */
export interface GuestSession {
  readonly vm: string;
  readonly proxy: string;
  readonly method: ConnectionMethod;
  /** Runs a program with arguments (never through a shell unless `command[0]` is one). */
  run(command: readonly string[], options: CallOptions): Promise<CommandResult>;
  /** Writes a file, creating missing parent folders; `mode` is a POSIX permission (Linux guests). */
  upload(contents: UploadContents, remotePath: string, options: CallOptions & { readonly mode?: number }): Promise<void>;
  /** Removes a file or a folder with everything in it; a missing path is not an error. */
  remove(remotePath: string, options: CallOptions): Promise<void>;
  close(): Promise<void>;
}

/** Something a connector tells the run while connecting; becomes an event. */
export type ConnectorNotice = {
  readonly kind: 'host-key-trusted';
  /** `address:port` as connected to. */
  readonly endpoint: string;
  readonly algorithm: string;
  /** `SHA256:` followed by the base64 digest, as OpenSSH prints it. */
  readonly fingerprint: string;
  /** Where it was recorded, when it was. */
  readonly knownHostsFile?: string;
};

/** Which guest to reach, from which server, as whom. Serialisable; holds no secret. */
export interface GuestTarget {
  readonly vm: string;
  readonly host: string;
  readonly platform: Platform;
  readonly family: OsFamily;
  /** Addresses the guest reported, in inventory order. */
  readonly addresses: readonly string[];
  readonly account: string;
  readonly secret?: SecretReference;
  /** SSH port for Linux guests over LAN; the connector's default (22) when absent. */
  readonly sshPort?: number;
}

export interface ConnectRequest extends GuestTarget {
  /** The server the connection starts from (the proxy, or the backup server after a failover). */
  readonly proxy: string;
  /** Reports notices such as a host key trusted on first use. */
  readonly notify?: (notice: ConnectorNotice) => void;
}

/**
 * Opens sessions over one transport (SSH, the Windows network, a hypervisor's
 * guest channel). A LAN connector routes to one per guest OS family; the
 * session it returns reports `method`.
 */
export interface SessionOpener {
  open(request: ConnectRequest, method: ConnectionMethod, options: CallOptions): Promise<GuestSession>;
}

/** One per (platform, connection method): VMware `lan` and `vix`, Hyper-V `lan` and `powershell-direct`. */
export interface GuestConnector {
  readonly platform: Platform;
  readonly method: ConnectionMethod;
  /**
   * The guest OS families it can reach, as configured (a LAN connector given
   * only an SSH opener reaches `linux`). Absent: every family. A run refuses to
   * start for VMs that no registered connector can reach by their planned methods.
   */
  readonly families?: readonly OsFamily[];
  connect(request: ConnectRequest, options: CallOptions): Promise<GuestSession>;
}

export interface BundleFile {
  /** Relative to the bundle's folder on the guest, `/`-separated. */
  readonly path: string;
  readonly contents: UploadContents;
  readonly executable?: boolean;
  /** Deployed only into guests of this family (absent: every guest). */
  readonly family?: OsFamily;
}

/** What the embedding product deploys into guests. gipkit ships no vendor binaries. */
export interface ComponentBundle {
  /** `[a-z0-9][a-z0-9-]*`: used in folder and service names. */
  readonly name: string;
  readonly version: string;
  readonly files: readonly BundleFile[];
  /** Per guest OS family: the program and arguments that start the component, run from its folder. */
  readonly start: Readonly<Partial<Record<OsFamily, readonly string[]>>>;
  /** Per guest OS family: a command, run from its folder, that exits 0 when the component is healthy. */
  readonly health: Readonly<Partial<Record<OsFamily, readonly string[]>>>;
}

export type DeploymentMode = 'non-persistent' | 'persistent';

/** Steps a deployment reports, in order; `install` only for persistent deployments. */
export type DeploymentStep = 'connect' | 'upload' | 'install' | 'start' | 'health';
export const DEPLOYMENT_STEPS = ['connect', 'upload', 'install', 'start', 'health'] as const satisfies readonly DeploymentStep[];

/** Per-step timeouts in milliseconds. */
export interface StepTimeouts {
  readonly connect: number;
  readonly upload: number;
  readonly install: number;
  readonly start: number;
  readonly health: number;
  readonly remove: number;
}

export interface DeploymentResult {
  readonly mode: DeploymentMode;
  /** Where the components live on the guest. */
  readonly location: string;
  readonly version: string;
  /** Persistent: the same version was already installed and is reused. */
  readonly reused: boolean;
  /**
   * Non-persistent components of this bundle that gipkit left on the guest in
   * earlier runs that are no longer running (a crash), found and removed by
   * this deployment. Absent: none.
   */
  readonly stale?: number;
}

/** What a deployer gets besides the session: the run, its cancellation, its timeouts, and where to report steps. */
export interface DeployContext {
  readonly runId: string;
  /**
   * The location `locate` gave for this task, before the first attempt: `deploy`
   * MUST use it when given (a reconnect deploys into the same folder; cleanup
   * removes it). Absent: the deployer calls `locate` itself.
   */
  readonly location?: string;
  readonly signal: AbortSignal;
  readonly timeouts: StepTimeouts;
  /** Called as each step begins. */
  step(step: Exclude<DeploymentStep, 'connect'>): void;
}

/** One per guest OS family (`linux`, `windows`). */
export interface GuestDeployer {
  readonly family: OsFamily;
  /**
   * Where a deployment of this bundle lives, known before deploying so that a
   * partial deployment (a drop mid-upload) can still be removed. Non-persistent:
   * a new location on every call that no one can predict (the caller passes the
   * one it got to `deploy` in `context.location`); persistent: one per bundle.
   */
  locate(bundle: ComponentBundle, mode: DeploymentMode, runId: string): string;
  deploy(session: GuestSession, bundle: ComponentBundle, mode: DeploymentMode, context: DeployContext): Promise<DeploymentResult>;
  /** Stops and removes a non-persistent deployment, whole or partial; never called for persistent ones. */
  remove(session: GuestSession, location: string, context: DeployContext): Promise<void>;
}

/** An error as it travels in events and task outcomes: a stable code and a message without secrets. */
export interface ErrorSummary {
  readonly code: string;
  readonly message: string;
}

/** A failed connection attempt: which server, which method, why. */
export interface ConnectionFailure {
  readonly server: string;
  readonly method: ConnectionMethod;
  readonly cause: ErrorSummary;
}

/** Work for one VM on one server. JSON-serialisable and free of secrets, so that a remote agent can receive it. */
export type GuestTask =
  | {
      readonly kind: 'deploy';
      readonly runId: string;
      readonly server: string;
      readonly target: GuestTarget;
      /** In the order to try. */
      readonly methods: readonly ConnectionMethod[];
      readonly mode: DeploymentMode;
      readonly bundle: { readonly name: string; readonly version: string };
      readonly timeouts: StepTimeouts;
      /** The backup server's attempt after the proxy could not connect: queued ahead of the server's waiting work. */
      readonly failedOver?: boolean;
      /**
       * Non-persistent: deploy into this folder (the agent's `locate` gave it before the first attempt), not a new one:
       * another agent taking over a task whose agent died deploys where that one began. Absent: a new location.
       */
      readonly location?: string;
    }
  | {
      readonly kind: 'remove';
      readonly runId: string;
      readonly server: string;
      readonly target: GuestTarget;
      readonly methods: readonly ConnectionMethod[];
      readonly location: string;
      readonly timeouts: StepTimeouts;
    };

/** Which agent did the work: set by a remote dispatcher (events carry it); absent in process. */
export interface DoneBy {
  readonly agent?: string;
}

/** Progress an agent reports while it works on a task. Serialisable. */
export type TaskReport = DoneBy & (
  | { readonly kind: 'step'; readonly method: ConnectionMethod; readonly step: DeploymentStep }
  | { readonly kind: 'connection-failed'; readonly failure: ConnectionFailure }
  | { readonly kind: 'reconnecting'; readonly method: ConnectionMethod; readonly cause: ErrorSummary }
  | { readonly kind: 'notice'; readonly notice: ConnectorNotice }
);

/** How a task ended. Serialisable. An agent never rejects for a guest's failure; it says so here. */
export type TaskOutcome = DoneBy & (
  | { readonly status: 'succeeded'; readonly method: ConnectionMethod; readonly deployment?: DeploymentResult }
  /**
   * No method connected: the orchestrator fails over. `location`: a partial deployment the attempt still left (its
   * remote agent stopped mid-task), removed at job end by the server, or by the backup server when that one cannot.
   */
  | { readonly status: 'unreachable'; readonly failures: readonly ConnectionFailure[]; readonly location?: string }
  /** Connected, then failed (a step, or a drop after its one reconnect). `location`: a partial deployment to remove. */
  | {
      readonly status: 'failed';
      readonly method: ConnectionMethod;
      readonly step: DeploymentStep | 'remove';
      readonly cause: ErrorSummary;
      readonly location?: string;
    }
);

export interface DispatchOptions {
  readonly signal: AbortSignal;
  readonly report: (report: TaskReport) => void;
}

/** Hands a VM's work to the agent on its server. */
export interface Dispatcher {
  dispatch(task: GuestTask, options: DispatchOptions): Promise<TaskOutcome>;
  /**
   * Who limits the tasks at once on one server: `orchestrator` (default) runs
   * at most the run's `concurrency.perServer` per server; `agents`: the
   * agents' own concurrency does (remote agents), and the run limits only
   * the total.
   */
  readonly serverLimits?: 'orchestrator' | 'agents';
  /** Called once before the run's first task (connect, publish the bundle); a rejection ends the run before any work. */
  open?(): Promise<void>;
  /** Called once after the run's cleanup, also after a failure (of `open` too): release what `open` took. */
  close?(): Promise<void>;
}

/** What the in-process agent offers a dispatcher: it runs a task here, with the registered connectors and deployers. */
export interface GuestAgent {
  perform(task: GuestTask, options: DispatchOptions): Promise<TaskOutcome>;
  /**
   * Where a deploy task's non-persistent deployment will live, before it starts (undefined: persistent, or no deployer
   * for the guest): a remote agent tells its coordinator, then performs the task with that `location`, so that a
   * partial deployment can still be removed if the agent dies.
   */
  locate?(task: GuestTask): string | undefined;
}

/**
 * A dispatcher plugins register, chosen by name when a run starts. It is built
 * in the run's own container, once per run: a class or factory may depend on
 * `RUN_ID`, `RUN_SIGNAL`, `GUEST_AGENT` (the in-process agent; a remote
 * dispatcher may ignore it), `LOGGER` (bound to the run) and every engine service.
 */
export type DispatcherDefinition = { readonly name: string } & Provider<Dispatcher>;
