import { tempFiles } from '../cli-harness.js';

/** The secret the job's credentials name (by reference); the agents read it on their own machine. */
export const GUEST_SECRET = 'agent-guest-secret-3f9c1e';
export const SECRET_VARIABLE = 'GIPKIT_TEST_AGENT_SECRET';

/**
 * One site: the backup server `vbr`, Windows proxies `p1`..`p3` and Windows
 * VMs `w1`..`w9` on one vSphere host, written as files for the CLI; the job's
 * credentials name their secret by an environment variable.
 */
export function agentEstate(options: { readonly vms?: number; readonly lab?: string } = {}): Record<string, string> {
  const vms = Array.from({ length: options.vms ?? 9 }, (_, index) => ({
    id: `w${index + 1}`, host: 'esx', guest: { family: 'windows' }, addresses: [`10.0.1.${index + 1}`],
  }));
  const inventory = {
    backupServer: 'vbr',
    networks: [{ id: 'lan', cidrs: ['10.0.0.0/16'] }],
    hosts: [{ id: 'esx', platform: 'vmware', version: '8.0' }],
    servers: [
      { id: 'vbr', os: { family: 'windows' }, addresses: ['10.0.0.2'], roles: ['backup-server'] },
      ...['p1', 'p2', 'p3'].map((id, index) => ({ id, os: { family: 'windows' }, addresses: [`10.0.0.${index + 3}`], roles: ['vmware-proxy'] })),
    ],
    vms,
  };
  const job = {
    id: 'nightly',
    vms: vms.map((vm) => vm.id),
    guestProcessing: { applicationAware: true },
    credentials: { kind: 'standard', account: 'CORP\\backup', secret: { env: SECRET_VARIABLE } },
  };
  return tempFiles({
    'inventory.json': JSON.stringify(inventory),
    'job.json': JSON.stringify(job),
    'lab.json': options.lab ?? JSON.stringify({ latencyMs: 0, faults: [] }),
  });
}
