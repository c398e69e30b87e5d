import { ConnectorError, ErrorCode, GipkitError } from '@gipkit/plugin-api';
import { QemuGuestAgentFailure, qemuGuestAgentFailureOf } from './qemu-guest-agent-transport.js';

/** When a transport call failed: while connecting, or in an open session (where losing the agent is a drop). */
export type QemuAgentPhase = 'connect' | 'session';

const CONNECT_CODES: Readonly<Record<QemuGuestAgentFailure, ErrorCode>> = {
  [QemuGuestAgentFailure.AgentNotRunning]: ErrorCode.ConnectionRefused,
  [QemuGuestAgentFailure.VmNotRunning]: ErrorCode.ConnectionRefused,
  [QemuGuestAgentFailure.ApiUnreachable]: ErrorCode.ConnectionRefused,
  [QemuGuestAgentFailure.VmNotFound]: ErrorCode.ConnectorFailed,
  [QemuGuestAgentFailure.Unauthorized]: ErrorCode.ConnectionAuthFailed,
  [QemuGuestAgentFailure.SecretUnavailable]: ErrorCode.SecretUnavailable,
  [QemuGuestAgentFailure.CertificateRejected]: ErrorCode.HostKeyRejected,
  [QemuGuestAgentFailure.ExecFailed]: ErrorCode.ConnectorFailed,
};

const HINTS: Partial<Record<QemuGuestAgentFailure, string>> = {
  [QemuGuestAgentFailure.AgentNotRunning]: ' (is qemu-guest-agent installed and running in the guest, and the VM\'s "QEMU Guest Agent" option enabled?)',
  [QemuGuestAgentFailure.Unauthorized]: ' (check the Proxmox VE API token and its privileges; the token itself is never shown)',
};

/**
 * Maps what a transport rejected with to a `ConnectorError`. Errors gipkit
 * made (a timeout, a cancellation) pass unchanged; a transport's reason picks
 * the code; any other error is GIPKIT_CONNECTOR_FAILED without its message,
 * which is not ours to show. In a session, losing the agent, the VM or the API
 * is a drop (GIPKIT_CONNECTOR_DROPPED: the orchestrator reconnects once).
 */
export function connectorErrorOf(error: unknown, what: string, phase: QemuAgentPhase): GipkitError {
  if (error instanceof GipkitError) return error;
  const reason = qemuGuestAgentFailureOf(error);
  if (reason === undefined) return new ConnectorError(ErrorCode.ConnectorFailed, `${what}: the Proxmox VE API transport failed`, { cause: error });
  const message = error instanceof Error ? error.message : reason;
  const code = CONNECT_CODES[reason];
  const dropped = phase === 'session' && code === ErrorCode.ConnectionRefused;
  return new ConnectorError(dropped ? ErrorCode.ConnectionDropped : code, `${what}: ${message}${HINTS[reason] ?? ''}`, { cause: error });
}
