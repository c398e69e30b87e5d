import type { Plan } from '@gipkit/plugin-api';
import { createGipkit, type GipkitOptions } from '../index.js';

/** Builders for small inventories: one HQ network, one branch, one isolated DMZ. */
export type Obj = Record<string, unknown>;

export const networks = [
  { id: 'hq', site: 'hq', cidrs: ['10.1.0.0/16'] },
  { id: 'branch', site: 'branch', cidrs: ['10.2.0.0/16'] },
  { id: 'dmz', cidrs: ['10.99.0.0/24'], isolated: true },
];
export const hosts = [
  { id: 'esx', platform: 'vmware', version: '8.0' },
  { id: 'hv2019', platform: 'hyperv', version: '2019' },
  { id: 'hv2012', platform: 'hyperv', version: '2012 R2' },
];

export const windowsServer = (id: string, address: string, extra: Obj = {}): Obj => ({
  id, os: { family: 'windows', distro: 'windows-server', version: '2022' }, addresses: [address], domain: 'corp.example', powershell: '5.1', ...extra,
});
export const linuxServer = (id: string, address: string, extra: Obj = {}): Obj => ({
  id, os: { family: 'linux', distro: 'ubuntu', version: '22.04' }, addresses: [address], ...extra,
});
export const windowsVm = (id: string, address: string | null, extra: Obj = {}): Obj => ({
  id, host: 'esx', guest: { family: 'windows', version: '2019' }, addresses: address === null ? [] : [address], ...extra,
});
export const linuxVm = (id: string, address: string | null, extra: Obj = {}): Obj => ({
  id, host: 'esx', guest: { family: 'linux', version: 'debian 12' }, addresses: address === null ? [] : [address], ...extra,
});

export interface Scenario {
  readonly servers: readonly Obj[];
  readonly vms: readonly Obj[];
  readonly job?: Obj;
  readonly inventory?: Obj;
  readonly options?: GipkitOptions;
}

/** The backup server `vbr` (Windows, HQ) comes first unless `servers` names it. */
export function planOf(scenario: Scenario): Plan {
  const gipkit = createGipkit(scenario.options);
  return gipkit.plan(gipkit.validateInput(inputOf(scenario)));
}

export function inputOf(scenario: Scenario): { inventory: Obj; job: Obj } {
  const servers = scenario.servers.some((server) => server.id === 'vbr') ? scenario.servers : [windowsServer('vbr', '10.1.0.5'), ...scenario.servers];
  return {
    inventory: { backupServer: 'vbr', networks, hosts, servers, vms: scenario.vms, ...scenario.inventory },
    job: {
      id: 'job',
      vms: scenario.vms.map((vm) => vm.id),
      guestProcessing: { applicationAware: true },
      credentials: { kind: 'standard', account: 'CORP\\backup' },
      ...scenario.job,
    },
  };
}

export function decisionOf(scenario: Scenario, vm?: string) {
  const plan = planOf(scenario);
  const decision = vm === undefined ? plan.decisions[0] : plan.decisions.find((d) => d.vm === vm);
  if (decision === undefined) throw new Error(`no decision for ${vm ?? 'the first VM'}`);
  return decision;
}

export function explanationOf(scenario: Scenario, vm: string) {
  const gipkit = createGipkit(scenario.options);
  return gipkit.explain(gipkit.validateInput(inputOf(scenario)), vm);
}

export function failedRules(scenario: Scenario, vm: string, server: string): string[] {
  return explanationOf(scenario, vm).candidates.find((candidate) => candidate.server === server)?.failed.map((finding) => finding.rule) ?? [];
}
