import { API_VERSION, type ConnectionMethod, type ConnectRequest, type Inventory, type Platform, type Plugin } from '@gipkit/plugin-api';
import { SimulatedConnector, type Fault } from './simulated-connector.js';
import { SimulatedGuest } from './simulated-guest.js';

/** A fault, and which connections show it: every field given must match (absent: any). */
export interface LabFault {
  /** The server the connection starts from (a proxy, or the backup server). */
  readonly server?: string;
  readonly vm?: string;
  readonly method?: ConnectionMethod;
  /** Only the first this many matching connections show it (default: all). */
  readonly times?: number;
  readonly fault: Fault;
}

export interface SimulatedLabOptions {
  /** Latency of every connector step (connect, run, upload, remove), in milliseconds. */
  readonly latencyMs?: number;
  readonly faults?: readonly LabFault[];
  /** Connection methods per platform; defaults: vmware lan and vix, hyperv lan and powershell-direct. */
  readonly methods?: Readonly<Record<string, readonly ConnectionMethod[]>>;
}

export const DEFAULT_LAB_METHODS: Readonly<Record<Platform, readonly ConnectionMethod[]>> = {
  vmware: ['lan', 'vix'],
  hyperv: ['lan', 'powershell-direct'],
};

/**
 * An in-memory lab for an inventory: one simulated guest per VM and one
 * simulated connector per (platform, connection method), with per-step
 * latency and faults matched by server, VM and method. `plugin()` registers
 * its connectors in an engine; tests then look at the guests.
 */
export class SimulatedLab {
  readonly guests = new Map<string, SimulatedGuest>();
  readonly connectors: readonly SimulatedConnector[];
  readonly #faults: LabFault[];
  readonly #shown = new Map<LabFault, number>();

  constructor(inventory: Inventory, options: SimulatedLabOptions = {}) {
    for (const vm of inventory.vms) this.guests.set(vm.id, new SimulatedGuest(vm.id, vm.guest.family));
    this.#faults = [...(options.faults ?? [])];
    const methods = options.methods ?? DEFAULT_LAB_METHODS;
    const platforms = [...new Set(inventory.hosts.map((host) => host.platform))];
    this.connectors = platforms.flatMap((platform) =>
      (Object.hasOwn(methods, platform) ? (methods[platform] ?? []) : []).map(
        (method) =>
          new SimulatedConnector({
            platform,
            method,
            guests: this.guests,
            latencyMs: options.latencyMs ?? 0,
            faults: (request) => this.#faultsFor(request, method),
          }),
      ),
    );
  }

  /** Adds a fault while the lab runs (a proxy that goes away mid-job). */
  inject(fault: LabFault): void {
    this.#faults.push(fault);
  }

  guest(vm: string): SimulatedGuest {
    const guest = this.guests.get(vm);
    if (guest === undefined) throw new Error(`the lab has no guest ${vm}`);
    return guest;
  }

  /** Sessions opened and not closed, over every connector. */
  openSessions(): number {
    return this.connectors.reduce((sum, connector) => sum + connector.open.size, 0);
  }

  /** A plugin that registers the lab's connectors. */
  plugin(name = '@gipkit/testkit/simulated-lab'): Plugin {
    return {
      name,
      apiVersion: API_VERSION,
      setup: (registry) => {
        for (const connector of this.connectors) registry.addConnector(connector);
      },
    };
  }

  #faultsFor(request: ConnectRequest, method: ConnectionMethod): Fault[] {
    const faults: Fault[] = [];
    for (const rule of this.#faults) {
      if (rule.server !== undefined && rule.server !== request.proxy) continue;
      if (rule.vm !== undefined && rule.vm !== request.vm) continue;
      if (rule.method !== undefined && rule.method !== method) continue;
      const shown = this.#shown.get(rule) ?? 0;
      if (rule.times !== undefined && shown >= rule.times) continue;
      this.#shown.set(rule, shown + 1);
      faults.push(rule.fault);
    }
    return faults;
  }
}
