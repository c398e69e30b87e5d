/**
 * Runtime parts of the testkit (no test framework): `recordRegistrations`, and, re-exported from
 * `@gipkit/simulated-lab` (where the CLI and products import them), the simulated guests, connectors
 * and lab; `loadBundle` from `@gipkit/deployer-kit`. Conformance suites: `@gipkit/testkit/conformance`.
 */
export { SimulatedGuest, SimulatedConnector, SimulatedLab, DEFAULT_LAB_METHODS, loadLabFile } from '@gipkit/simulated-lab';
export type {
  Fault, HangStep, LabFault, LabFaultMatch, LabFile, LoadLabFileOptions, SimulatedCommand, SimulatedConnectorOptions, SimulatedFolder,
  SimulatedGuestOptions, SimulatedLabOptions, SimulatedProcess, SimulatedService,
} from '@gipkit/simulated-lab';
/** Re-exported for tests; products import it from `@gipkit/deployer-kit`. */
export { loadBundle } from '@gipkit/deployer-kit';
export { recordRegistrations } from './record-registrations.js';
export type { Registrations, BuiltRegistrations, RecordRegistrationsOptions } from './record-registrations.js';
