import {
  ErrorCode, PluginError, SSH_OPENER, WINDOWS_NETWORK_OPENER,
  type GuestConnector, type Platform, type Provider, type SessionOpener,
} from '@gipkit/plugin-api';
import { LanConnector } from '@gipkit/connector-kit';
import { WindowsNetworkOpener, type WindowsNetworkOpenerOptions } from './windows-network-opener.js';
import type { WindowsNetworkTransport } from './windows-network-transport.js';

export interface LanConnectorProviderOptions {
  readonly platform: Platform;
  /** The plugin that registers it, for messages. */
  readonly plugin: string;
  /** Linux guests: this opener; absent: the engine's `SSH_OPENER`, when something provides it. */
  readonly linux?: SessionOpener;
  /** Windows guests: this transport or opener; absent: the engine's `WINDOWS_NETWORK_OPENER`, when something provides it. */
  readonly windows?: WindowsNetworkTransport | SessionOpener;
  readonly windowsNetworkOptions?: WindowsNetworkOpenerOptions;
}

const isOpener = (windows: WindowsNetworkTransport | SessionOpener): windows is SessionOpener => 'open' in windows;

/**
 * The LAN connector of a hypervisor plugin, built by the engine's container:
 * the openers given win; a family without one uses the transport the
 * container provides by token (`SSH_OPENER` from `sshTransportPlugin()`, or
 * one an embedder provides). Neither for either family: the engine does not
 * start, naming the plugin and what to register.
 */
export function lanConnectorProvider(options: LanConnectorProviderOptions): Provider<GuestConnector> {
  const given = options.windows;
  const windows = given === undefined || isOpener(given) ? given : new WindowsNetworkOpener(given, options.windowsNetworkOptions);
  return {
    useFactory: (resolver) => {
      const linux = options.linux ?? resolver.find(SSH_OPENER);
      const windowsOpener = windows ?? resolver.find(WINDOWS_NETWORK_OPENER);
      if (linux === undefined && windowsOpener === undefined) {
        throw new PluginError(
          ErrorCode.PluginInvalid, options.plugin,
          `the LAN connector for ${options.platform} has no transport: register sshTransportPlugin() of @gipkit/transport-ssh (SSH_OPENER), provide WINDOWS_NETWORK_OPENER, or pass linux / windows`,
        );
      }
      return new LanConnector({ platform: options.platform, ...(linux === undefined ? {} : { linux }), ...(windowsOpener === undefined ? {} : { windows: windowsOpener }) });
    },
  };
}
