export { hypervPlugin } from './hyperv-plugin.js';
export type { HypervPluginOptions } from './hyperv-plugin.js';
export { PowerShellDirectConnector } from './power-shell-direct-connector.js';
export type { PowerShellDirectConnectorOptions } from './power-shell-direct-connector.js';
export { quotePowerShellString } from './power-shell-script.js';
export { PowerShellDirectError, PowerShellDirectFailure, powerShellDirectFailureOf } from './power-shell-direct-transport.js';
export type {
  PowerShellDirectTransport, PowerShellDirectSession, PowerShellDirectTarget, PowerShellInvocationResult,
} from './power-shell-direct-transport.js';
