import {
  API_VERSION, ErrorCode, PluginError,
  type DispatcherDefinition, type FactDefinition, type GuestConnector, type GuestDeployer, type OperatorDefinition, type PlatformDefinition,
  type Plugin, type PluginRegistry, type Provided, type Provider, type RuleChanges, type RulePack, type SecretResolver, type Token,
} from '@gipkit/plugin-api';

/** A registration and the plugin that made it (for messages). */
export interface Owned<T> {
  readonly owner: string;
  readonly provided: T;
}

/** What plugins registered, in registration order, each with its plugin. */
export interface Registrations {
  readonly packs: RulePack[];
  readonly changes: RuleChanges[];
  readonly operators: OperatorDefinition[];
  readonly facts: FactDefinition[];
  readonly platforms: PlatformDefinition[];
  readonly services: { readonly owner: string; readonly token: Token<unknown>; readonly provider: Provider<unknown> }[];
  readonly connectors: Owned<Provided<GuestConnector>>[];
  readonly deployers: Owned<Provided<GuestDeployer>>[];
  readonly dispatchers: Owned<DispatcherDefinition>[];
  readonly secretResolvers: Owned<Provided<SecretResolver>>[];
  readonly disposers: (() => void)[];
}

function checkPlugin(plugin: unknown, index: number): asserts plugin is Plugin {
  const record = (typeof plugin === 'object' && plugin !== null ? plugin : {}) as Record<string, unknown>;
  const name = typeof record.name === 'string' && record.name !== '' ? record.name : `#${index}`;
  if (name === `#${index}`) throw new PluginError(ErrorCode.PluginInvalid, name, 'a plugin needs a name (its npm name)');
  if (typeof record.setup !== 'function') throw new PluginError(ErrorCode.PluginInvalid, name, 'a plugin needs a setup(registry) function');
  if (record.apiVersion !== API_VERSION) {
    throw new PluginError(ErrorCode.PluginApiVersion, name, `targets plugin-api ${String(record.apiVersion)}; this gipkit provides ${API_VERSION}`);
  }
}

/** Orders plugins so that each comes after those it depends on; checks names and dependencies first. */
export function orderPlugins(plugins: readonly Plugin[]): Plugin[] {
  const byName = new Map<string, Plugin>();
  plugins.forEach((plugin, index) => {
    checkPlugin(plugin, index);
    if (byName.has(plugin.name)) throw new PluginError(ErrorCode.PluginDuplicate, plugin.name, 'is registered twice');
    byName.set(plugin.name, plugin);
  });
  const ordered: Plugin[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (plugin: Plugin, chain: readonly string[]): void => {
    if (state.get(plugin.name) === 'done') return;
    if (state.get(plugin.name) === 'visiting') {
      throw new PluginError(ErrorCode.PluginDependencyMissing, plugin.name, `depends on itself through ${[...chain, plugin.name].join(' → ')}`);
    }
    state.set(plugin.name, 'visiting');
    for (const dependency of plugin.dependsOn ?? []) {
      const required = byName.get(dependency);
      if (required === undefined) throw new PluginError(ErrorCode.PluginDependencyMissing, plugin.name, `depends on ${dependency}, which is not registered`);
      visit(required, [...chain, plugin.name]);
    }
    state.set(plugin.name, 'done');
    ordered.push(plugin);
  };
  for (const plugin of plugins) visit(plugin, []);
  return ordered;
}

/** Runs every plugin's setup against a registry that freezes afterwards. */
export function setUpPlugins(plugins: readonly Plugin[], into: Registrations): void {
  let frozen = false;
  for (const plugin of orderPlugins(plugins)) {
    const owner = plugin.name;
    const guard = (what: string): void => {
      if (frozen) throw new PluginError(ErrorCode.RegistryFrozen, plugin.name, `${what} after the engine started; register everything in setup()`);
    };
    const registry: PluginRegistry = {
      addRules: (pack) => (guard('addRules'), into.packs.push(pack)),
      changeRules: (changes) => (guard('changeRules'), into.changes.push(changes)),
      addOperator: (operator) => (guard('addOperator'), into.operators.push(operator)),
      addFact: (fact) => (guard('addFact'), into.facts.push(fact)),
      addPlatform: (platform) => (guard('addPlatform'), into.platforms.push(platform)),
      provide: (token, provider) => {
        guard('provide');
        if (typeof token !== 'object' || token === null || typeof token.key !== 'symbol') throw new PluginError(ErrorCode.PluginInvalid, owner, 'provide() needs a token made by createToken()');
        into.services.push({ owner, token, provider: checkedProvider(provider, owner, token.name) });
      },
      addConnector: (connector) => (guard('addConnector'), into.connectors.push({ owner, provided: connector })),
      addDeployer: (deployer) => (guard('addDeployer'), into.deployers.push({ owner, provided: deployer })),
      addDispatcher: (dispatcher) => {
        guard('addDispatcher');
        if (dispatcher.name === 'in-process' || into.dispatchers.some((other) => other.provided.name === dispatcher.name)) {
          throw new PluginError(ErrorCode.PluginInvalid, plugin.name, `a dispatcher named ${dispatcher.name} is already registered`);
        }
        checkedProvider(dispatcher, owner, `dispatcher ${dispatcher.name}`);
        into.dispatchers.push({ owner, provided: dispatcher });
      },
      addSecretResolver: (resolver) => (guard('addSecretResolver'), into.secretResolvers.push({ owner, provided: resolver })),
      onDispose: (dispose) => (guard('onDispose'), into.disposers.push(dispose)),
    };
    try {
      const result: unknown = plugin.setup(registry);
      if (result instanceof Promise) throw new Error('setup returned a promise; setup must be synchronous');
    } catch (error) {
      if (error instanceof PluginError) throw error;
      throw new PluginError(ErrorCode.PluginSetupFailed, plugin.name, `setup failed: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    }
  }
  frozen = true;
}

/** A provider has exactly one of useValue, useFactory, useClass. */
function checkedProvider<T extends object>(provider: T, owner: string, what: string): T {
  const kinds = ['useValue', 'useFactory', 'useClass'].filter((kind) => Object.prototype.hasOwnProperty.call(provider, kind));
  if (kinds.length !== 1) throw new PluginError(ErrorCode.PluginInvalid, owner, `the provider of ${what} needs exactly one of useValue, useFactory, useClass (found ${kinds.length === 0 ? 'none' : kinds.join(', ')})`);
  return provider;
}

/** Creates an empty set of registrations. */
export function emptyRegistrations(): Registrations {
  return { packs: [], changes: [], operators: [], facts: [], platforms: [], services: [], connectors: [], deployers: [], dispatchers: [], secretResolvers: [], disposers: [] };
}
