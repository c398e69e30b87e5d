export { SimulatedGuestOperations, runGuestProgram } from './simulated-guest-operations.js';
export type { SimulatedGuestOperationsFault, SimulatedGuestOperationsOptions, GuestOperation } from './simulated-guest-operations.js';
export { interpretShellCommand } from './posix-shell-parser.js';
export type { ShellInvocation } from './posix-shell-parser.js';
