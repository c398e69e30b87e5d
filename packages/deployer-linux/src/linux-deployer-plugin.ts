import type { Plugin } from '@gipkit/plugin-api';
import { deployerPlugin } from '@gipkit/deployer-kit';
import { LinuxDeployer, type LinuxDeployerOptions } from './linux-deployer.js';

/** Registers a LinuxDeployer (the deployer for `linux` guests). Options are checked here, when the plugin is made. */
export function linuxDeployerPlugin(options: LinuxDeployerOptions = {}): Plugin {
  return deployerPlugin('@gipkit/deployer-linux', new LinuxDeployer(options));
}
