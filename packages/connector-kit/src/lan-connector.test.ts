import { describe, expect, it } from 'vitest';
import { ErrorCode, PluginError, type CallOptions, type ConnectRequest, type GuestSession, type OsFamily, type SessionOpener } from '@gipkit/plugin-api';
import { SimulatedConnector, SimulatedGuest } from '@gipkit/testkit';
import { describeConnector } from '@gipkit/testkit/conformance';
import { LanConnector } from './lan-connector.js';

const options = (timeoutMs = 2_000): CallOptions => ({ timeoutMs, signal: new AbortController().signal });
const request = (vm: string, family: OsFamily): ConnectRequest => ({
  vm, host: 'esx-1', platform: 'vmware', family, addresses: ['10.0.0.5'], account: 'root', proxy: 'proxy-1',
});

/** A linux opener over testkit's simulated connector (stands in for the SSH opener). */
function simulatedOpener(faults: Record<string, 'refuse' | 'hang'> = {}) {
  const guests = new Map([['web', new SimulatedGuest('web', 'linux')], ['closed', new SimulatedGuest('closed', 'linux')], ['stuck', new SimulatedGuest('stuck', 'linux')]]);
  const connector = new SimulatedConnector({
    platform: 'vmware', method: 'lan', guests,
    faults: (r) => (faults[r.vm] === 'refuse' ? [{ kind: 'refuse' }] : faults[r.vm] === 'hang' ? [{ kind: 'hang', step: 'connect' }] : []),
  });
  const opener: SessionOpener = { open: (r, _method, o) => connector.connect(r, o) };
  return { opener, connector };
}

/** Records which opener was asked, with which method. */
function recordingOpener(name: string, calls: string[]): SessionOpener {
  return {
    open: async (r, method): Promise<GuestSession> => {
      calls.push(`${name}:${r.vm}:${method}`);
      return { vm: r.vm, proxy: r.proxy, method, run: () => Promise.reject(new Error('unused')), upload: async () => undefined, remove: async () => undefined, close: async () => undefined };
    },
  };
}

describeConnector('LanConnector over a Linux opener', async () => {
  const { opener } = simulatedOpener({ closed: 'refuse', stuck: 'hang' });
  return {
    connector: new LanConnector({ platform: 'vmware', linux: opener }),
    reachable: request('web', 'linux'),
    refused: request('closed', 'linux'),
    hanging: request('stuck', 'linux'),
    scratchPath: '/tmp/gipkit-conformance',
  };
});

describe('LanConnector', () => {
  it('LAN routes by guest OS family, and asks for the lan method', async () => {
    const calls: string[] = [];
    const connector = new LanConnector({ platform: 'hyperv', linux: recordingOpener('linux', calls), windows: recordingOpener('windows', calls) });
    expect([connector.platform, connector.method]).toEqual(['hyperv', 'lan']);
    await connector.connect(request('db', 'windows'), options());
    await connector.connect(request('web', 'linux'), options());
    expect(calls).toEqual(['windows:db:lan', 'linux:web:lan']);
  });

  it('a family with no transport configured fails with GIPKIT_CONNECTOR_FAILED naming the family', async () => {
    const connector = new LanConnector({ platform: 'vmware', linux: recordingOpener('linux', []) });
    await expect(connector.connect(request('db', 'windows'), options())).rejects.toMatchObject({
      code: ErrorCode.ConnectorFailed, message: /no transport is configured for windows guests on vmware/,
    });
  });

  it('an opener that breaks its contract still yields a ConnectorError', async () => {
    const connector = new LanConnector({ platform: 'vmware', linux: { open: () => Promise.reject(new Error('boom')) } });
    await expect(connector.connect(request('web', 'linux'), options())).rejects.toMatchObject({ code: ErrorCode.ConnectorFailed });
  });

  it('a session that opens after connect gave up is closed, not leaked', async () => {
    let closed = 0;
    const slow: SessionOpener = {
      open: (r, method) => new Promise((resolve) => setTimeout(() => resolve({
        vm: r.vm, proxy: r.proxy, method, run: () => Promise.reject(new Error('unused')), upload: async () => undefined, remove: async () => undefined,
        close: async () => void closed++,
      }), 60)),
    };
    const connector = new LanConnector({ platform: 'vmware', linux: slow });
    await expect(connector.connect(request('web', 'linux'), options(10))).rejects.toMatchObject({ code: ErrorCode.ConnectionTimedOut });
    await new Promise((resolve) => setTimeout(resolve, 120));
    expect(closed).toBe(1);
  });

  it('needs at least one opener', () => {
    expect(() => new LanConnector({ platform: 'vmware' })).toThrow(PluginError);
  });
});
