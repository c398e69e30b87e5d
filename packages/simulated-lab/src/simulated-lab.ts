import { API_VERSION, MAX_TIMEOUT_MS, type ConnectionMethod, type ConnectRequest, type Inventory, type Platform, type Plugin } from '@gipkit/plugin-api';
import { SimulatedConnector, type Fault } from './simulated-connector.js';
import { SimulatedGuest } from './simulated-guest.js';

/** The connector steps a `hang` fault can stop. */
export type HangStep = 'connect' | 'run' | 'upload' | 'remove';

/** Which connections a fault applies to: every field given must match (absent: any). */
export interface LabFaultMatch {
  /** The server the connection starts from (a proxy, or the backup server). */
  readonly server?: string;
  readonly vm?: string;
  readonly method?: ConnectionMethod;
  /** Only the first this many matching connections show it (default: all). */
  readonly times?: number;
}

/**
 * A fault of the simulated lab, in the lab file's shape (`faults[]` of `--lab FILE`):
 * `{ server: win-proxy-a, fault: refuse }`, `{ vm: erp-b, times: 1, fault: drop, afterCalls: 2 }`.
 * `fail-health` belongs to a guest, whatever the connection: it takes `vm` only.
 */
export type LabFault =
  /** The connection is refused (every step of it, any method that matches). */
  | (LabFaultMatch & { readonly fault: 'refuse' })
  /** The session drops after `afterCalls` successful calls (default 0); later calls reject. */
  | (LabFaultMatch & { readonly fault: 'drop'; readonly afterCalls?: number })
  /** The step never answers: only its timeout or cancellation ends it. */
  | (LabFaultMatch & { readonly fault: 'hang'; readonly step: HangStep })
  /** Removing anything that exists fails (a cleanup failure to report). */
  | (LabFaultMatch & { readonly fault: 'fail-remove' })
  /** The deployed component's health check fails in this guest. */
  | { readonly vm: string; readonly fault: 'fail-health' };

/** The kinds of `LabFault.fault`, in the order the lab file's reference lists them. */
export const LAB_FAULT_KINDS = ['refuse', 'drop', 'hang', 'fail-remove', 'fail-health'] as const satisfies readonly LabFault['fault'][];
/** The steps of a `hang` fault. */
export const HANG_STEPS = ['connect', 'run', 'upload', 'remove'] as const satisfies readonly HangStep[];

/** What a lab file describes: the lab's latency and faults. `loadLabFile` returns it; `SimulatedLab` takes it as is. */
export interface LabFile {
  /** Latency of every connector step (connect, run, upload, remove), in milliseconds (default 0). */
  readonly latencyMs?: number;
  readonly faults?: readonly LabFault[];
}

export interface SimulatedLabOptions extends LabFile {
  /** Connection methods per platform; defaults: vmware lan and vix, hyperv lan and powershell-direct. */
  readonly methods?: Readonly<Record<string, readonly ConnectionMethod[]>>;
}

export const DEFAULT_LAB_METHODS: Readonly<Record<Platform, readonly ConnectionMethod[]>> = {
  vmware: ['lan', 'vix'],
  hyperv: ['lan', 'powershell-direct'],
};

/** A connection fault as the lab matches it. */
interface ConnectionRule {
  readonly match: LabFaultMatch;
  readonly fault: Fault;
}

/**
 * An in-memory lab for an inventory: one simulated guest per VM and one
 * simulated connector per (platform, connection method), with per-step
 * latency and faults matched by server, VM and method. `plugin()` registers
 * its connectors in an engine; tests then look at the guests.
 *
 * Options have the lab file's shape, so `new SimulatedLab(inventory, loadLabFile(file))`
 * is the lab of `gipkit run --simulate --lab FILE`. A fault or latency a lab
 * file would refuse throws here (a programming error): a `TypeError` or `RangeError`.
 */
export class SimulatedLab {
  readonly guests = new Map<string, SimulatedGuest>();
  readonly connectors: readonly SimulatedConnector[];
  readonly #rules: ConnectionRule[] = [];
  readonly #shown = new Map<ConnectionRule, number>();

