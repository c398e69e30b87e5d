import { API_VERSION, ErrorCode, PluginError, type Plugin, type SessionOpener } from '@gipkit/plugin-api';
import { LanConnector, WindowsNetworkOpener, type WindowsNetworkOpenerOptions, type WindowsNetworkTransport } from '@gipkit/guest-lan';
import type { GuestOperationsTransport } from './guest-operations-transport.js';
import { VixConnector, type VixConnectorOptions } from './vix-connector.js';

export interface VmwarePluginOptions {
  /** LAN to Linux guests: an SSH session opener (`createSshOpener()` of `@gipkit/transport-ssh`). */
  readonly linux?: SessionOpener;
  /** LAN to Windows guests: a Windows network transport (wrapped in a `WindowsNetworkOpener`), or a session opener. */
  readonly windows?: WindowsNetworkTransport | SessionOpener;
  /** Options of the `WindowsNetworkOpener` made when `windows` is a transport. */
  readonly windowsNetworkOptions?: WindowsNetworkOpenerOptions;
  /** VIX: vSphere guest operations through VMware Tools. */
  readonly guestOperations?: GuestOperationsTransport;
  readonly vixOptions?: VixConnectorOptions;
}

const NAME = '@gipkit/hypervisor-vmware';

const isOpener = (windows: WindowsNetworkTransport | SessionOpener): windows is SessionOpener => 'open' in windows;

/**
 * VMware vSphere connectors. Registers only what is configured: the `lan`
 * connector for platform `vmware` when `linux` or `windows` is given (a guest
 * family left out fails to connect over LAN, and the orchestrator moves on),
 * and the `vix` connector when `guestOperations` is given. Configuring
 * nothing is an error.
 */
export function vmwarePlugin(options: VmwarePluginOptions): Plugin {
  const { linux, windows, guestOperations } = options;
  if (linux === undefined && windows === undefined && guestOperations === undefined) {
    throw new PluginError(ErrorCode.PluginInvalid, NAME, 'configure at least one of linux, windows (LAN) or guestOperations (VIX)');
  }
  const windowsOpener = windows === undefined || isOpener(windows) ? windows : new WindowsNetworkOpener(windows, options.windowsNetworkOptions);
  const lan = linux === undefined && windowsOpener === undefined
    ? undefined
    : new LanConnector({ platform: 'vmware', ...(linux === undefined ? {} : { linux }), ...(windowsOpener === undefined ? {} : { windows: windowsOpener }) });
  const vix = guestOperations === undefined ? undefined : new VixConnector(guestOperations, options.vixOptions);
  return {
    name: NAME,
    apiVersion: API_VERSION,
    setup(registry) {
      if (lan !== undefined) registry.addConnector(lan);
      if (vix !== undefined) registry.addConnector(vix);
    },
  };
}
