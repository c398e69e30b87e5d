import {
  builtInSecretResolver, CLOCK, ErrorCode, GipkitError, INJECT_METADATA, isProvider, LOGGER, SECRET_RESOLVER, silentLogger,
  type GuestConnector, type GuestDeployer, type InjectedParameter, type Plugin, type PluginRegistrations, type Provided, type Provider,
  type Resolver, type SecretResolver, type ServiceOverride, type Token,
} from '@gipkit/plugin-api';

/** Everything a plugin's `setup` registered, in order, as registered (providers unbuilt). */
export type Registrations = PluginRegistrations;

/** What a plugin registered, with its connectors, deployers and secret resolvers built. */
export interface BuiltRegistrations extends Omit<PluginRegistrations, 'connectors' | 'deployers' | 'secretResolvers'> {
  readonly connectors: GuestConnector[];
  readonly deployers: GuestDeployer[];
  readonly secretResolvers: SecretResolver[];
  /** The services, as the plugin's providers (and `options.provide`) build them. */
  readonly resolver: Resolver;
}

export interface RecordRegistrationsOptions {
  /** Services the plugin's providers may need (a fake `SSH_OPENER`), replacing the plugin's own, as `createGipkit({ provide })` does. */
  readonly provide?: readonly ServiceOverride[];
}

/**
 * Runs a plugin's `setup` against a recording registry: for unit tests of
 * what a plugin registers. Providers are built as the engine builds them
 * (a class with its `@inject` parameters, a factory with a resolver), against
 * the plugin's own services, `options.provide`, and quiet defaults for
 * `CLOCK`, `LOGGER` and `SECRET_RESOLVER`. Core's container is the reference;
 * this is a small stand-in that needs no engine.
 */
export function recordRegistrations(plugin: Plugin, options: RecordRegistrationsOptions = {}): BuiltRegistrations {
  const recorded: Registrations = {
    packs: [], changes: [], operators: [], facts: [], platforms: [], services: [], connectors: [], deployers: [], dispatchers: [], secretResolvers: [], disposers: [],
  };
  plugin.setup({
    addRules: (pack) => void recorded.packs.push(pack),
    changeRules: (changes) => void recorded.changes.push(changes),
    addOperator: (operator) => void recorded.operators.push(operator),
    addFact: (fact) => void recorded.facts.push(fact),
    addPlatform: (platform) => void recorded.platforms.push(platform),
    provide: (token, provider) => void recorded.services.push({ token, provider }),
    addConnector: (connector) => void recorded.connectors.push(connector),
    addDeployer: (deployer) => void recorded.deployers.push(deployer),
    addDispatcher: (dispatcher) => void recorded.dispatchers.push(dispatcher),
    addSecretResolver: (resolver) => void recorded.secretResolvers.push(resolver),
    onDispose: (dispose) => void recorded.disposers.push(dispose),
  });
  const resolver = new RecordingResolver([
    { token: CLOCK, provider: { useValue: { now: () => performance.now(), isoNow: () => new Date().toISOString() } } },
    { token: LOGGER, provider: { useValue: silentLogger } },
    { token: SECRET_RESOLVER, provider: { useValue: builtInSecretResolver } },
    ...recorded.services,
    ...(options.provide ?? []).map((override) => ({ token: override.token, provider: override })),
  ]);
  return {
    ...recorded,
    connectors: recorded.connectors.map((connector) => resolver.build(connector)),
    deployers: recorded.deployers.map((deployer) => resolver.build(deployer)),
    secretResolvers: recorded.secretResolvers.map((secretResolver) => resolver.build(secretResolver)),
    resolver,
  };
}

class RecordingResolver implements Resolver {
  readonly #providers = new Map<symbol, Provider<unknown>[]>();
  readonly #built = new Map<Provider<unknown>, unknown>();

  constructor(services: readonly { readonly token: Token<unknown>; readonly provider: Provider<unknown> }[]) {
    for (const { token, provider } of services) this.#providers.set(token.key, [...(this.#providers.get(token.key) ?? []), provider]);
  }

  get<T>(token: Token<T>): T {
    const provider = this.#providers.get(token.key)?.at(-1);
    if (provider === undefined) throw new GipkitError(ErrorCode.ServiceMissing, `nothing provides ${token.name}`);
    return this.build(provider as Provider<T>);
  }

  find<T>(token: Token<T>): T | undefined {
    return this.#providers.has(token.key) ? this.get(token) : undefined;
  }

  getAll<T>(token: Token<T>): readonly T[] {
    return (this.#providers.get(token.key) ?? []).map((provider) => this.build(provider as Provider<T>));
  }

  build<T>(provided: Provided<T>): T {
    if (!isProvider(provided)) return provided;
    if ('useValue' in provided) return provided.useValue;
    if (this.#built.has(provided)) return this.#built.get(provided) as T;
    let value: T;
    if ('useFactory' in provided) value = provided.useFactory(this);
    else {
      const target = provided.useClass;
      const parameters: readonly (InjectedParameter | undefined)[] = Object.prototype.hasOwnProperty.call(target, INJECT_METADATA)
        ? (target as unknown as { readonly [INJECT_METADATA]: readonly (InjectedParameter | undefined)[] })[INJECT_METADATA]
        : [];
      const values = Array.from({ length: Math.max(target.length, parameters.length) }, (_, index) => {
        const parameter = parameters[index];
        if (parameter === undefined) throw new GipkitError(ErrorCode.PluginInvalid, `${target.name}: constructor parameter ${index + 1} has no @inject(TOKEN)`);
        return parameter.optional ? this.find(parameter.token) : this.get(parameter.token);
      });
      value = new (target as unknown as new (...args: unknown[]) => T)(...values);
    }
    this.#built.set(provided, value);
    return value;
  }
}
