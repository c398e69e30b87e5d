import type { Gipkit, ValidInput } from '@gipkit/core';

/**
 * A small estate on one Proxmox VE 8.2 node: the backup server `vbr` and two
 * proxies (`gip-win`, `gip-lin`) in the `lan` network (10.0.0.0/16), an
 * isolated `vault` network (192.168.50.0/24) with no server in it, and:
 *
 * | VM | guest | network | guest agent |
 * |---|---|---|---|
 * | db-lin | Linux | lan | yes |
 * | app-win | Windows | lan | yes |
 * | web-lin | Linux | lan | no |
 * | vault-lin | Linux | vault (isolated) | yes |
 * | vault-win | Windows | vault (isolated) | yes |
 * | ghost | Linux | none known | no |
 * | sql-gmsa | Windows, gMSA credentials | vault (isolated) | yes |
 * | esx-vault | Linux on VMware vSphere | vault (isolated) | VMware Tools |
 */
export const ESTATE_VMS = ['db-lin', 'app-win', 'web-lin', 'vault-lin', 'vault-win', 'ghost', 'sql-gmsa', 'esx-vault'] as const;
export type EstateVm = (typeof ESTATE_VMS)[number];

export const ESTATE_INVENTORY = {
  backupServer: 'vbr',
  license: { kind: 'universal' },
  networks: [
    { id: 'lan', site: 'hq', cidrs: ['10.0.0.0/16'] },
    { id: 'vault', site: 'hq', cidrs: ['192.168.50.0/24'], isolated: true },
  ],
  hosts: [
    { id: 'pve-1', platform: 'proxmox', version: '8.2' },
    { id: 'esx-1', platform: 'vmware', version: '8.0' },
  ],
  servers: [
    { id: 'vbr', os: { family: 'windows', distro: 'windows-server', version: '2022' }, addresses: ['10.0.0.2'], roles: ['backup-server'], domain: 'corp.example' },
    { id: 'gip-win', os: { family: 'windows', distro: 'windows-server', version: '2022' }, addresses: ['10.0.0.3'], roles: ['backup-proxy'], domain: 'corp.example' },
    { id: 'gip-lin', os: { family: 'linux', distro: 'ubuntu', version: '24.04' }, addresses: ['10.0.0.4'], roles: ['backup-proxy'] },
  ],
  vms: [
    { id: 'db-lin', host: 'pve-1', guest: { family: 'linux', version: 'debian 12' }, addresses: ['10.0.1.10'], tools: true },
    { id: 'app-win', host: 'pve-1', guest: { family: 'windows', version: '2022' }, addresses: ['10.0.1.20'], tools: true },
    { id: 'web-lin', host: 'pve-1', guest: { family: 'linux', version: 'ubuntu 24.04' }, addresses: ['10.0.1.30'], tools: false },
    { id: 'vault-lin', host: 'pve-1', guest: { family: 'linux', version: 'debian 12' }, addresses: ['192.168.50.10'], tools: true },
    { id: 'vault-win', host: 'pve-1', guest: { family: 'windows', version: '2022' }, addresses: ['192.168.50.20'], tools: true },
    { id: 'ghost', host: 'pve-1', guest: { family: 'linux' }, addresses: [], tools: false },
    { id: 'sql-gmsa', host: 'pve-1', guest: { family: 'windows', version: '2022' }, addresses: ['192.168.50.30'], tools: true },
    { id: 'esx-vault', host: 'esx-1', guest: { family: 'linux' }, addresses: ['192.168.50.40'], tools: true },
  ],
} as const;

/** The estate with a job over `vms` (default: every VM); `job` overrides job fields. */
export function proxmoxEstate(gipkit: Gipkit, vms: readonly EstateVm[] = ESTATE_VMS, job: Record<string, unknown> = {}): ValidInput {
  return gipkit.validateInput({
    inventory: ESTATE_INVENTORY,
    job: {
      id: 'nightly',
      vms,
      guestProcessing: { applicationAware: true },
      credentials: { kind: 'standard', account: 'CORP\\backup', secret: { env: 'GIPKIT_PROXMOX_EXAMPLE_SECRET' } },
      vmCredentials: vms.includes('sql-gmsa') ? { 'sql-gmsa': { kind: 'gmsa', account: 'CORP\\gmsa-sql$', domain: 'corp.example' } } : {},
      ...job,
    },
  });
}
