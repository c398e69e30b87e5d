import type { Inventory, Job } from '@gipkit/plugin-api';

/**
 * A best-effort view of input that failed shape validation, so that
 * cross-reference problems are reported in the same run as shape problems.
 * List positions are kept (diagnostic paths stay right); values that are not
 * of the expected type become empty strings, which the checks skip.
 */
const record = (value: unknown): Record<string, unknown> => (typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {});
const list = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);
const text = (value: unknown): string => (typeof value === 'string' ? value : '');
const texts = (value: unknown): string[] => list(value).map(text);
/** Addresses and CIDRs: a value of the wrong type is a hole (undefined), since an empty string is a malformed address. */
const addresses = (value: unknown): string[] => list(value).map((item) => (typeof item === 'string' ? item : undefined)) as string[];

export function lenientInventory(data: unknown): Inventory {
  const root = record(data);
  return {
    backupServer: text(root.backupServer),
    license: { kind: 'universal' },
    networks: list(root.networks).map((item) => {
      const network = record(item);
      return { id: text(network.id), cidrs: addresses(network.cidrs), isolated: false };
    }),
    hosts: list(root.hosts).map((item) => {
      const host = record(item);
      return { id: text(host.id), platform: text(host.platform), version: '' };
    }),
    servers: list(root.servers).map((item) => {
      const server = record(item);
      return {
        id: text(server.id), os: { family: 'windows' }, addresses: addresses(server.addresses), networks: texts(server.networks),
        roles: [], managed: true, hardened: false, appliance: false, packages: [], runningTasks: 0,
      };
    }),
    vms: list(root.vms).map((item) => {
      const vm = record(item);
      return { id: text(vm.id), host: text(vm.host), guest: { family: 'windows' }, addresses: addresses(vm.addresses), networks: texts(vm.networks), tools: true };
    }),
  };
}

export function lenientJob(data: unknown): Job {
  const root = record(data);
  const proxy = record(root.proxy);
  return {
    id: text(root.id),
    vms: texts(root.vms),
    guestProcessing: { applicationAware: false, indexing: false, transactionLogs: false },
    credentials: { kind: 'standard', account: '' },
    vmCredentials: Object.fromEntries(Object.keys(record(root.vmCredentials)).map((vm) => [vm, { kind: 'standard', account: '' }])),
    proxy: proxy.mode === 'preferred' ? { mode: 'preferred', servers: texts(proxy.servers), fallback: 'backup-server' } : { mode: 'automatic' },
    inverseProtocolOrder: false,
    onGuestProcessingFailure: 'fail-vm',
    runtimeComponents: 'non-persistent',
  };
}
