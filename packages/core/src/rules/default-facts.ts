import type { FactDefinition, Network } from '@gipkit/plugin-api';

/**
 * Facts of a list of networks, computed once per list: the estate index hands every VM and server in the
 * same networks the same frozen list, so 100,000 VMs in 80 networks make 80 lists of ids, not 100,000.
 * The values are frozen, as every fact value shared between VMs must be.
 */
function perList<T>(compute: (networks: readonly Network[]) => T): (networks: readonly Network[]) => T {
  const known = new WeakMap<readonly Network[], T>();
  return (networks) => {
    let value = known.get(networks);
    if (value === undefined) {
      value = compute(networks);
      if (Object.isFrozen(networks)) known.set(networks, value);
    }
    return value;
  };
}

const ids = perList((networks): readonly string[] => Object.freeze(networks.map((network) => network.id)));
const sites = perList((networks): readonly string[] => {
  const found: string[] = [];
  for (const network of networks) if (network.site !== undefined && !found.includes(network.site)) found.push(network.site);
  return Object.freeze(found);
});
const vmSites = (networks: readonly Network[], hostSite: string | undefined): readonly string[] => {
  const found = sites(networks);
  return hostSite === undefined || found.includes(hostSite) ? found : Object.freeze([...found, hostSite]);
};
/** A side is isolated when it is in at least one network and every one of them is isolated. */
const isolated = (networks: readonly Network[]): boolean => networks.length > 0 && networks.every((network) => network.isolated);
const lower = (value: string | undefined): string | null => (value === undefined ? null : value.toLowerCase());
const overlap = (left: unknown, right: unknown): boolean =>
  Array.isArray(left) && Array.isArray(right) && left.some((item) => right.includes(item));

