import { describe, expect, it } from 'vitest';
import { ConnectorError, type CallOptions, type ConnectRequest, type GuestConnector } from '@gipkit/plugin-api';

export interface ConnectorFixture {
  readonly connector: GuestConnector;
  /** A request for a reachable guest. */
  readonly reachable: ConnectRequest;
  /** A request that the guest side refuses (closed port, no agent). */
  readonly refused: ConnectRequest;
  /** Optional: a request whose connection never answers. */
  readonly hanging?: ConnectRequest;
  /** A path on the guest the suite may write and remove. */
  readonly scratchPath: string;
  /** Called after each test. */
  readonly cleanup?: () => Promise<void>;
}

const options = (timeoutMs = 5_000, signal = new AbortController().signal): CallOptions => ({ timeoutMs, signal });

/**
 * The conformance suite for GuestConnector implementations: run it with a
 * fixture for your connector, in your own vitest suite. Each test is named
 * after the contract rule it checks (docs/reference/deployment-contracts.md).
 */
export function describeConnector(name: string, fixture: () => Promise<ConnectorFixture>): void {
  describe(`GuestConnector conformance: ${name}`, () => {
    const withFixture = (test: (f: ConnectorFixture) => Promise<void>) => async () => {
      const f = await fixture();
      try {
        await test(f);
      } finally {
        await f.cleanup?.();
      }
    };

    it('connects and reports the VM, the proxy and its method', withFixture(async ({ connector, reachable }) => {
      const session = await connector.connect(reachable, options());
      expect([session.vm, session.proxy, session.method]).toEqual([reachable.vm, reachable.proxy, connector.method]);
      await session.close();
    }));

    it('rule 4: a refused connection rejects with a ConnectorError', withFixture(async ({ connector, refused }) => {
      await expect(connector.connect(refused, options())).rejects.toBeInstanceOf(ConnectorError);
    }));

    it('rule 1: connect settles within its timeout', withFixture(async ({ connector, hanging }) => {
      if (hanging === undefined) return;
      const started = Date.now();
      await expect(connector.connect(hanging, options(200))).rejects.toBeInstanceOf(ConnectorError);
      expect(Date.now() - started).toBeLessThan(5_000);
    }));

    it('rules 1 and 6: a cancelled call rejects at once', withFixture(async ({ connector, reachable }) => {
      const cancelled = new AbortController();
      cancelled.abort();
      await expect(connector.connect(reachable, options(5_000, cancelled.signal))).rejects.toBeInstanceOf(ConnectorError);
      const session = await connector.connect(reachable, options());
      await expect(session.run(['true'], options(5_000, cancelled.signal))).rejects.toBeInstanceOf(ConnectorError);
      await session.close();
    }));

    it('rule 8: run returns a non-zero exit code instead of rejecting', withFixture(async ({ connector, reachable }) => {
      const session = await connector.connect(reachable, options());
      const result = await session.run(['gipkit-no-such-command'], options());
      expect(result.exitCode).not.toBe(0);
      await session.close();
    }));

    it('uploads a file and removes it', withFixture(async ({ connector, reachable, scratchPath }) => {
      const session = await connector.connect(reachable, options());
      await session.upload(new TextEncoder().encode('gipkit'), scratchPath, options());
      const shown = await session.run(['cat', scratchPath], options());
      expect(shown.stdout).toBe('gipkit');
      await session.remove(scratchPath, options());
      expect((await session.run(['cat', scratchPath], options())).exitCode).not.toBe(0);
      await session.close();
    }));

    it('rule 7: close is idempotent', withFixture(async ({ connector, reachable }) => {
      const session = await connector.connect(reachable, options());
      await session.close();
      await expect(session.close()).resolves.toBeUndefined();
    }));
  });
}
