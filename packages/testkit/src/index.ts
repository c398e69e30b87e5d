export { SimulatedGuest } from './simulated-guest.js';
export type { SimulatedCommand } from './simulated-guest.js';
export { SimulatedConnector } from './simulated-connector.js';
export type { Fault, SimulatedConnectorOptions } from './simulated-connector.js';
export { describeConnector } from './describe-connector.js';
export type { ConnectorFixture } from './describe-connector.js';
export { SimulatedLab, DEFAULT_LAB_METHODS } from './simulated-lab.js';
export type { LabFault, SimulatedLabOptions } from './simulated-lab.js';
