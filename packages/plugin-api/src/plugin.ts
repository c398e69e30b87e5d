import type { DispatcherDefinition, GuestConnector, GuestDeployer } from './deployment.js';
import type { FactDefinition, OperatorDefinition, RuleChanges, RulePack } from './rules.js';

/** The plugin-api major version this package describes. */
export const API_VERSION = 1;

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
  /** A connector for one (platform, connection method); a second one for the same pair is an error. */
  addConnector(connector: GuestConnector): void;
  /** A deployer for one guest OS family; a second one for the same family is an error. */
  addDeployer(deployer: GuestDeployer): void;
  /** A dispatcher, chosen by name when a run starts (`in-process` is built in). */
  addDispatcher(dispatcher: DispatcherDefinition): void;
  /** Runs when the engine is disposed, in reverse order of registration. */
  onDispose(dispose: () => void): void;
}

/** Everything registered through a `PluginRegistry`, in registration order (what the engine keeps, what the testkit records). */
export interface PluginRegistrations {
  readonly packs: RulePack[];
  readonly changes: RuleChanges[];
  readonly operators: OperatorDefinition[];
  readonly facts: FactDefinition[];
  readonly platforms: PlatformDefinition[];
  readonly connectors: GuestConnector[];
  readonly deployers: GuestDeployer[];
  readonly dispatchers: DispatcherDefinition[];
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
