import type { Credentials, Host, Inventory, Job, Network, Server, Vm } from '@gipkit/plugin-api';
import { vmPositionsOf, type VmPositions } from '../input/vm-positions.js';
import { cidrContains, mappedIpv4, mappedIpv4Cidr, parseAddress, parseCidr, type ParsedCidr } from '../input/ip-address.js';

const NO_NETWORKS: readonly Network[] = Object.freeze([]);

/**
 * Look-ups over a validated inventory and job: network membership (addresses
 * falling in CIDRs, plus networks named), hosts, and each VM's credentials.
 */
export class EstateIndex {
  readonly inventory: Inventory;
  readonly job: Job;
  readonly servers: readonly Server[];
  readonly backupServer: number;
  /** IPv4 blocks by prefix length, then by masked base: one look-up per prefix length in use. */
  readonly #ipv4: readonly { readonly mask: number; readonly bases: ReadonlyMap<number, readonly Network[]> }[];
  readonly #ipv6: readonly { readonly cidr: ParsedCidr; readonly network: Network }[];
  readonly #networks: ReadonlyMap<string, Network>;
  /** Each network's position, its list of itself alone, and the lists of several networks met so far, by positions. */
  readonly #positionOf: ReadonlyMap<Network, number>;
  readonly #alone: ReadonlyMap<Network, readonly Network[]>;
  readonly #sets = new Map<string, readonly Network[]>();
  readonly #hosts: ReadonlyMap<string, Host>;
  readonly #positions: VmPositions;
  /** Per-VM credentials by inventory position (own keys only: an id such as `constructor` is data, not a prototype member). */
  readonly #vmCredentials: ReadonlyMap<number, Credentials>;

  /** The id of the server at an inventory position; a position out of range is a bug, and throws. */
  serverId(index: number): string {
    const server = this.servers[index];
    if (server === undefined) throw new RangeError(`no server at position ${index}`);
    return server.id;
  }

  constructor(inventory: Inventory, job: Job) {
    this.inventory = inventory;
    this.job = job;
    this.servers = inventory.servers;
    this.backupServer = inventory.servers.findIndex((server) => server.id === inventory.backupServer);
    this.#networks = new Map(inventory.networks.map((network) => [network.id, network]));
    this.#positionOf = new Map(inventory.networks.map((network, position) => [network, position]));
    this.#alone = new Map(inventory.networks.map((network) => [network, Object.freeze([network])]));
    const byMask = new Map<number, Map<number, Network[]>>();
    const ipv6: { cidr: ParsedCidr; network: Network }[] = [];
    for (const network of inventory.networks) {
      for (const text of network.cidrs) {
        const parsed = parseCidr(text);
        if (parsed === null) continue;
        // An IPv6 block that covers IPv4-mapped addresses holds those IPv4 addresses too.
        const cidr = parsed.version === 4 ? parsed : mappedIpv4Cidr(parsed);
        if (parsed.version === 6) ipv6.push({ cidr: parsed, network });
        if (cidr === null || cidr.version === 6) continue;
        let bases = byMask.get(cidr.mask);
        if (bases === undefined) byMask.set(cidr.mask, (bases = new Map()));
        const list = bases.get(cidr.base);
        if (list === undefined) bases.set(cidr.base, [network]);
        else if (!list.includes(network)) list.push(network);
      }
    }
    this.#ipv4 = [...byMask].map(([mask, bases]) => ({ mask, bases }));
    this.#ipv6 = ipv6;
    this.#hosts = new Map(inventory.hosts.map((host) => [host.id, host]));
    this.#positions = vmPositionsOf(inventory, job);
    const credentials = new Map<number, Credentials>();
    for (const [id, given] of Object.entries(job.vmCredentials)) {
      const position = this.#positions.byId.get(id);
      if (position !== undefined) credentials.set(position, given);
    }
    this.#vmCredentials = credentials;
  }

  /**
   * Networks whose CIDRs contain one of the addresses, plus those named; inventory order, no repeats.
   * The list is frozen and shared by every VM and server in the same networks (most VMs are in one).
   */
  networksOf(addresses: readonly string[], named: readonly string[]): readonly Network[] {
    let only: Network | undefined;
    let found: Set<Network> | undefined;
    const add = (network: Network): void => {
      if (only === undefined) only = network;
      else if (network !== only) (found ??= new Set([only])).add(network);
    };
    for (const text of addresses) {
      const address = parseAddress(text);
      if (address === null) continue;
      // An IPv4-mapped IPv6 address (`::ffff:10.9.0.7`) is in the IPv4 blocks that hold its IPv4 address.
      const ipv4 = address.version === 4 ? address.value : mappedIpv4(address);
      if (ipv4 !== null) {
        for (const { mask, bases } of this.#ipv4) {
          for (const network of bases.get((ipv4 & mask) >>> 0) ?? []) add(network);
        }
      }
      if (address.version === 6) {
        for (const { cidr, network } of this.#ipv6) if (cidrContains(cidr, address)) add(network);
      }
    }
    for (const id of named) {
      const network = this.#networks.get(id);
      if (network !== undefined) add(network);
    }
    if (only === undefined) return NO_NETWORKS;
    if (found === undefined) return this.#alone.get(only) ?? NO_NETWORKS;
    const positions = [...found].map((network) => this.#positionOf.get(network) ?? -1).sort((a, b) => a - b);
    const key = positions.join(',');
    let list = this.#sets.get(key);
    if (list === undefined) {
      list = Object.freeze(positions.flatMap((position) => this.inventory.networks[position] ?? []));
      this.#sets.set(key, list);
    }
    return list;
  }

  vm(id: string): Vm {
    const vm = this.inventory.vms[this.#positions.byId.get(id) ?? -1];
    // The id is checked too: a validated list changed since must never hand out another VM.
    if (vm === undefined || vm.id !== id) throw new Error(`VM ${id} is not in the inventory`);
    return vm;
  }

  /** The VM at a position of the job, and its position in the inventory. */
  jobVm(position: number): { readonly vm: Vm; readonly at: number } {
    const at = this.#positions.ofJob[position] ?? -1;
    const vm = this.inventory.vms[at];
    if (vm === undefined || vm.id !== this.job.vms[position]) throw new Error(`the job's VM at position ${position} (${String(this.job.vms[position])}) is not in the inventory`);
    return { vm, at };
  }

  host(id: string): Host {
    const host = this.#hosts.get(id);
    if (host === undefined) throw new Error(`host ${id} is not in the inventory`);
    return host;
  }

  credentialsOf(vm: string): Credentials {
    return this.credentialsAt(this.#positions.byId.get(vm) ?? -1);
  }

  /** The credentials of the VM at an inventory position: its own, else the job's. */
  credentialsAt(position: number): Credentials {
    return this.#vmCredentials.size === 0 ? this.job.credentials : (this.#vmCredentials.get(position) ?? this.job.credentials);
  }
}
