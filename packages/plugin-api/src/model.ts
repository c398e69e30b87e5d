/**
 * The validated input model: an inventory of the backup infrastructure and a
 * backup job. Plain, JSON-serialisable data; the JSON Schema that validates it
 * is printed by `gipkit schema`.
 */

/** A hypervisor platform. Open: plugins add their own (`'proxmox'`). */
export type Platform = 'vmware' | 'hyperv' | (string & {});
export type OsFamily = 'windows' | 'linux';
/** How a proxy reaches a guest. Open: plugins add networkless methods. */
export type ConnectionMethod = 'lan' | 'vix' | 'powershell-direct' | (string & {});
/** `network` methods need an IP path to the guest; `networkless` go through the hypervisor. */
export type ConnectionKind = 'network' | 'networkless';

export type License =
  | { readonly kind: 'universal' }
  | { readonly kind: 'socket'; readonly edition: 'standard' | 'enterprise' | 'enterprise-plus' };

export interface Network {
  readonly id: string;
  readonly site?: string;
  readonly cidrs: readonly string[];
  /** Reachable only from inside this network. */
  readonly isolated: boolean;
}

export interface Host {
  readonly id: string;
  readonly platform: Platform;
  readonly version: string;
  /** The site the host stands in: a VM of this host without a known address is in this site (fact `vm.sites`). */
  readonly site?: string;
}

export interface ServerOs {
  readonly family: OsFamily;
  readonly distro?: string;
  readonly version?: string;
}

export interface Server {
  readonly id: string;
  readonly os: ServerOs;
  readonly addresses: readonly string[];
  readonly networks: readonly string[];
  readonly roles: readonly string[];
  readonly managed: boolean;
  readonly hardened: boolean;
  readonly appliance: boolean;
  readonly packages: readonly string[];
  readonly domain?: string;
  readonly powershell?: string;
  readonly runningTasks: number;
}

export interface Guest {
  readonly family: OsFamily;
  readonly version?: string;
}

export interface Vm {
  readonly id: string;
  readonly host: string;
  readonly guest: Guest;
  readonly addresses: readonly string[];
  readonly networks: readonly string[];
  readonly tools: boolean;
  /** SSH port for Linux guests reached over the network (default 22). */
  readonly sshPort?: number;
}

export interface Inventory {
  readonly backupServer: string;
  readonly license: License;
  readonly networks: readonly Network[];
  readonly hosts: readonly Host[];
  readonly servers: readonly Server[];
  readonly vms: readonly Vm[];
}

/**
 * A reference to a secret, read when a run starts and when a connection opens;
 * never the secret itself. One key, its kind: `{ env: NAME }`, `{ file: PATH }`
 * (built in), or a kind a plugin's secret resolver declares (`{ vault: PATH }`).
 */
export type SecretSource = { readonly env: string } | { readonly file: string } | { readonly [kind: string]: string };

export type Credentials =
  | { readonly kind: 'standard'; readonly account: string; readonly secret?: SecretSource }
  | { readonly kind: 'gmsa'; readonly account: string; readonly domain?: string };

/** What a VM's failed guest processing means for the job (domain rule 13). */
export type GuestProcessingFailure = 'fail-vm' | 'continue-crash-consistent';
/** Non-persistent components are removed when the job ends; persistent agent components are installed once and kept. */
export type RuntimeComponents = 'non-persistent' | 'persistent';

export interface GuestProcessing {
  readonly applicationAware: boolean;
  readonly indexing: boolean;
  readonly transactionLogs: boolean;
}

export type ProxySelection =
  | { readonly mode: 'automatic' }
  | { readonly mode: 'preferred'; readonly servers: readonly string[]; readonly fallback: 'backup-server' | 'fail' };

export interface Job {
  readonly id: string;
  readonly vms: readonly string[];
  readonly guestProcessing: GuestProcessing;
  readonly credentials: Credentials;
  readonly vmCredentials: Readonly<Record<string, Credentials>>;
  readonly proxy: ProxySelection;
  readonly inverseProtocolOrder: boolean;
  /** Default `fail-vm` (the product's "require successful processing"). */
  readonly onGuestProcessingFailure: GuestProcessingFailure;
  /** Default `non-persistent`. */
  readonly runtimeComponents: RuntimeComponents;
}
