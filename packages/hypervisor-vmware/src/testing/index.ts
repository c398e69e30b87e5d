export { SimulatedGuestOperations, runGuestProgram } from './simulated-guest-operations.js';
export type { SimulatedGuestOperationsFault, SimulatedGuestOperationsOptions, GuestOperation } from './simulated-guest-operations.js';
export { interpretShellCommand } from '@gipkit/connector-kit/testing';
export type { ShellInvocation } from '@gipkit/connector-kit/testing';
