export { SimulatedWindowsNetwork } from './simulated-windows-network.js';
export type { SimulatedWindowsNetworkFault, SimulatedWindowsNetworkOptions, WindowsNetworkOperation } from './simulated-windows-network.js';
export { splitWindowsCommandLine, interpretCmdCommandLine } from './windows-command-line-parser.js';
export type { CmdInvocation } from './windows-command-line-parser.js';
export { runWindowsCommandLine } from './simulate-windows-process.js';
export {
  SimulatedLink, SimulatedProcesses, removeTree, exists, readSecretReference, checkCredentials, delay,
} from './guest-simulation.js';
export type { GuestSimulation, SimulatedLinkOptions, SimulatedProcessInfo, CredentialCheck } from './guest-simulation.js';
