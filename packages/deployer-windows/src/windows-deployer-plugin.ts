import { API_VERSION, type Plugin } from '@gipkit/plugin-api';
import { WindowsDeployer, type WindowsDeployerOptions } from './windows-deployer.js';

/** Registers a WindowsDeployer (the deployer for `windows` guests). Options are checked here, when the plugin is made. */
export function windowsDeployerPlugin(options: WindowsDeployerOptions = {}): Plugin {
  const deployer = new WindowsDeployer(options);
  return {
    name: '@gipkit/deployer-windows',
    apiVersion: API_VERSION,
    setup(registry) {
      registry.addDeployer(deployer);
    },
  };
}
