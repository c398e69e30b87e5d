import { fileURLToPath } from 'node:url';
import { LinuxDeployer } from '@gipkit/deployer-linux';
import { WindowsDeployer } from '@gipkit/deployer-windows';
import type { GuestDeployer } from '@gipkit/plugin-api';
import { loadBundle } from '@gipkit/testkit';
import { describeDeployer } from '@gipkit/testkit/conformance';
import { QemuAgentConnector } from './qemu-agent-connector.js';
import { callOptions, guestAgentLab } from './testing/guest-agent-lab.js';

// The deployers use only the GuestSession they are given (rule 11): the same
// suites that check them over the simulated connector pass over qemu-agent
// sessions, through the simulated Proxmox VE API.

const BUNDLE = fileURLToPath(new URL('../../bundles/hello-agent', import.meta.url));

for (const [name, family, deployer] of [
  ['LinuxDeployer', 'linux', new LinuxDeployer({ healthAttempts: 1 })],
  ['WindowsDeployer', 'windows', new WindowsDeployer({ healthAttempts: 1 })],
] as const satisfies readonly (readonly [string, 'linux' | 'windows', GuestDeployer])[]) {
  describeDeployer(`${name} over qemu-agent sessions`, async () => {
    const lab = guestAgentLab({ guest: family }, { runningPolls: 1 });
    const guest = lab.guests.get('guest')!;
    const connector = new QemuAgentConnector({ transport: lab.agent, pollIntervalMs: 2 });
    return {
      deployer,
      bundle: await loadBundle(BUNDLE),
      open: () => connector.connect(lab.request('guest'), callOptions()),
      listing: async () => guest.listing(),
      processes: async () => guest.processList(),
      failHealth: async () => {
        guest.failHealth = true;
      },
    };
  });
}
