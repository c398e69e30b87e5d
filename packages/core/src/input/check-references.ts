import { hasUnprintable, type Diagnostic, type Inventory, type Job, type Vm } from '@gipkit/plugin-api';
import { parseAddress, parseCidr } from './ip-address.js';
import type { VmPositions } from './vm-positions.js';
import type { DocumentPath, SourceDocument } from './source-document.js';

type Report = (path: DocumentPath, message: string, value?: unknown) => void;

function reporter(document: SourceDocument, into: Diagnostic[]): Report {
  return (path, message, value) => into.push(document.at(path, message, value));
}

const UNPRINTABLE_ID = 'an id may not contain control, format (bidirectional, zero-width) or line-separator characters';

/** Ids are shown in tables and messages: one with an unprintable character could fake output. */
function checkId(id: string, path: () => (string | number)[], report: Report): void {
  if (hasUnprintable(id)) report(path(), UNPRINTABLE_ID, id);
}

function checkIds(ids: readonly string[], list: string, index: number, key: string, report: Report): void {
  for (let position = 0; position < ids.length; position++) {
    const id = ids[position];
    if (id !== undefined && hasUnprintable(id)) report([list, index, key, position], UNPRINTABLE_ID, id);
  }
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
    checkId(item.id, () => [list, position, 'id'], report);
    const first = index.get(item.id);
    if (first === undefined) index.set(item.id, position);
    else report([list, position, 'id'], `duplicate ${kind} id; first defined at ${list}[${first}]`, item.id);
  });
  return index;
}

// Paths are built only when there is a problem: these run for every VM of the estate.
// A hole (undefined) is a value of the wrong type in the lenient view, reported by the shape check.
function checkAddresses(addresses: readonly string[], list: string, index: number, report: Report): void {
  for (let position = 0; position < addresses.length; position++) {
    const address = addresses[position];
    if (address !== undefined && parseAddress(address) === null) report([list, index, 'addresses', position], 'malformed IP address', address);
  }
}

function checkNetworkRefs(networks: readonly string[], list: string, index: number, known: ReadonlyMap<string, number>, report: Report): void {
  for (let position = 0; position < networks.length; position++) {
    const network = networks[position] ?? '';
    if (network !== '' && !known.has(network)) report([list, index, 'networks', position], 'unknown network', network);
  }
  checkIds(networks, list, index, 'networks', report);
}

export interface ReferenceCheck {
  readonly inventory: Inventory;
  readonly job: Job;
  readonly inventoryDocument: SourceDocument;
  readonly jobDocument: SourceDocument;
  /** Platforms known to the engine: built in, or added by plugins. */
  readonly platforms: ReadonlySet<string>;
  /** Secret reference kinds the engine's resolver reads (default `env`, `file`). */
  readonly secretKinds?: ReadonlySet<string>;
}

const BUILT_IN_SECRET_KINDS: ReadonlySet<string> = new Set(['env', 'file']);

