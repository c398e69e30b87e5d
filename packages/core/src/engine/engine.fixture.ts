/** A small estate used by engine tests: HQ and a branch, both hypervisors. */
export const smallInventory = {
  backupServer: 'vbr',
  networks: [
    { id: 'hq', site: 'hq', cidrs: ['10.1.0.0/16'] },
    { id: 'branch', site: 'branch', cidrs: ['10.2.0.0/16'] },
  ],
  hosts: [
    { id: 'esx', platform: 'vmware', version: '8.0' },
    { id: 'hv', platform: 'hyperv', version: '2019' },
  ],
  servers: [
    { id: 'vbr', os: { family: 'windows' }, addresses: ['10.1.0.5'], roles: ['backup-server'] },
    { id: 'win-hq', os: { family: 'windows' }, addresses: ['10.1.0.20'], roles: ['vmware-proxy'] },
    { id: 'wan-branch', os: { family: 'windows' }, addresses: ['10.2.0.30'], roles: ['wan-accelerator'] },
    { id: 'win-branch', os: { family: 'windows' }, addresses: ['10.2.0.20'], roles: ['vmware-proxy'], runningTasks: 3 },
  ],
  vms: [
    { id: 'app-hq', host: 'esx', guest: { family: 'windows', version: '2019' }, addresses: ['10.1.5.1'] },
    { id: 'app-branch', host: 'esx', guest: { family: 'windows', version: '2019' }, addresses: ['10.2.5.1'] },
  ],
};

export const smallJob = {
  id: 'nightly',
  vms: ['app-hq', 'app-branch'],
  guestProcessing: { applicationAware: true },
  credentials: { kind: 'standard', account: 'CORP\\backup' },
};
