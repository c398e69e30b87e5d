import type { ConnectionMethod, ErrorSummary, RunCounts, Server } from '@gipkit/plugin-api';

/** How one VM's run ended. */
export interface VmRunOutcome {
  readonly vm: string;
  readonly status: 'succeeded' | 'failed' | 'crash-consistent' | 'skipped';
  /** The server that did the work, or tried last; null when none was given the VM. */
  readonly server: string | null;
  readonly method: ConnectionMethod | null;
  readonly failedOver: boolean;
  readonly cause?: ErrorSummary;
}

/**
 * The counts of a run: for the whole job, and per server that did the work or
 * tried last (in inventory order; a server id such as `__proto__` is an own key
 * like any other). A VM that failed over and succeeded counts as succeeded and
 * as failed over.
 */
export function summariseRun(outcomes: readonly VmRunOutcome[], servers: readonly Server[]): { counts: RunCounts; perServer: Readonly<Record<string, RunCounts>> } {
  const counts = newCounts();
  const perServerCounts = new Map<string, Counts>();
  for (const outcome of outcomes) {
    count(counts, outcome);
    if (outcome.server === null) continue;
    let own = perServerCounts.get(outcome.server);
    if (own === undefined) perServerCounts.set(outcome.server, (own = newCounts()));
    count(own, outcome);
  }
  const perServer = Object.create(null) as Record<string, RunCounts>;
  for (const server of servers) {
    const own = perServerCounts.get(server.id);
    if (own !== undefined) perServer[server.id] = own;
  }
  return { counts, perServer };
}

type Counts = { -readonly [K in keyof RunCounts]: number };

function newCounts(): Counts {
  return { succeeded: 0, failedOver: 0, failed: 0, crashConsistent: 0, skipped: 0 };
}

function count(counts: Counts, outcome: VmRunOutcome): void {
  if (outcome.status === 'crash-consistent') counts.crashConsistent++;
  else counts[outcome.status]++;
  if (outcome.status === 'succeeded' && outcome.failedOver) counts.failedOver++;
}
