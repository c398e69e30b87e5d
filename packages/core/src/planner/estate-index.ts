import type { Credentials, Host, Inventory, Job, Network, Server, Vm } from '@gipkit/plugin-api';
import { cidrContains, parseAddress, parseCidr, type ParsedCidr } from '../input/ip-address.js';

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
  readonly #hosts: ReadonlyMap<string, Host>;
  readonly #vms: ReadonlyMap<string, Vm>;

  constructor(inventory: Inventory, job: Job) {
    this.inventory = inventory;
    this.job = job;
    this.servers = inventory.servers;
    this.backupServer = inventory.servers.findIndex((server) => server.id === inventory.backupServer);
    this.#networks = new Map(inventory.networks.map((network) => [network.id, network]));
    const byMask = new Map<number, Map<number, Network[]>>();
    const ipv6: { cidr: ParsedCidr; network: Network }[] = [];
    for (const network of inventory.networks) {
      for (const text of network.cidrs) {
        const cidr = parseCidr(text);
        if (cidr === null) continue;
        if (cidr.version === 6) {
          ipv6.push({ cidr, network });
          continue;
        }
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
    this.#vms = new Map(inventory.vms.map((vm) => [vm.id, vm]));
  }

  /** Networks whose CIDRs contain one of the addresses, plus those named; inventory order, no repeats. */
  networksOf(addresses: readonly string[], named: readonly string[]): Network[] {
    const found = new Set<Network>();
    for (const text of addresses) {
      const address = parseAddress(text);
      if (address === null) continue;
      if (address.version === 4) {
        for (const { mask, bases } of this.#ipv4) {
          for (const network of bases.get((address.value & mask) >>> 0) ?? []) found.add(network);
        }
      } else {
        for (const { cidr, network } of this.#ipv6) if (cidrContains(cidr, address)) found.add(network);
      }
    }
    for (const id of named) {
      const network = this.#networks.get(id);
      if (network !== undefined) found.add(network);
    }
    if (found.size < 2) return [...found];
    return this.inventory.networks.filter((network) => found.has(network));
  }

  vm(id: string): Vm {
    const vm = this.#vms.get(id);
    if (vm === undefined) throw new Error(`VM ${id} is not in the inventory`);
    return vm;
  }

  host(id: string): Host {
    const host = this.#hosts.get(id);
    if (host === undefined) throw new Error(`host ${id} is not in the inventory`);
    return host;
  }

  credentialsOf(vm: string): Credentials {
    return this.job.vmCredentials[vm] ?? this.job.credentials;
  }
}
