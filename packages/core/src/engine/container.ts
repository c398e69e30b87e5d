import './reflect-polyfill.js';
import { container as rootContainer, inject as tsyringeInject, injectable, type DependencyContainer } from 'tsyringe';
import {
  ErrorCode, GipkitError, INJECT_METADATA, PluginError,
  type InjectableClass, type InjectedParameter, type Provider, type Resolver, type Token,
} from '@gipkit/plugin-api';

/** Who registered a provider, for messages: a plugin's name, `createGipkit({ provide })`, or `gipkit` for defaults. */
export type Owner = string;

/**
 * The engine's services, on a tsyringe child container (never the global
 * one): providers are registered with their owner, and built by the container
 * (classes constructed with their `@inject` parameters resolved, factories
 * called with a `Resolver`), each once per container that registered it. A
 * run gets `child()`: what the run provides there is never seen by another run.
 */
export class ServiceContainer implements Resolver {
  readonly #container: DependencyContainer;

  private constructor(container: DependencyContainer) {
    this.#container = container;
  }

  /** A fresh container for one engine. */
  static forEngine(): ServiceContainer {
    return new ServiceContainer(rootContainer.createChildContainer());
  }

  /** A container for one run: it sees the engine's services, and its own are its alone. */
  child(): ServiceContainer {
    return new ServiceContainer(this.#container.createChildContainer());
  }

  /**
   * Registers a provider for `token`: resolving the token gives the last
   * provider registered, `getAll` every one. A class is checked here (every
   * constructor parameter needs `@inject`); it is built on first resolution.
   */
  provide<T>(token: Token<T>, provider: Provider<T>, owner: Owner): void {
    if ('useValue' in provider) {
      this.#container.register<T>(token.key, { useValue: provider.useValue });
      return;
    }
    let build: (container: DependencyContainer) => T;
    if ('useFactory' in provider) {
      const factory = provider.useFactory;
      if (typeof factory !== 'function') throw new PluginError(ErrorCode.PluginInvalid, owner, `the provider of ${token.name} has a useFactory that is not a function`);
      build = (container) => factory(new ServiceContainer(container));
    } else if ('useClass' in provider) {
      const target = provider.useClass;
      if (typeof target !== 'function') throw new PluginError(ErrorCode.PluginInvalid, owner, `the provider of ${token.name} has a useClass that is not a class`);
      declareInjectable(target, owner, token);
      build = (container) => {
        const missing = missingDependencies(target, new ServiceContainer(container));
        if (missing.length > 0) {
          throw new PluginError(ErrorCode.PluginInvalid, owner, `${target.name || 'the class'} provided for ${token.name} needs ${missing.map((needed) => needed.name).join(', ')}, which nothing provides`);
        }
        // tsyringe constructs it, each parameter resolved from its token.
        return container.resolve<T>(target as unknown as new (...args: unknown[]) => T);
      };
    } else {
      throw new PluginError(ErrorCode.PluginInvalid, owner, `the provider of ${token.name} needs useValue, useFactory or useClass`);
    }
    let built: { readonly value: T } | undefined;
    // Built once, by the container that resolves it first: engine services when the engine starts, run services when the run starts.
    this.#container.register<T>(token.key, {
      useFactory: (container) => {
        if (built === undefined) built = { value: buildWith(owner, token, () => build(container)) };
        return built.value;
      },
    });
  }

  get<T>(token: Token<T>): T {
    if (!this.has(token)) {
      throw new GipkitError(ErrorCode.ServiceMissing, `nothing provides ${token.name}: register a plugin that provides it, or give it in createGipkit({ provide })`);
    }
    return this.#resolve(() => this.#container.resolve<T>(token.key), token);
  }

  find<T>(token: Token<T>): T | undefined {
    return this.has(token) ? this.get(token) : undefined;
  }

  getAll<T>(token: Token<T>): readonly T[] {
    return this.has(token) ? this.#resolve(() => this.#container.resolveAll<T>(token.key), token) : [];
  }

  has(token: Token<unknown>): boolean {
    return this.#container.isRegistered(token.key, true);
  }

  /** Resolves, turning tsyringe's construction errors (a class that threw) into a PluginError naming the token. */
  #resolve<T>(resolve: () => T, token: Token<unknown>): T {
    try {
      return resolve();
    } catch (error) {
      if (error instanceof PluginError) throw error;
      throw new PluginError(ErrorCode.PluginSetupFailed, token.name, `building ${token.name} failed: ${innermostMessage(error)}`, { cause: error });
    }
  }
}

function buildWith<T>(owner: Owner, token: Token<unknown>, build: () => T): T {
  try {
    return build();
  } catch (error) {
    if (error instanceof PluginError) throw error;
    throw new PluginError(ErrorCode.PluginSetupFailed, owner, `building ${token.name} failed: ${innermostMessage(error)}`, { cause: error });
  }
}

/** tsyringe wraps a constructor's error in "Cannot inject the dependency … ": the user wants the original. */
function innermostMessage(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const reason = /Reason: ([\s\S]*)$/.exec(message)?.[1];
  return reason === undefined ? message : innermostMessage(new Error(reason));
}

const declared = new WeakSet<object>();

/**
 * Hands a class's `@inject` tokens (plugin-api's decorator) to tsyringe, so that
 * the container constructs it. Every constructor parameter needs one: a
 * parameter tsyringe would fill by its runtime type (a class) is refused.
 */
function declareInjectable(target: InjectableClass<unknown>, owner: Owner, token: Token<unknown>): void {
  if (declared.has(target)) return;
  const parameters: readonly (InjectedParameter | undefined)[] = Object.prototype.hasOwnProperty.call(target, INJECT_METADATA)
    ? (target as unknown as { readonly [INJECT_METADATA]: readonly (InjectedParameter | undefined)[] })[INJECT_METADATA]
    : [];
  const count = Math.max(target.length, parameters.length);
  const missing: number[] = [];
  for (let index = 0; index < count; index++) if (parameters[index] === undefined) missing.push(index + 1);
  if (missing.length > 0) {
    throw new PluginError(
      ErrorCode.PluginInvalid, owner,
      `${target.name || 'the class'} provided for ${token.name}: constructor parameter ${missing.join(', ')} has no @inject(TOKEN)`,
    );
  }
  parameters.forEach((parameter, index) => {
    if (parameter !== undefined) tsyringeInject(parameter.token.key, { isOptional: parameter.optional })(target, undefined, index);
  });
  injectable()(target as unknown as new (...args: unknown[]) => unknown);
  declared.add(target);
}

/** The tokens a class needs that nothing provides (optional ones aside): checked before it is built. */
export function missingDependencies(target: InjectableClass<unknown>, services: ServiceContainer): Token<unknown>[] {
  const parameters: readonly (InjectedParameter | undefined)[] = Object.prototype.hasOwnProperty.call(target, INJECT_METADATA)
    ? (target as unknown as { readonly [INJECT_METADATA]: readonly (InjectedParameter | undefined)[] })[INJECT_METADATA]
    : [];
  return parameters.flatMap((parameter) => (parameter === undefined || parameter.optional || services.has(parameter.token) ? [] : [parameter.token]));
}
