export { vmwarePlugin } from './vmware-plugin.js';
export type { VmwarePluginOptions } from './vmware-plugin.js';
export { VixConnector } from './vix-connector.js';
export type { VixConnectorOptions } from './vix-connector.js';
export { GuestOperationsError, GuestOperationsFailure, guestOperationsFailureOf } from './guest-operations-transport.js';
export type {
  GuestOperationsTransport, GuestOperationsConnection, GuestOperationsTarget, GuestProgramSpec, GuestProcessInfo,
  GuestFileAttributes, GuestFileTransferInformation,
} from './guest-operations-transport.js';
