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
  readonly #cidrs: readonly { readonly cidr: ParsedCidr; readonly network: Network }[];
  readonly #networks: ReadonlyMap<string, Network>;
  readonly #hosts: ReadonlyMap<string, Host>;
  readonly #vms: ReadonlyMap<string, Vm>;

  constructor(inventory: Inventory, job: Job) {
    this.inventory = inventory;
    this.job = job;
    this.servers = inventory.servers;
    this.backupServer = inventory.servers.findIndex((server) => server.id === inventory.backupServer);
    this.#networks = new Map(inventory.networks.map((network) => [network.id, network]));
    this.#cidrs = inventory.networks.flatMap((network) =>
      network.cidrs.flatMap((text) => {
        const cidr = parseCidr(text);
        return cidr === null ? [] : [{ cidr, network }];
      }),
    );
    this.#hosts = new Map(inventory.hosts.map((host) => [host.id, host]));
    this.#vms = new Map(inventory.vms.map((vm) => [vm.id, vm]));
  }

  /** Networks whose CIDRs contain one of the addresses, plus those named; inventory order, no repeats. */
  networksOf(addresses: readonly string[], named: readonly string[]): Network[] {
    const found = new Set<Network>();
    for (const text of addresses) {
      const address = parseAddress(text);
      if (address === null) continue;
      for (const { cidr, network } of this.#cidrs) if (cidrContains(cidr, address)) found.add(network);
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
