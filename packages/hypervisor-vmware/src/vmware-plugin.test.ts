import { describe, expect, it } from 'vitest';
import { PluginError, SSH_OPENER, type GuestConnector, type SessionOpener } from '@gipkit/plugin-api';
import { recordRegistrations, SimulatedGuest } from '@gipkit/testkit';
import { SimulatedWindowsNetwork } from '@gipkit/guest-lan/testing';
import { vmwarePlugin } from './vmware-plugin.js';
import { SimulatedGuestOperations } from './testing/index.js';

function registered(plugin: ReturnType<typeof vmwarePlugin>): GuestConnector[] {
  return recordRegistrations(plugin).connectors;
}

const opener: SessionOpener = { open: () => Promise.reject(new Error('unused')) };
const guests = new Map([['win', new SimulatedGuest('win', 'windows')]]);

describe('vmwarePlugin', () => {
  it('registers only what is configured', () => {
    const pairs = (plugin: ReturnType<typeof vmwarePlugin>) => registered(plugin).map((c) => `${c.platform}/${c.method}`);
    expect(pairs(vmwarePlugin({ linux: opener }))).toEqual(['vmware/lan']);
    expect(pairs(vmwarePlugin({ guestOperations: new SimulatedGuestOperations({ guests }) }))).toEqual(['vmware/vix']);
    expect(pairs(vmwarePlugin({ linux: opener, windows: new SimulatedWindowsNetwork({ guests }), guestOperations: new SimulatedGuestOperations({ guests }) })))
      .toEqual(['vmware/lan', 'vmware/vix']);
  });

  it('uses a session opener given for Windows guests as is', async () => {
    const asked: string[] = [];
    const windows: SessionOpener = { open: (request) => (asked.push(request.vm), Promise.reject(new Error('unused'))) };
    const [lan] = registered(vmwarePlugin({ windows }));
    await expect(lan!.connect({
      vm: 'win', host: 'esx', platform: 'vmware', family: 'windows', addresses: [], account: 'a', proxy: 'p',
    }, { timeoutMs: 1_000, signal: new AbortController().signal })).rejects.toMatchObject({ code: 'GIPKIT_CONNECTOR_FAILED' });
    expect(asked).toEqual(['win']);
  });

  it('fails fast when nothing is configured or an option is invalid', () => {
    // No opener given and no transport in the engine: the LAN connector cannot be built, and says what to register.
    expect(() => recordRegistrations(vmwarePlugin())).toThrow(PluginError);
    expect(() => recordRegistrations(vmwarePlugin())).toThrow(/register sshTransportPlugin\(\)/);
    expect(() => vmwarePlugin({ guestOperations: new SimulatedGuestOperations({ guests }), vixOptions: { pollIntervalMs: 0 } })).toThrow(/pollIntervalMs/);
  });

  it('without openers, its LAN connector reaches Linux guests through the SSH_OPENER the engine provides', async () => {
    const asked: string[] = [];
    const provided: SessionOpener = { open: (request) => (asked.push(request.vm), Promise.reject(new Error('unused'))) };
    const [lan] = recordRegistrations(vmwarePlugin(), { provide: [{ token: SSH_OPENER, useValue: provided }] }).connectors;
    expect(lan?.families).toEqual(['linux']);
    await expect(lan!.connect({
      vm: 'lin', host: 'h', platform: 'vmware', family: 'linux', addresses: ['198.18.0.9'], account: 'a', proxy: 'p',
    }, { timeoutMs: 1_000, signal: new AbortController().signal })).rejects.toThrow();
    expect(asked).toEqual(['lin']);
  });

  it('is a plugin for plugin-api 1, named after its package, with a synchronous setup', () => {
    const plugin = vmwarePlugin({ linux: opener });
    expect([plugin.name, plugin.apiVersion]).toEqual(['@gipkit/hypervisor-vmware', 1]);
  });
});