  constructor(inventory: Inventory, options: SimulatedLabOptions = {}) {
    const latencyMs = options.latencyMs ?? 0;
    if (typeof latencyMs !== 'number' || !(latencyMs >= 0 && latencyMs <= MAX_TIMEOUT_MS)) {
      throw new RangeError(`latencyMs must be a number of milliseconds from 0 to ${MAX_TIMEOUT_MS} (found ${String(latencyMs)})`);
    }
    for (const vm of inventory.vms) this.guests.set(vm.id, new SimulatedGuest(vm.id, vm.guest.family));
    for (const fault of options.faults ?? []) this.inject(fault);
    const methods = options.methods ?? DEFAULT_LAB_METHODS;
    const platforms = [...new Set(inventory.hosts.map((host) => host.platform))];
    this.connectors = platforms.flatMap((platform) =>
      (Object.hasOwn(methods, platform) ? (methods[platform] ?? []) : []).map(
        (method) =>
          new SimulatedConnector({
            platform,
            method,
            guests: this.guests,
            latencyMs,
            faults: (request) => this.#faultsFor(request, method),
          }),
      ),
    );
  }

  /** Adds a fault while the lab runs (a proxy that goes away mid-job), in the lab file's shape. */
  inject(fault: LabFault): void {
    if (fault.fault === 'fail-health') {
      this.guest(fault.vm).failHealth = true;
      return;
    }
    if (fault.times !== undefined && !(Number.isInteger(fault.times) && fault.times >= 1)) {
      throw new RangeError(`times must be a whole number of at least 1 (found ${String(fault.times)})`);
    }
    const match: LabFaultMatch = {
      ...(fault.server === undefined ? {} : { server: fault.server }),
      ...(fault.vm === undefined ? {} : { vm: fault.vm }),
      ...(fault.method === undefined ? {} : { method: fault.method }),
      ...(fault.times === undefined ? {} : { times: fault.times }),
    };
    this.#rules.push({ match, fault: connectionFault(fault) });
  }

  guest(vm: string): SimulatedGuest {
    const guest = this.guests.get(vm);
    if (guest === undefined) throw new RangeError(`the lab has no guest ${JSON.stringify(vm)}: no VM of the inventory has this id`);
    return guest;
  }

  /** Sessions opened and not closed, over every connector. */
  openSessions(): number {
    return this.connectors.reduce((sum, connector) => sum + connector.open.size, 0);
  }

  /** A plugin that registers the lab's connectors. */
  plugin(name = '@gipkit/simulated-lab'): Plugin {
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
    for (const rule of this.#rules) {
      const { match } = rule;
      if (match.server !== undefined && match.server !== request.proxy) continue;
      if (match.vm !== undefined && match.vm !== request.vm) continue;
      if (match.method !== undefined && match.method !== method) continue;
      const shown = this.#shown.get(rule) ?? 0;
      if (match.times !== undefined && shown >= match.times) continue;
      this.#shown.set(rule, shown + 1);
      faults.push(rule.fault);
    }
    return faults;
  }
}

/** The simulated connector's fault for a lab fault of a connection. */
function connectionFault(fault: Exclude<LabFault, { readonly fault: 'fail-health' }>): Fault {
  switch (fault.fault) {
    case 'refuse':
    case 'fail-remove':
      return { kind: fault.fault };
    case 'drop': {
      const afterCalls = fault.afterCalls ?? 0;
      if (!(Number.isInteger(afterCalls) && afterCalls >= 0)) throw new RangeError(`afterCalls must be a whole number, 0 or more (found ${String(afterCalls)})`);
      return { kind: 'drop', afterCalls };
    }
    case 'hang':
      if (!(HANG_STEPS as readonly string[]).includes(fault.step)) throw new RangeError(`step must be one of ${HANG_STEPS.join(', ')} (found ${JSON.stringify(fault.step)})`);
      return { kind: 'hang', step: fault.step };
    default: {
      const unknown: unknown = (fault as { readonly fault?: unknown }).fault;
      throw new TypeError(`fault must be one of ${LAB_FAULT_KINDS.join(', ')} (found ${JSON.stringify(unknown)})`);
    }
  }
}
