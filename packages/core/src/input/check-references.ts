import type { Diagnostic, Inventory, Job, Vm } from '@gipkit/plugin-api';
import { parseAddress, parseCidr } from './ip-address.js';
import type { DocumentPath, SourceDocument } from './source-document.js';

type Report = (path: DocumentPath, message: string, value?: unknown) => void;

function reporter(document: SourceDocument, into: Diagnostic[]): Report {
  return (path, message, value) => into.push(document.at(path, message, value));
}

function indexIds(
  items: readonly { readonly id: string }[],
  list: string,
  kind: string,
  report: Report,
): Map<string, number> {
  const index = new Map<string, number>();
  items.forEach((item, position) => {
    if (item.id === '') return;
    const first = index.get(item.id);
    if (first === undefined) index.set(item.id, position);
    else report([list, position, 'id'], `duplicate ${kind} id; first defined at ${list}[${first}]`, item.id);
  });
  return index;
}

// Paths are built only when there is a problem: these run for every VM of the estate.
function checkAddresses(addresses: readonly string[], list: string, index: number, report: Report): void {
  for (let position = 0; position < addresses.length; position++) {
    const address = addresses[position] ?? '';
    if (address !== '' && parseAddress(address) === null) report([list, index, 'addresses', position], 'malformed IP address', address);
  }
}

function checkNetworkRefs(networks: readonly string[], list: string, index: number, known: ReadonlyMap<string, number>, report: Report): void {
  for (let position = 0; position < networks.length; position++) {
    const network = networks[position] ?? '';
    if (network !== '' && !known.has(network)) report([list, index, 'networks', position], 'unknown network', network);
  }
}

export interface ReferenceCheck {
  readonly inventory: Inventory;
  readonly job: Job;
  readonly inventoryDocument: SourceDocument;
  readonly jobDocument: SourceDocument;
  /** Platforms known to the engine: built in, or added by plugins. */
  readonly platforms: ReadonlySet<string>;
}

/** Every cross-reference, address and platform problem of a shape-valid inventory and job. */
export function checkReferences(check: ReferenceCheck): Diagnostic[] {
  const problems: Diagnostic[] = [];
  const { inventory, job, platforms } = check;
  const inInventory = reporter(check.inventoryDocument, problems);
  const inJob = reporter(check.jobDocument, problems);

  const networks = indexIds(inventory.networks, 'networks', 'network', inInventory);
  const hosts = indexIds(inventory.hosts, 'hosts', 'host', inInventory);
  const servers = indexIds(inventory.servers, 'servers', 'server', inInventory);
  const vms = indexIds(inventory.vms, 'vms', 'VM', inInventory);

  if (inventory.backupServer !== '' && !servers.has(inventory.backupServer)) inInventory(['backupServer'], 'backupServer is not among the servers', inventory.backupServer);
  inventory.networks.forEach((network, n) => {
    network.cidrs.forEach((cidr, c) => {
      if (cidr !== '' && parseCidr(cidr) === null) inInventory(['networks', n, 'cidrs', c], 'malformed CIDR', cidr);
    });
  });
  const known = [...platforms].join(', ');
  inventory.hosts.forEach((host, h) => {
    if (host.platform !== '' && !platforms.has(host.platform)) inInventory(['hosts', h, 'platform'], `unknown platform; expected one of ${known}`, host.platform);
  });
  inventory.servers.forEach((server, s) => {
    checkAddresses(server.addresses, 'servers', s, inInventory);
    checkNetworkRefs(server.networks, 'servers', s, networks, inInventory);
  });
  for (let v = 0; v < inventory.vms.length; v++) {
    const vm = inventory.vms[v] as Vm;
    if (vm.host !== '' && !hosts.has(vm.host)) inInventory(['vms', v, 'host'], 'unknown host', vm.host);
    checkAddresses(vm.addresses, 'vms', v, inInventory);
    checkNetworkRefs(vm.networks, 'vms', v, networks, inInventory);
  }

  // Where each inventory VM first appears in the job (-1: not in it); unknown VMs are tracked apart.
  const firstInJob = new Int32Array(inventory.vms.length).fill(-1);
  const unknownInJob = new Map<string, number>();
  for (let position = 0; position < job.vms.length; position++) {
    const vm = job.vms[position] ?? '';
    if (vm === '') continue;
    const index = vms.get(vm);
    const first = index === undefined ? unknownInJob.get(vm) : firstInJob[index];
    if (first !== undefined && first >= 0) inJob(['vms', position], `VM listed twice; first at vms[${first}]`, vm);
    else if (index !== undefined) firstInJob[index] = position;
    else unknownInJob.set(vm, position);
    if (index === undefined) inJob(['vms', position], 'unknown VM: not in the inventory', vm);
  }
  const inThisJob = (vm: string): boolean => {
    const index = vms.get(vm);
    return index === undefined ? unknownInJob.has(vm) : (firstInJob[index] ?? -1) >= 0;
  };
  for (const vm of Object.keys(job.vmCredentials)) {
    if (!inThisJob(vm)) inJob(['vmCredentials', vm], 'credentials for a VM that is not in this job', vm);
  }
  if (job.proxy.mode === 'preferred') {
    job.proxy.servers.forEach((server, position) => {
      if (server !== '' && !servers.has(server)) inJob(['proxy', 'servers', position], 'preferred server is not among the servers', server);
    });
  }
  return problems;
}
