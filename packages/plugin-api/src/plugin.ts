import type { DispatcherDefinition, GuestConnector, GuestDeployer } from './deployment.js';
import type { FactDefinition, OperatorDefinition, RuleChanges, RulePack } from './rules.js';
import type { SecretResolver } from './secret-resolver.js';
import type { Provider, Token } from './tokens.js';

/** The plugin-api major version this package describes. */
export const API_VERSION = 1;

/** A connector, deployer or secret resolver as registered: made already, or a provider the engine's container builds. */
export type Provided<T> = T | Provider<T>;

/**
 * What a plugin may register. Every method MUST be called during `setup` only:
 * the registry freezes when the engine starts, and a late call throws
 * `GIPKIT_PLUGIN_REGISTRY_FROZEN`.
 */
export interface PluginRegistry {
  /** Adds rules; a name already taken by another pack is an error (use `changeRules`). */
  addRules(pack: RulePack): void;
  /** Replaces or disables rules of packs added before, by name. */
  changeRules(changes: RuleChanges): void;
  addOperator(operator: OperatorDefinition): void;
  addFact(fact: FactDefinition): void;
  /** Declares a hypervisor platform, so inventories may name it in `hosts[].platform`. */
  addPlatform(platform: PlatformDefinition): void;
  /**
   * Provides a service by its token (`SSH_OPENER`, `CLOCK`, a plugin's own
   * token): the last provider wins, and the embedder's `createGipkit({ provide })`
   * wins over every plugin.
   */
  provide<T>(token: Token<T>, provider: Provider<T>): void;
  /** A connector for one (platform, connection method); a second one for the same pair is an error. */
  addConnector(connector: Provided<GuestConnector>): void;
  /** A deployer for one guest OS family; a second one for the same family is an error. */
  addDeployer(deployer: Provided<GuestDeployer>): void;
  /** A dispatcher, chosen by name when a run starts (`in-process` is built in). */
  addDispatcher(dispatcher: DispatcherDefinition): void;
  /** Reads secret references of more kinds (`{ vault: PATH }`): jobs may then use them. A kind read twice is an error. */
  addSecretResolver(resolver: Provided<SecretResolver>): void;
  /** Runs when the engine is disposed, in reverse order of registration. */
  onDispose(dispose: () => void): void;
}

/** A service a plugin provided. */
export interface ProvidedService {
  readonly token: Token<unknown>;
  readonly provider: Provider<unknown>;
}

/** Everything registered through a `PluginRegistry`, in registration order (what the engine keeps, what the testkit records). */
export interface PluginRegistrations {
  readonly packs: RulePack[];
  readonly changes: RuleChanges[];
  readonly operators: OperatorDefinition[];
  readonly facts: FactDefinition[];
  readonly platforms: PlatformDefinition[];
  readonly services: ProvidedService[];
  readonly connectors: Provided<GuestConnector>[];
  readonly deployers: Provided<GuestDeployer>[];
  readonly dispatchers: DispatcherDefinition[];
  readonly secretResolvers: Provided<SecretResolver>[];
  readonly disposers: (() => void)[];
}

export interface PlatformDefinition {
  /** As written in inventories: `proxmox`. */
  readonly name: string;
  readonly description: string;
}

export interface Plugin {
  /** Its npm name; unique in one engine. */
  readonly name: string;
  /** The plugin-api major it targets. */
  readonly apiVersion: typeof API_VERSION;
  /** Names of plugins that must be set up before this one. */
  readonly dependsOn?: readonly string[];
  /** Synchronous, no I/O. */
  setup(registry: PluginRegistry): void;
}

/** Whether a registration is a provider (rather than the thing itself). */
export function isProvider<T>(registered: Provided<T>): registered is Provider<T> {
  if (typeof registered !== 'object' || registered === null) return false;
  return Object.prototype.hasOwnProperty.call(registered, 'useValue')
    || Object.prototype.hasOwnProperty.call(registered, 'useFactory')
    || Object.prototype.hasOwnProperty.call(registered, 'useClass');
}
