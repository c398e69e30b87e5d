export { SimulatedWindowsNetwork } from './simulated-windows-network.js';
export type { SimulatedWindowsNetworkFault, SimulatedWindowsNetworkOptions, WindowsNetworkOperation } from './simulated-windows-network.js';
export { splitWindowsCommandLine, interpretCmdCommandLine } from '@gipkit/connector-kit/testing';
export type { CmdInvocation } from '@gipkit/connector-kit/testing';
export { runWindowsCommandLine } from './simulate-windows-process.js';
export { runRedirected } from './run-redirected.js';
export type { RedirectedCommand } from './run-redirected.js';
export {
  SimulatedLink, SimulatedProcesses, removeTree, exists, readSecretReference, checkCredentials, delay, connectionFaults,
} from './guest-simulation.js';
export type {
  GuestSimulation, SimulatedLinkOptions, SimulatedProcessInfo, SimulatedTransportOptions, CredentialCheck, ConnectionFaults,
} from './guest-simulation.js';
export { addTestCommands, everythingShown } from './add-test-commands.js';
export type { GuestWithCommands } from './add-test-commands.js';
