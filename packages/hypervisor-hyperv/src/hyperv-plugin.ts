import { API_VERSION, type Plugin, type SessionOpener } from '@gipkit/plugin-api';
import { lanConnectorProvider, type WindowsNetworkOpenerOptions, type WindowsNetworkTransport } from '@gipkit/guest-lan';
import { PowerShellDirectConnector, type PowerShellDirectConnectorOptions } from './power-shell-direct-connector.js';
import type { PowerShellDirectTransport } from './power-shell-direct-transport.js';

export interface HypervPluginOptions {
  /** LAN to Linux guests: an SSH session opener; absent: the engine's `SSH_OPENER` (`sshTransportPlugin()` of `@gipkit/transport-ssh`). */
  readonly linux?: SessionOpener;
  /** LAN to Windows guests: a Windows network transport (wrapped in a `WindowsNetworkOpener`), or a session opener; absent: the engine's `WINDOWS_NETWORK_OPENER`. */
  readonly windows?: WindowsNetworkTransport | SessionOpener;
  /**
   * Register the `lan` connector. Default: yes, unless only the hypervisor's own
   * channel is configured (then pass `lan: true` to add LAN through the engine's transports).
   */
  readonly lan?: boolean;
  /** Options of the `WindowsNetworkOpener` made when `windows` is a transport. */
  readonly windowsNetworkOptions?: WindowsNetworkOpenerOptions;
  /** PowerShell Direct from the Hyper-V host to Windows guests. */
  readonly powerShellDirect?: PowerShellDirectTransport;
  readonly powerShellDirectOptions?: PowerShellDirectConnectorOptions;
}

const NAME = '@gipkit/hypervisor-hyperv';

/**
 * Microsoft Hyper-V connectors: `lan` for platform `hyperv` (Linux guests by
 * the `linux` opener or the engine's `SSH_OPENER`, Windows guests by `windows`
 * or the engine's `WINDOWS_NETWORK_OPENER`), and `powershell-direct` when
 * `powerShellDirect` is given. `hypervPlugin()` is LAN through the transports
 * the engine provides; `hypervPlugin({ powerShellDirect })` is PowerShell
 * Direct only, unless `lan: true`.
 */
export function hypervPlugin(options: HypervPluginOptions = {}): Plugin {
  const { linux, windows, powerShellDirect } = options;
  const lan = options.lan ?? (linux !== undefined || windows !== undefined || powerShellDirect === undefined);
  const lanProvider = lan
    ? lanConnectorProvider({
      platform: 'hyperv', plugin: NAME,
      ...(linux === undefined ? {} : { linux }),
      ...(windows === undefined ? {} : { windows }),
      ...(options.windowsNetworkOptions === undefined ? {} : { windowsNetworkOptions: options.windowsNetworkOptions }),
    })
    : undefined;
  const direct = powerShellDirect === undefined ? undefined : new PowerShellDirectConnector(powerShellDirect, options.powerShellDirectOptions);
  return {
    name: NAME,
    apiVersion: API_VERSION,
    setup(registry) {
      if (lanProvider !== undefined) registry.addConnector(lanProvider);
      if (direct !== undefined) registry.addConnector(direct);
    },
  };
}
