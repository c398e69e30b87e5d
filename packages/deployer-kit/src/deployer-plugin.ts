import { API_VERSION, type GuestDeployer, type Plugin } from '@gipkit/plugin-api';

/** A plugin named `name` that registers `deployer`; make the deployer first, so that its options are checked when the plugin is made. */
export function deployerPlugin(name: string, deployer: GuestDeployer): Plugin {
  return {
    name,
    apiVersion: API_VERSION,
    setup(registry) {
      registry.addDeployer(deployer);
    },
  };
}
