import type { DispatcherDefinition, GuestConnector, GuestDeployer } from './deployment.js';
import type { FactDefinition, OperatorDefinition, RulePack } from './rules.js';

/** A typed dependency-injection token. */
export interface Token<T> {
  readonly key: symbol;
  readonly name: string;
  /** Carries the type only; never set. */
  readonly type?: T;
}

export function createToken<T>(name: string): Token<T> {
  return Object.freeze({ key: Symbol(name), name });
}

/** Clock used for event times and durations; swap it in tests. */
export interface Clock {
  /** Milliseconds, monotonic. */
  now(): number;
  /** ISO-8601 wall time. */
  isoNow(): string;
}

/** Every rule pack registered (resolve all). */
export const RULE_PACK = createToken<RulePack>('gipkit.rule-pack');
/** Every fact provider registered (resolve all). */
export const FACT = createToken<FactDefinition>('gipkit.fact');
/** Every custom operator registered (resolve all). */
export const OPERATOR = createToken<OperatorDefinition>('gipkit.operator');
export const CLOCK = createToken<Clock>('gipkit.clock');
/** Every guest connector registered (resolve all). */
export const CONNECTOR = createToken<GuestConnector>('gipkit.connector');
/** Every guest deployer registered (resolve all). */
export const DEPLOYER = createToken<GuestDeployer>('gipkit.deployer');
/** Every dispatcher registered (resolve all). */
export const DISPATCHER = createToken<DispatcherDefinition>('gipkit.dispatcher');
