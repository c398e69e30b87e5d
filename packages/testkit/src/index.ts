export { SimulatedGuest } from './simulated-guest.js';
export type { SimulatedCommand } from './simulated-guest.js';
export { SimulatedConnector } from './simulated-connector.js';
export type { Fault, SimulatedConnectorOptions } from './simulated-connector.js';
export { settleWithin } from './settle-within.js';
export { describeConnector } from './describe-connector.js';
export type { ConnectorFixture } from './describe-connector.js';
