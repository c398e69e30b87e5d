export { proxmoxPlugin, PROXMOX_PLATFORM } from './proxmox-plugin.js';
export type { ProxmoxPluginOptions } from './proxmox-plugin.js';
export { PROXMOX_RULES } from './proxmox-rules.js';
export { QemuAgentConnector, QEMU_AGENT_METHOD } from './qemu-agent-connector.js';
export type { QemuAgentConnectorOptions } from './qemu-agent-connector.js';
export { FILE_WRITE_MAX_BYTES } from './qemu-agent-session.js';
export { FILE_WRITE_MAX_CONTENT, QemuGuestAgentError, QemuGuestAgentFailure, qemuGuestAgentFailureOf } from './qemu-guest-agent-transport.js';
export type { QemuAgentInfo, QemuExecStatus, QemuFileRead, QemuGuestAgentTransport, QemuGuestTarget, QemuVmRef } from './qemu-guest-agent-transport.js';
