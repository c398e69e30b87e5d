import { API_VERSION, type Plugin, type SessionOpener } from '@gipkit/plugin-api';
import { lanConnectorProvider, type WindowsNetworkOpenerOptions, type WindowsNetworkTransport } from '@gipkit/guest-lan';
import type { GuestOperationsTransport } from './guest-operations-transport.js';
import { VixConnector, type VixConnectorOptions } from './vix-connector.js';

export interface VmwarePluginOptions {
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
  /** VIX: vSphere guest operations through VMware Tools. */
  readonly guestOperations?: GuestOperationsTransport;
  readonly vixOptions?: VixConnectorOptions;
}

const NAME = '@gipkit/hypervisor-vmware';

/**
 * VMware vSphere connectors: `lan` for platform `vmware` (Linux guests by the
 * `linux` opener or the engine's `SSH_OPENER`, Windows guests by `windows` or
 * the engine's `WINDOWS_NETWORK_OPENER`), and `vix` when `guestOperations` is
 * given. `vmwarePlugin()` is LAN through the transports the engine provides;
 * `vmwarePlugin({ guestOperations })` is VIX only, unless `lan: true`.
 */
export function vmwarePlugin(options: VmwarePluginOptions = {}): Plugin {
  const { linux, windows, guestOperations } = options;
  const lan = options.lan ?? (linux !== undefined || windows !== undefined || guestOperations === undefined);
  const lanProvider = lan
    ? lanConnectorProvider({
      platform: 'vmware', plugin: NAME,
      ...(linux === undefined ? {} : { linux }),
      ...(windows === undefined ? {} : { windows }),
      ...(options.windowsNetworkOptions === undefined ? {} : { windowsNetworkOptions: options.windowsNetworkOptions }),
    })
    : undefined;
  const vix = guestOperations === undefined ? undefined : new VixConnector(guestOperations, options.vixOptions);
  return {
    name: NAME,
    apiVersion: API_VERSION,
    setup(registry) {
      if (lanProvider !== undefined) registry.addConnector(lanProvider);
      if (vix !== undefined) registry.addConnector(vix);
    },
  };
}
