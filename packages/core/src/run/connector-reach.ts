import { ErrorCode, GipkitError, type ConnectionMethod, type GuestConnector, type OsFamily, type Plan, type Platform } from '@gipkit/plugin-api';
import type { EstateIndex } from '../planner/estate-index.js';

/** Why no registered connector reaches a guest by one method. */
export type NoReach = 'no-connector' | 'family';

/** Which guests the registered connectors can reach: by platform, method and guest OS family. */
export class ConnectorReach {
  /** `platform/method` → the families its connectors reach (`all` when one of them declares none). */
  readonly #families = new Map<string, Set<OsFamily> | 'all'>();

  constructor(connectors: readonly GuestConnector[]) {
    for (const connector of connectors) {
      const key = reachKey(connector.platform, connector.method);
      const known = this.#families.get(key);
      if (known === 'all') continue;
      if (connector.families === undefined) this.#families.set(key, 'all');
      else this.#families.set(key, new Set([...(known ?? []), ...connector.families]));
    }
  }

  /** Undefined when a connector reaches the guest; otherwise why none does. */
  problem(platform: Platform, method: ConnectionMethod, family: OsFamily): NoReach | undefined {
    const families = this.#families.get(reachKey(platform, method));
    if (families === undefined) return 'no-connector';
    return families === 'all' || families.has(family) ? undefined : 'family';
  }

  /** The families the `platform/method` connectors reach, for messages. */
  familiesOf(platform: Platform, method: ConnectionMethod): readonly OsFamily[] | 'all' {
    const families = this.#families.get(reachKey(platform, method));
    return families === undefined ? [] : families === 'all' ? 'all' : [...families].sort();
  }

  /** `methods` without those no connector reaches for this guest, order kept. */
  reachable(platform: Platform, family: OsFamily, methods: readonly ConnectionMethod[]): readonly ConnectionMethod[] {
    let all = true;
    for (const method of methods) if (this.problem(platform, method, family) !== undefined) all = false;
    return all ? methods : methods.filter((method) => this.problem(platform, method, family) === undefined);
  }
}

function reachKey(platform: Platform, method: ConnectionMethod): string {
  return `${platform}/${method}`;
}

/** VMs planned to a proxy that reaches them by none of its planned methods, grouped by platform, method and family. */
export interface UnreachedVms {
  /** Positions in the plan's decisions. */
  readonly positions: ReadonlySet<number>;
  readonly groups: readonly UnreachedGroup[];
}

export interface UnreachedGroup {
  readonly platform: Platform;
  readonly method: ConnectionMethod;
  readonly family: OsFamily;
  readonly problem: NoReach;
  /** In plan order. */
  readonly vms: readonly string[];
}

/**
 * Finds, before any connection, the planned VMs that no registered connector
 * can reach by any of the methods their proxy may use (a VM whose proxy has
 * at least one reachable method is served by it).
 */
export function findUnreachedVms(plan: Plan, estate: EstateIndex, reach: ConnectorReach): UnreachedVms {
  const serverIndex = new Map(estate.servers.map((server, index) => [server.id, index]));
  const positions = new Set<number>();
  const groups = new Map<string, { platform: Platform; method: ConnectionMethod; family: OsFamily; problem: NoReach; vms: string[] }>();
  plan.decisions.forEach((decision, position) => {
    if (decision.status === 'not-required' || decision.proxy === null) return;
    const server = serverIndex.get(decision.proxy);
    if (server === undefined) return;
    const vm = estate.vm(decision.vm);
    const platform = estate.host(vm.host).platform;
    const family = vm.guest.family;
    const methods = decision.methods;
    if (methods.length === 0 || reach.reachable(platform, family, methods).length > 0) return;
    positions.add(position);
    for (const method of methods) {
      const problem = reach.problem(platform, method, family) ?? 'no-connector';
      const key = `${platform}/${method}/${family}`;
      let group = groups.get(key);
      if (group === undefined) groups.set(key, (group = { platform, method, family, problem, vms: [] }));
      group.vms.push(decision.vm);
    }
  });
  const sorted = [...groups.values()].sort((a, b) => `${a.platform}/${a.method}/${a.family}`.localeCompare(`${b.platform}/${b.method}/${b.family}`));
  return { positions, groups: sorted };
}

/** How many VM names a line lists before "and N more". */
const LISTED = 5;

/** One line per platform, method and family: the VMs concerned and what is missing. */
export function describeUnreached(group: UnreachedGroup, reach: ConnectorReach): string {
  const { platform, method, family, vms } = group;
  const listed = vms.slice(0, LISTED).join(', ');
  const more = vms.length > LISTED ? ` and ${vms.length - LISTED} more` : '';
  const what = group.problem === 'no-connector'
    ? `no connector is registered for ${platform}/${method}`
    : `the ${platform}/${method} connector is configured for ${describeFamilies(reach.familiesOf(platform, method))} guests only, not ${family}`;
  return `${platform}/${method} to ${family} guests: ${what} (${vms.length} VM${vms.length === 1 ? '' : 's'}: ${listed}${more})`;
}

function describeFamilies(families: readonly OsFamily[] | 'all'): string {
  return families === 'all' ? 'all' : families.join(' and ');
}

/**
 * Thrown before a run starts when some planned VMs cannot be reached by any
 * registered connector (GIPKIT_RUN_NO_CONNECTOR): `problems` has one line per
 * platform, method and guest family, naming the VMs concerned.
 */
export class NoConnectorError extends GipkitError {
  readonly job: string;
  /** How many of the job's planned VMs no connector reaches. */
  readonly unreached: number;
  readonly total: number;
  readonly problems: readonly string[];

  constructor(job: string, total: number, unreached: UnreachedVms, reach: ConnectorReach) {
    const problems = unreached.groups.map((group) => describeUnreached(group, reach));
    super(
      ErrorCode.RunNoConnector,
      [
        noConnectorHeadline(job, unreached.positions.size, total),
        ...problems.map((problem) => `  - ${problem}`),
        "Register a connector with a transport for each (docs/deployment.md), or run with whenNoConnector: 'fail-vms' to deploy the others (these VMs then fail).",
      ].join('\n'),
    );
    this.job = job;
    this.unreached = unreached.positions.size;
    this.total = total;
    this.problems = problems;
  }
}

export function noConnectorHeadline(job: string, unreached: number, total: number): string {
  return `cannot start job ${job}: ${unreached} of ${total} VMs cannot be reached by any registered connector by the methods planned for them:`;
}
