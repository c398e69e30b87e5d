import { describe, expect, it } from 'vitest';
import { PluginError, SSH_OPENER, type Plugin, type SessionOpener } from '@gipkit/plugin-api';
import { recordRegistrations, SimulatedGuest } from '@gipkit/testkit';
import { SimulatedWindowsNetwork } from '@gipkit/guest-lan/testing';
import { hypervPlugin } from './hyperv-plugin.js';
import { SimulatedPowerShellDirect } from './testing/index.js';

function registered(plugin: Plugin): string[] {
  return recordRegistrations(plugin).connectors.map((connector) => `${connector.platform}/${connector.method}`);
}

const opener: SessionOpener = { open: () => Promise.reject(new Error('unused')) };
const guests = new Map([['win', new SimulatedGuest('win', 'windows')]]);

describe('hypervPlugin', () => {
  it('registers only what is configured', () => {
    expect(registered(hypervPlugin({ linux: opener }))).toEqual(['hyperv/lan']);
    expect(registered(hypervPlugin({ powerShellDirect: new SimulatedPowerShellDirect({ guests }) }))).toEqual(['hyperv/powershell-direct']);
    expect(registered(hypervPlugin({ windows: new SimulatedWindowsNetwork({ guests }), powerShellDirect: new SimulatedPowerShellDirect({ guests }) })))
      .toEqual(['hyperv/lan', 'hyperv/powershell-direct']);
  });

  it('fails fast when nothing is configured or an option is invalid', () => {
    // No opener given and no transport in the engine: the LAN connector cannot be built, and says what to register.
    expect(() => recordRegistrations(hypervPlugin())).toThrow(PluginError);
    expect(() => recordRegistrations(hypervPlugin())).toThrow(/register sshTransportPlugin\(\)/);
    expect(() => hypervPlugin({ powerShellDirect: new SimulatedPowerShellDirect({ guests }), powerShellDirectOptions: { maxOutputBytes: -1 } })).toThrow(/maxOutputBytes/);
  });

  it('without openers, its LAN connector reaches Linux guests through the SSH_OPENER the engine provides', async () => {
    const asked: string[] = [];
    const provided: SessionOpener = { open: (request) => (asked.push(request.vm), Promise.reject(new Error('unused'))) };
    const [lan] = recordRegistrations(hypervPlugin(), { provide: [{ token: SSH_OPENER, useValue: provided }] }).connectors;
    expect(lan?.families).toEqual(['linux']);
    await expect(lan!.connect({
      vm: 'lin', host: 'h', platform: 'hyperv', family: 'linux', addresses: ['198.18.0.9'], account: 'a', proxy: 'p',
    }, { timeoutMs: 1_000, signal: new AbortController().signal })).rejects.toThrow();
    expect(asked).toEqual(['lin']);
  });

  it('is a plugin for plugin-api 1, named after its package', () => {
    const plugin = hypervPlugin({ linux: opener });
    expect([plugin.name, plugin.apiVersion]).toEqual(['@gipkit/hypervisor-hyperv', 1]);
  });
});
