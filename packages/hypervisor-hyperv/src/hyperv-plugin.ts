import { API_VERSION, ErrorCode, PluginError, type Plugin, type SessionOpener } from '@gipkit/plugin-api';
import { LanConnector, WindowsNetworkOpener, type WindowsNetworkOpenerOptions, type WindowsNetworkTransport } from '@gipkit/guest-lan';
import { PowerShellDirectConnector, type PowerShellDirectConnectorOptions } from './power-shell-direct-connector.js';
import type { PowerShellDirectTransport } from './power-shell-direct-transport.js';

export interface HypervPluginOptions {
  /** LAN to Linux guests: an SSH session opener (`createSshOpener()` of `@gipkit/transport-ssh`). */
  readonly linux?: SessionOpener;
  /** LAN to Windows guests: a Windows network transport (wrapped in a `WindowsNetworkOpener`), or a session opener. */
  readonly windows?: WindowsNetworkTransport | SessionOpener;
  /** Options of the `WindowsNetworkOpener` made when `windows` is a transport. */
  readonly windowsNetworkOptions?: WindowsNetworkOpenerOptions;
  /** PowerShell Direct from the Hyper-V host to Windows guests. */
  readonly powerShellDirect?: PowerShellDirectTransport;
  readonly powerShellDirectOptions?: PowerShellDirectConnectorOptions;
}

const NAME = '@gipkit/hypervisor-hyperv';

const isOpener = (windows: WindowsNetworkTransport | SessionOpener): windows is SessionOpener => 'open' in windows;

/**
 * Microsoft Hyper-V connectors. Registers only what is configured: the `lan`
 * connector for platform `hyperv` when `linux` or `windows` is given (a guest
 * family left out fails to connect over LAN, and the orchestrator moves on),
 * and the `powershell-direct` connector when `powerShellDirect` is given.
 * Configuring nothing is an error.
 */
export function hypervPlugin(options: HypervPluginOptions): Plugin {
  const { linux, windows, powerShellDirect } = options;
  if (linux === undefined && windows === undefined && powerShellDirect === undefined) {
    throw new PluginError(ErrorCode.PluginInvalid, NAME, 'configure at least one of linux, windows (LAN) or powerShellDirect');
  }
  const windowsOpener = windows === undefined || isOpener(windows) ? windows : new WindowsNetworkOpener(windows, options.windowsNetworkOptions);
  const lan = linux === undefined && windowsOpener === undefined
    ? undefined
    : new LanConnector({ platform: 'hyperv', ...(linux === undefined ? {} : { linux }), ...(windowsOpener === undefined ? {} : { windows: windowsOpener }) });
  const direct = powerShellDirect === undefined ? undefined : new PowerShellDirectConnector(powerShellDirect, options.powerShellDirectOptions);
  return {
    name: NAME,
    apiVersion: API_VERSION,
    setup(registry) {
      if (lan !== undefined) registry.addConnector(lan);
      if (direct !== undefined) registry.addConnector(direct);
    },
  };
}
