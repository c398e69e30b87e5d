// Type tests of the contract: `tsc -p tsconfig.check.json` (part of `pnpm test`) checks them; a
// contract change that breaks plugin authors or embedders fails here, not in their builds.
import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  CLOCK, createToken, ErrorCode, LOGGER, SECRET_RESOLVER, SSH_OPENER,
  type Clock, type ConnectionMethod, type Decision, type Failover, type Logger, type Plan, type PlanMadeFrom,
  type Provider, type Resolver, type SecretResolver, type ServiceOverride, type SessionOpener, type Token,
} from './index.js';

describe('plugin-api types', () => {
  it('a token carries its service type: get and find on a resolver return it', () => {
    const VAULT = createToken<{ read(path: string): string }>('vault');
    expectTypeOf(VAULT).toEqualTypeOf<Token<{ read(path: string): string }>>();
    expectTypeOf<Resolver['get']>().toBeCallableWith(VAULT);
    const resolver = { get: <T>(token: Token<T>): T => token as never, find: <T>(token: Token<T>): T | undefined => token as never } as Resolver;
    expectTypeOf(resolver.get(CLOCK)).toEqualTypeOf<Clock>();
    expectTypeOf(resolver.find(LOGGER)).toEqualTypeOf<Logger | undefined>();
    expectTypeOf(resolver.get(SECRET_RESOLVER)).toEqualTypeOf<SecretResolver>();
    expectTypeOf(resolver.get(SSH_OPENER)).toEqualTypeOf<SessionOpener>();
    expect(VAULT.name).toBe('vault');
  });

  it('a provider is a value, a factory given a resolver, or a class; an override names its token and must match it', () => {
    expectTypeOf<{ useValue: Clock }>().toExtend<Provider<Clock>>();
    expectTypeOf<{ useFactory: (resolver: Resolver) => Clock }>().toExtend<Provider<Clock>>();
    const clock: Clock = { now: () => 0, isoNow: () => '1970-01-01T00:00:00.000Z' };
    const override: ServiceOverride<Clock> = { token: CLOCK, useValue: clock };
    expect(override.token).toBe(CLOCK);
    // @ts-expect-error a logger is not a clock: the provider must give the token's type.
    const wrong: ServiceOverride<Clock> = { token: CLOCK, useValue: { info: () => undefined } };
    expect(wrong).toBeDefined();
  });

  it('a decision carries its methods and failover, read-only', () => {
    expectTypeOf<Decision['methods']>().toEqualTypeOf<readonly ConnectionMethod[]>();
    expectTypeOf<Decision['failover']>().toEqualTypeOf<Failover | null>();
    expectTypeOf<Failover>().toEqualTypeOf<{ readonly server: string; readonly methods: readonly ConnectionMethod[] }>();
    expectTypeOf<Plan['madeFrom']>().toEqualTypeOf<PlanMadeFrom | undefined>();
    const decision = { vm: 'a', status: 'assigned', proxy: 'p', tier: 1, connection: 'lan', methods: ['lan'], failover: null, load: 0 } as const satisfies Decision;
    // Never called: it only has to fail to compile.
    const mutate = (): number =>
      // @ts-expect-error methods are read-only: a run's plan cannot be changed through its decisions.
      (decision as Decision).methods.push('vix');
    expect(typeof mutate).toBe('function');
    expect(decision.methods).toEqual(['lan']);
  });

  it('error codes are string literals, so a switch over them is exhaustive', () => {
    expectTypeOf(ErrorCode.PlanStale).toEqualTypeOf<'GIPKIT_PLAN_STALE'>();
    expectTypeOf(ErrorCode.PlanInvalid).toEqualTypeOf<'GIPKIT_PLAN_INVALID'>();
    expect(ErrorCode.PlanStale).toBe('GIPKIT_PLAN_STALE');
  });
});
