export { WindowsDeployer } from './windows-deployer.js';
export type { WindowsDeployerOptions } from './windows-deployer.js';
export { windowsDeployerPlugin } from './windows-deployer-plugin.js';
