import { API_VERSION, type Plugin } from '@gipkit/plugin-api';
import { LinuxDeployer, type LinuxDeployerOptions } from './linux-deployer.js';

/** Registers a LinuxDeployer (the deployer for `linux` guests). Options are checked here, when the plugin is made. */
export function linuxDeployerPlugin(options: LinuxDeployerOptions = {}): Plugin {
  const deployer = new LinuxDeployer(options);
  return {
    name: '@gipkit/deployer-linux',
    apiVersion: API_VERSION,
    setup(registry) {
      registry.addDeployer(deployer);
    },
  };
}
