import type { Plugin } from '@gipkit/plugin-api';
import { deployerPlugin } from '@gipkit/deployer-kit';
import { WindowsDeployer, type WindowsDeployerOptions } from './windows-deployer.js';

/** Registers a WindowsDeployer (the deployer for `windows` guests). Options are checked here, when the plugin is made. */
export function windowsDeployerPlugin(options: WindowsDeployerOptions = {}): Plugin {
  return deployerPlugin('@gipkit/deployer-windows', new WindowsDeployer(options));
}
