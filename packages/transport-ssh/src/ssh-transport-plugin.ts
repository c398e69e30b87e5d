import { API_VERSION, LOGGER, SECRET_RESOLVER, SSH_OPENER, type Plugin } from '@gipkit/plugin-api';
import { createSshOpener, type SshOpenerOptions } from './create-ssh-opener.js';

export type SshTransportPluginOptions = Omit<SshOpenerOptions, 'secrets' | 'logger'>;

/**
 * Provides `SSH_OPENER`: the LAN connectors of `@gipkit/hypervisor-vmware`
 * and `@gipkit/hypervisor-hyperv` reach Linux guests through it. The opener
 * reads secrets with the engine's `SECRET_RESOLVER` and logs to its `LOGGER`,
 * so a product that replaces either by token changes the opener too. Options
 * are checked when the plugin is made.
 */
export function sshTransportPlugin(options: SshTransportPluginOptions = {}): Plugin {
  // Checked now: a bad port fails where the plugin is made, not when the engine starts.
  createSshOpener(options);
  return {
    name: '@gipkit/transport-ssh',
    apiVersion: API_VERSION,
    setup(registry) {
      registry.provide(SSH_OPENER, {
        useFactory: (resolver) => createSshOpener({
          ...options,
          secrets: resolver.get(SECRET_RESOLVER),
          logger: resolver.get(LOGGER).child({ component: '@gipkit/transport-ssh' }),
        }),
      });
    },
  };
}