/** Every cross-reference, address and platform problem of a shape-valid inventory and job, and where the VMs lie. */
export function checkReferences(check: ReferenceCheck): { problems: Diagnostic[]; positions: VmPositions } {
  const problems: Diagnostic[] = [];
  const { inventory, job, platforms } = check;
  const inInventory = reporter(check.inventoryDocument, problems);
  const inJob = reporter(check.jobDocument, problems);

  const networks = indexIds(inventory.networks, 'networks', 'network', inInventory);
  const hosts = indexIds(inventory.hosts, 'hosts', 'host', inInventory);
  const servers = indexIds(inventory.servers, 'servers', 'server', inInventory);
  const vms = indexIds(inventory.vms, 'vms', 'VM', inInventory);

  if (inventory.backupServer !== '' && !servers.has(inventory.backupServer)) inInventory(['backupServer'], 'backupServer is not among the servers', inventory.backupServer);
  checkId(inventory.backupServer, () => ['backupServer'], inInventory);
  inventory.networks.forEach((network, n) => {
    for (let c = 0; c < network.cidrs.length; c++) {
      const cidr = network.cidrs[c];
      if (cidr !== undefined && parseCidr(cidr) === null) inInventory(['networks', n, 'cidrs', c], 'malformed CIDR', cidr);
    }
    if (network.site !== undefined) checkId(network.site, () => ['networks', n, 'site'], inInventory);
  });
  const known = [...platforms].join(', ');
  inventory.hosts.forEach((host, h) => {
    if (host.platform !== '' && !platforms.has(host.platform)) inInventory(['hosts', h, 'platform'], `unknown platform; expected one of ${known}`, host.platform);
    checkId(host.platform, () => ['hosts', h, 'platform'], inInventory);
    if (host.site !== undefined) checkId(host.site, () => ['hosts', h, 'site'], inInventory);
  });
  inventory.servers.forEach((server, s) => {
    checkAddresses(server.addresses, 'servers', s, inInventory);
    checkNetworkRefs(server.networks, 'servers', s, networks, inInventory);
  });
  for (let v = 0; v < inventory.vms.length; v++) {
    const vm = inventory.vms[v] as Vm;
    if (vm.host !== '' && !hosts.has(vm.host)) inInventory(['vms', v, 'host'], 'unknown host', vm.host);
    checkId(vm.host, () => ['vms', v, 'host'], inInventory);
    checkAddresses(vm.addresses, 'vms', v, inInventory);
    checkNetworkRefs(vm.networks, 'vms', v, networks, inInventory);
  }

  // Where each inventory VM first appears in the job (-1: not in it); unknown VMs are tracked apart.
  checkId(job.id, () => ['id'], inJob);
  // With no VMs at all, every job entry would be "unknown": one problem says it (a job that lists none is still fine).
  const noVms = inventory.vms.length === 0 && job.vms.length > 0;
  if (noVms) inInventory(['vms'], 'the inventory has no VMs');
  const firstInJob = new Int32Array(inventory.vms.length).fill(-1);
  const ofJob = new Int32Array(job.vms.length).fill(-1);
  const unknownInJob = new Map<string, number>();
  for (let position = 0; position < job.vms.length; position++) {
    const vm = job.vms[position] ?? '';
    if (vm === '') continue;
    if (hasUnprintable(vm)) inJob(['vms', position], UNPRINTABLE_ID, vm);
    const index = vms.get(vm);
    if (index !== undefined) ofJob[position] = index;
    const first = index === undefined ? unknownInJob.get(vm) : firstInJob[index];
    if (first !== undefined && first >= 0) inJob(['vms', position], `VM listed twice; first at vms[${first}]`, vm);
    else if (index !== undefined) firstInJob[index] = position;
    else unknownInJob.set(vm, position);
    if (index === undefined && !noVms) inJob(['vms', position], 'unknown VM: not in the inventory', vm);
  }
  const inThisJob = (vm: string): boolean => {
    const index = vms.get(vm);
    return index === undefined ? unknownInJob.has(vm) : (firstInJob[index] ?? -1) >= 0;
  };
  // Own keys only, `__proto__` included: a VM id is data, never a prototype member.
  for (const vm of Object.keys(job.vmCredentials)) {
    if (!inThisJob(vm) && !noVms) inJob(['vmCredentials', vm], 'credentials for a VM that is not in this job', vm);
    checkId(vm, () => ['vmCredentials', vm], inJob);
  }
  const kinds = check.secretKinds ?? BUILT_IN_SECRET_KINDS;
  const checkSecret = (credentials: Job['credentials'] | undefined, at: () => (string | number)[]): void => {
    if (credentials?.kind !== 'standard' || credentials.secret === undefined) return;
    const [kind] = Object.keys(credentials.secret);
    if (kind !== undefined && !kinds.has(kind)) inJob([...at(), 'secret', kind], `no secret resolver reads ${kind} references; expected one of ${[...kinds].join(', ')}`, kind);
  };
  checkSecret(job.credentials, () => ['credentials']);
  for (const vm of Object.keys(job.vmCredentials)) checkSecret(job.vmCredentials[vm], () => ['vmCredentials', vm]);
  if (job.proxy.mode === 'preferred') {
    job.proxy.servers.forEach((server, position) => {
      if (server !== '' && !servers.has(server)) inJob(['proxy', 'servers', position], 'preferred server is not among the servers', server);
      checkId(server, () => ['proxy', 'servers', position], inJob);
    });
  }
  return { problems, positions: { byId: vms, ofJob } };
}
