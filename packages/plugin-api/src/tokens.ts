import type { ComponentBundle, GuestAgent, GuestConnector, GuestDeployer, SessionOpener } from './deployment.js';
import type { Logger } from './logger.js';
import type { SecretResolver } from './secret-resolver.js';

/** A typed dependency-injection token: the key a service is provided and resolved by. */
export interface Token<T> {
  readonly key: symbol;
  readonly name: string;
  /** Carries the type only; never set. */
  readonly type?: T;
}

export function createToken<T>(name: string): Token<T> {
  return Object.freeze({ key: Symbol(name), name });
}

/** What a factory provider is given: the services of the engine (or of the run) it is built in. */
export interface Resolver {
  /** The service provided for `token` (the last provider wins); throws `GIPKIT_PLUGIN_INVALID` naming the token when there is none. */
  get<T>(token: Token<T>): T;
  /** The service, or `undefined` when nothing provides it. */
  find<T>(token: Token<T>): T | undefined;
  /** Every service provided for `token`, in registration order. */
  getAll<T>(token: Token<T>): readonly T[];
}

/** A class the container builds: every constructor parameter carries `@inject(TOKEN)`. */
export type InjectableClass<T> = new (...dependencies: never[]) => T;

/**
 * How a service is made. A value is used as it is; a factory is called once
 * with a `Resolver`; a class is constructed once by the container, each
 * constructor parameter resolved from its `@inject` token. Built when the
 * engine starts (run-scoped services: when the run starts), so that a broken
 * provider fails `createGipkit`, not a run.
 */
export type Provider<T> =
  | { readonly useValue: T }
  | { readonly useFactory: (resolver: Resolver) => T }
  | { readonly useClass: InjectableClass<T> };

/** A service an embedder provides in `createGipkit({ provide })`: it replaces the default and any plugin's. */
export type ServiceOverride<T = unknown> = Provider<T> & { readonly token: Token<T> };

/** Where `inject` records a class's constructor tokens (a registered symbol, so that two copies of this package agree). */
export const INJECT_METADATA: unique symbol = Symbol.for('gipkit.inject') as never;

/** One constructor parameter of an injectable class. */
export interface InjectedParameter {
  readonly token: Token<unknown>;
  /** `undefined` is passed when nothing provides the token. */
  readonly optional: boolean;
}

/**
 * Marks a constructor parameter: the container passes the service provided for
 * `token` (`{ optional: true }`: `undefined` when there is none). Needs
 * `experimentalDecorators`; without decorators, use a `useFactory` provider.
 */
export function inject<T>(token: Token<T>, options: { readonly optional?: boolean } = {}) {
  return (target: object, _property: string | symbol | undefined, index: number): void => {
    const own = Object.prototype.hasOwnProperty.call(target, INJECT_METADATA)
      ? (target as { [INJECT_METADATA]: InjectedParameter[] })[INJECT_METADATA]
      : [];
    own[index] = Object.freeze({ token, optional: options.optional === true });
    if (!Object.prototype.hasOwnProperty.call(target, INJECT_METADATA)) {
      Object.defineProperty(target, INJECT_METADATA, { value: own, enumerable: false });
    }
  };
}

/** Clock used for event times and durations; swap it in tests. */
export interface Clock {
  /** Milliseconds, monotonic. */
  now(): number;
  /** ISO-8601 wall time. */
  isoNow(): string;
}

// Engine services: one each, with a default provider in core; an embedder replaces any by its token.
/** Event times and durations. Default: the system clock. */
export const CLOCK = createToken<Clock>('gipkit.clock');
/** Diagnostics (not events). Default: silent, or pino when `createGipkit({ log })` asks for it. */
export const LOGGER = createToken<Logger>('gipkit.logger');
/**
 * Reads secret references. Default: `{ env }` and `{ file }`, plus the kinds
 * plugins add with `addSecretResolver`. Replacing it replaces every kind: the
 * job schema accepts the kinds it declares.
 */
export const SECRET_RESOLVER = createToken<SecretResolver>('gipkit.secret-resolver');
/** Sessions to Linux guests over the network (SSH). Provided by `@gipkit/transport-ssh`'s plugin; LAN connectors use it. */
export const SSH_OPENER = createToken<SessionOpener>('gipkit.ssh-opener');
/** Sessions to Windows guests over the network (SMB and remote execution). LAN connectors use it when provided. */
export const WINDOWS_NETWORK_OPENER = createToken<SessionOpener>('gipkit.windows-network-opener');

// Built from plugins' providers; resolve all.
/** Every guest connector, built. */
export const CONNECTOR = createToken<GuestConnector>('gipkit.connector');
/** Every guest deployer, built. */
export const DEPLOYER = createToken<GuestDeployer>('gipkit.deployer');

// Run services: in each run's own child container, never shared between runs.
/** The id of the run (as in its events). */
export const RUN_ID = createToken<string>('gipkit.run-id');
/** The bundle the run deploys (a remote dispatcher publishes it to its agents). */
export const RUN_BUNDLE = createToken<ComponentBundle>('gipkit.run-bundle');
/** Aborts when the run is cancelled. */
export const RUN_SIGNAL = createToken<AbortSignal>('gipkit.run-signal');
/** Performs a task here, with the registered connectors and deployers: what the in-process dispatcher hands work to. */
export const GUEST_AGENT = createToken<GuestAgent>('gipkit.guest-agent');
