import { API_VERSION, type Plugin, type SessionOpener } from '@gipkit/plugin-api';
import { LanConnector } from '@gipkit/connector-kit';
import { QemuAgentConnector } from './qemu-agent-connector.js';
import type { QemuGuestAgentTransport } from './qemu-guest-agent-transport.js';
import { PROXMOX_RULES } from './proxmox-rules.js';

export interface ProxmoxPluginOptions {
  /** Opens LAN sessions to Linux guests (SSH). */
  readonly linux?: SessionOpener;
  /** Opens LAN sessions to Windows guests (SMB and RPC). */
  readonly windows?: SessionOpener;
  /** The Proxmox VE API client for the networkless `qemu-agent` method. */
  readonly guestAgent?: QemuGuestAgentTransport;
  /** Longest wait between two exec-status polls of the guest agent, in milliseconds (default 500). */
  readonly pollIntervalMs?: number;
}

export const PROXMOX_PLATFORM = 'proxmox';

/**
 * Proxmox VE for gipkit: declares the `proxmox` platform, its `lan` and
 * `qemu-agent` connectors, and the rule that allows `qemu-agent`. The `lan`
 * connector is registered when a `linux` or `windows` opener is given. Without
 * transports it still plans (the rules and the platform are there); a run then
 * refuses to start for the VMs no connector reaches, or a `qemu-agent`
 * connection fails with GIPKIT_CONNECTOR_FAILED naming the missing option.
 * Options are checked here, when the plugin is made.
 */
export function proxmoxPlugin(options: ProxmoxPluginOptions = {}): Plugin {
  // connector-kit's LAN connector, for the families given an opener; none given, no LAN connector.
  const lan = options.linux === undefined && options.windows === undefined ? undefined : new LanConnector({
    platform: PROXMOX_PLATFORM,
    ...(options.linux === undefined ? {} : { linux: options.linux }),
    ...(options.windows === undefined ? {} : { windows: options.windows }),
  });
  const agent = new QemuAgentConnector({
    platform: PROXMOX_PLATFORM,
    ...(options.guestAgent === undefined ? {} : { transport: options.guestAgent }),
    ...(options.pollIntervalMs === undefined ? {} : { pollIntervalMs: options.pollIntervalMs }),
  });
  return {
    name: '@acme/gipkit-proxmox',
    apiVersion: API_VERSION,
    setup(registry) {
      registry.addPlatform({ name: PROXMOX_PLATFORM, description: 'Proxmox VE: KVM/QEMU virtual machines, reached over the LAN or through the QEMU guest agent' });
      if (lan !== undefined) registry.addConnector(lan);
      registry.addConnector(agent);
      registry.addRules(PROXMOX_RULES);
    },
  };
}