/** The facts gipkit provides. Every rule document reads these (or a plugin's). */
export const DEFAULT_FACTS: readonly FactDefinition[] = [
  { name: 'job.id', scope: 'job', description: 'The job id.', value: ({ job }) => job.id },
  { name: 'job.applicationAware', scope: 'job', description: 'The job does application-aware processing.', value: ({ job }) => job.guestProcessing.applicationAware },
  { name: 'job.indexing', scope: 'job', description: 'The job indexes guest file systems.', value: ({ job }) => job.guestProcessing.indexing },
  { name: 'job.transactionLogs', scope: 'job', description: 'The job processes transaction logs.', value: ({ job }) => job.guestProcessing.transactionLogs },
  { name: 'job.proxyMode', scope: 'job', description: '`automatic` or `preferred`.', value: ({ job }) => job.proxy.mode },
  { name: 'license.kind', scope: 'job', description: '`universal` or `socket`.', value: ({ inventory }) => inventory.license.kind },
  {
    name: 'license.edition', scope: 'job', description: 'Socket license edition (`standard`, `enterprise`, `enterprise-plus`); null for universal.',
    value: ({ inventory }) => (inventory.license.kind === 'socket' ? inventory.license.edition : null),
  },

  { name: 'server.id', scope: 'server', description: 'The server id.', value: ({ server }) => server.id },
  { name: 'server.osFamily', scope: 'server', description: '`windows` or `linux`.', value: ({ server }) => server.os.family },
  { name: 'server.distro', scope: 'server', description: 'OS distribution (`windows-server`, `rhel`, `rocky`, `ubuntu`, ...), lower case; null when not given.', value: ({ server }) => lower(server.os.distro) },
  { name: 'server.osVersion', scope: 'server', description: 'OS version as written in the inventory; null when not given.', value: ({ server }) => server.os.version ?? null },
  { name: 'server.managed', scope: 'server', description: 'Added to the backup infrastructure as a managed server.', value: ({ server }) => server.managed },
  { name: 'server.hardened', scope: 'server', description: 'A hardened Linux repository.', value: ({ server }) => server.hardened },
  { name: 'server.appliance', scope: 'server', description: 'The vendor infrastructure appliance.', value: ({ server }) => server.appliance },
  { name: 'server.packages', scope: 'server', description: 'Installed packages (Linux).', value: ({ server }) => server.packages },
  { name: 'server.domain', scope: 'server', description: 'Active Directory domain, lower case; null when none.', value: ({ server }) => lower(server.domain) },
  { name: 'server.powershell', scope: 'server', description: 'Installed PowerShell version; null when none.', value: ({ server }) => server.powershell ?? null },
  { name: 'server.roles', scope: 'server', description: 'Roles the server holds (informational).', value: ({ server }) => server.roles },
  { name: 'server.isBackupServer', scope: 'server', description: 'The server is the inventory\'s backupServer.', value: ({ isBackupServer }) => isBackupServer },
  { name: 'server.networks', scope: 'server', description: 'Ids of the networks the server is in.', value: ({ networks }) => ids(networks) },
  { name: 'server.sites', scope: 'server', description: 'Sites of those networks.', value: ({ networks }) => sites(networks) },
  { name: 'server.isolated', scope: 'server', description: 'Every network the server is in is isolated.', value: ({ networks }) => isolated(networks) },

  { name: 'vm.id', scope: 'vm', description: 'The VM id.', value: ({ vm }) => vm.id },
  { name: 'vm.guestFamily', scope: 'vm', description: 'Guest OS family: `windows` or `linux`.', value: ({ vm }) => vm.guest.family },
  { name: 'vm.guestVersion', scope: 'vm', description: 'Guest OS version; null when not given.', value: ({ vm }) => vm.guest.version ?? null },
  { name: 'vm.platform', scope: 'vm', description: 'Hypervisor platform of its host.', value: ({ host }) => host.platform },
  { name: 'vm.host', scope: 'vm', description: 'Id of its host.', value: ({ host }) => host.id },
  { name: 'vm.hostVersion', scope: 'vm', description: 'Version of its host (`8.0`, `2019`).', value: ({ host }) => host.version },
  { name: 'vm.tools', scope: 'vm', description: 'VMware Tools are running.', value: ({ vm }) => vm.tools },
  {
    name: 'vm.addressKnown', scope: 'vm', description: 'The VM has a known IP address (naming a network gives membership, not an address to connect to).',
    value: ({ vm }) => vm.addresses.length > 0,
  },
  { name: 'vm.networks', scope: 'vm', description: 'Ids of the networks the VM is in (by address or named).', value: ({ networks }) => ids(networks) },
  {
    name: 'vm.sites', scope: 'vm', description: 'Sites of those networks; a VM without a known address is also in its host\'s site (`hosts[].site`).',
    value: ({ vm, host, networks }) => vmSites(networks, vm.addresses.length > 0 ? undefined : host.site),
  },
  { name: 'vm.isolated', scope: 'vm', description: 'Every network the VM is in is isolated.', value: ({ networks }) => isolated(networks) },
  { name: 'vm.credentialKind', scope: 'vm', description: 'Guest credentials: `standard` or `gmsa` (per-VM override, else the job\'s).', value: ({ credentials }) => credentials.kind },
  {
    name: 'vm.credentialDomain', scope: 'vm', description: 'Domain a gMSA names, lower case; null when none.',
    value: ({ credentials }) => (credentials.kind === 'gmsa' ? lower(credentials.domain) : null),
  },

  {
    name: 'pair.sameNetwork', scope: 'pair', description: 'The server and the VM share a network.', reads: ['server.networks', 'vm.networks'],
    value: ({ server, vm }) => overlap(server('server.networks'), vm('vm.networks')),
  },
  {
    name: 'pair.sameSite', scope: 'pair', description: 'The server and the VM share a site.', reads: ['server.sites', 'vm.sites'],
    value: ({ server, vm }) => overlap(server('server.sites'), vm('vm.sites')),
  },
];
