export { LinuxDeployer } from './linux-deployer.js';
export type { LinuxDeployerOptions } from './linux-deployer.js';
export type { LinuxServiceManager } from './linux-control-script.js';
export { linuxDeployerPlugin } from './linux-deployer-plugin.js';
