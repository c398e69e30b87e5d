import type { RulePack } from '@gipkit/plugin-api';

/**
 * The eligibility rules this plugin adds. The default `lan-connection` rule
 * names no platform, so it already covers Proxmox VE VMs; this pack adds the
 * networkless method, which the planner tries after the network one (unless
 * the job sets `inverseProtocolOrder`).
 */
export const PROXMOX_RULES: RulePack = {
  name: '@acme/gipkit-proxmox:rules',
  rules: [
    {
      name: 'qemu-agent-connection',
      description:
        'Networkless connection for Proxmox VE VMs: programs and files through the QEMU guest agent, via the Proxmox VE API, with no network path to the guest. ' +
        'The guest agent must run in the VM (inventory `tools`). Not for gMSA credentials, which work over the network only: the agent acts as root or LocalSystem.',
      source: 'https://pve.proxmox.com/wiki/Qemu-guest-agent ; https://helpcenter.veeam.com/docs/vbr/userguide/using_gmsa.html',
      priority: 1,
      conditions: {
        all: [
          { fact: 'vm.platform', operator: 'equal', value: 'proxmox' },
          { fact: 'vm.tools', operator: 'equal', value: true },
          { fact: 'vm.credentialKind', operator: 'notEqual', value: 'gmsa' },
        ],
      },
      event: {
        type: 'method',
        params: {
          method: 'qemu-agent',
          kind: 'networkless',
          message:
            'QEMU guest agent (qemu-agent-connection): needs a Proxmox VE VM whose guest agent runs, and no gMSA (platform {vm.platform}, agent {vm.tools}, credentials {vm.credentialKind})',
        },
      },
    },
  ],
};
