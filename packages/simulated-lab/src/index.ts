/**
 * The simulated lab: in-memory guests and connectors with per-step latency and
 * injectable faults, and the lab-file loader. `gipkit run --simulate --lab FILE`
 * runs on it; so can a product's or a plugin author's tests (the conformance
 * suites are in `@gipkit/testkit/conformance`).
 */
export { SimulatedGuest } from './simulated-guest.js';
export type { SimulatedCommand, SimulatedFolder, SimulatedGuestOptions, SimulatedProcess, SimulatedService } from './simulated-guest.js';
export { SimulatedConnector } from './simulated-connector.js';
export type { Fault, SimulatedConnectorOptions } from './simulated-connector.js';
export { SimulatedLab, DEFAULT_LAB_METHODS, LAB_FAULT_KINDS, HANG_STEPS } from './simulated-lab.js';
export type { HangStep, LabFault, LabFaultMatch, LabFile, SimulatedLabOptions } from './simulated-lab.js';
export { loadLabFile } from './load-lab-file.js';
export type { LoadLabFileOptions } from './load-lab-file.js';
