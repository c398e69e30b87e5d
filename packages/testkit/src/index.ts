/** Runtime parts of the testkit (no test framework): simulated guests, connectors and lab, and `loadBundle`. Conformance suites: `@gipkit/testkit/conformance`. */
export { SimulatedGuest } from './simulated-guest.js';
export type { SimulatedCommand, SimulatedFolder, SimulatedGuestOptions, SimulatedProcess, SimulatedService } from './simulated-guest.js';
export { SimulatedConnector } from './simulated-connector.js';
export type { Fault, SimulatedConnectorOptions } from './simulated-connector.js';
export { SimulatedLab, DEFAULT_LAB_METHODS } from './simulated-lab.js';
export type { LabFault, SimulatedLabOptions } from './simulated-lab.js';
/** Re-exported for tests; products import it from `@gipkit/deployer-kit`. */
export { loadBundle } from '@gipkit/deployer-kit';
export { recordRegistrations } from './record-registrations.js';
export type { Registrations } from './record-registrations.js';
