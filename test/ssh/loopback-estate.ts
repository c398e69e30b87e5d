import type { SshServer } from './ssh-server.js';

/**
 * The inventory and job of the real-SSH tests: Linux guests served by `server`
 * on 127.0.0.2, a backup server and a branch proxy on loopback, the job
 * logging in with the server's user key.
 */
export function loopbackEstate(server: SshServer, jobId: string, vms: readonly string[]): { inventory: Record<string, unknown>; job: Record<string, unknown> } {
  return {
    inventory: {
      backupServer: 'vbr',
      networks: [{ id: 'loopback', cidrs: ['127.0.0.0/8'] }],
      hosts: [{ id: 'esx', platform: 'vmware', version: '8.0' }],
      servers: [
        { id: 'vbr', os: { family: 'linux' }, addresses: ['127.0.0.1'], roles: ['backup-server'] },
        { id: 'branch-proxy', os: { family: 'linux' }, addresses: ['127.0.0.3'], roles: ['vmware-proxy'] },
      ],
      vms: vms.map((id) => ({ id, host: 'esx', guest: { family: 'linux' }, addresses: ['127.0.0.2'], sshPort: server.port })),
    },
    job: {
      id: jobId,
      vms: [...vms],
      guestProcessing: { applicationAware: true },
      credentials: { kind: 'standard', account: server.user, secret: { file: server.privateKeyPath } },
    },
  };
}
