import {
  callWithin, ConnectorError, ErrorCode, PluginError,
  type CallOptions, type ConnectRequest, type ConnectionMethod, type GuestConnector, type GuestSession, type Platform,
} from '@gipkit/plugin-api';
import { guestCommands } from './guest-commands.js';
import { connectorErrorOf } from './qemu-agent-errors.js';
import { QemuAgentSession } from './qemu-agent-session.js';
import type { QemuGuestAgentTransport } from './qemu-guest-agent-transport.js';

export interface QemuAgentConnectorOptions {
  /** The Proxmox VE API client; without it every connection fails with GIPKIT_CONNECTOR_FAILED (planning still works). */
  readonly transport?: QemuGuestAgentTransport;
  /** The platform whose VMs it reaches (default `proxmox`). */
  readonly platform?: Platform;
  /** Longest wait between two exec-status polls, in milliseconds (default 500). */
  readonly pollIntervalMs?: number;
}

const PLUGIN_NAME = '@acme/gipkit-proxmox';
export const QEMU_AGENT_METHOD: ConnectionMethod = 'qemu-agent';
/** The agent commands behind exec, exec-status and file-write. */
const REQUIRED_COMMANDS = ['guest-exec', 'guest-exec-status', 'guest-file-open', 'guest-file-write', 'guest-file-close'] as const;

/**
 * The networkless `qemu-agent` connection method: the proxy reaches the guest
 * through the QEMU guest agent, via the Proxmox VE API, with no network path
 * to the guest. Connecting finds the VM and asks its agent which commands it
 * allows: an agent that blocks the ones a session needs is refused then,
 * not halfway through a deployment. The agent runs
 * programs as root (Linux) or LocalSystem (Windows): the job's guest
 * credentials are not used, and their secret is never read.
 */
export class QemuAgentConnector implements GuestConnector {
  readonly platform: Platform;
  readonly method: ConnectionMethod = QEMU_AGENT_METHOD;
  readonly #transport: QemuGuestAgentTransport | undefined;
  readonly #pollIntervalMs: number;

  constructor(options: QemuAgentConnectorOptions = {}) {
    const pollIntervalMs = options.pollIntervalMs ?? 500;
    if (!(Number.isFinite(pollIntervalMs) && pollIntervalMs > 0)) {
      throw new PluginError(ErrorCode.PluginInvalid, PLUGIN_NAME, `pollIntervalMs must be a positive number (found ${pollIntervalMs})`);
    }
    this.platform = options.platform ?? 'proxmox';
    this.#transport = options.transport;
    this.#pollIntervalMs = pollIntervalMs;
  }

  connect(request: ConnectRequest, options: CallOptions): Promise<GuestSession> {
    const what = `connect to ${request.vm} from ${request.proxy} over the QEMU guest agent`;
    const transport = this.#transport;
    if (transport === undefined) {
      return Promise.reject(new ConnectorError(ErrorCode.ConnectorFailed, `${what}: no guest agent transport is configured (give the guestAgent option)`));
    }
    return callWithin(what, options, async (signal) => {
      try {
        const ref = await transport.locate({ vm: request.vm, host: request.host }, signal);
        const info = await transport.info(ref, signal);
        const blocked = REQUIRED_COMMANDS.filter((name) => !info.supportedCommands.some((command) => command.name === name && command.enabled));
        if (blocked.length > 0) {
          throw new ConnectorError(
            ErrorCode.ConnectionRefused,
            `${what}: the guest agent does not allow ${blocked.join(', ')} (some distributions block them by default: allow them in the agent's configuration, e.g. /etc/sysconfig/qemu-ga)`,
          );
        }
        return new QemuAgentSession({
          transport,
          ref,
          commands: guestCommands(request.family),
          vm: request.vm,
          proxy: request.proxy,
          method: this.method,
          pollIntervalMs: this.#pollIntervalMs,
        });
      } catch (error) {
        throw connectorErrorOf(error, what, 'connect');
      }
    }, (session) => session.close());
  }
}
