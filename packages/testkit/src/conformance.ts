/** The conformance suites (they need vitest): run them in your own vitest suite. */
export { describeConnector } from './describe-connector.js';
export type { ConnectorFixture } from './describe-connector.js';
export { describeDeployer } from './describe-deployer.js';
export type { DeployerFixture } from './describe-deployer.js';
