import type { Decision, DecisionStatus, Plan, PlanSummary } from '@gipkit/plugin-api';
import type { EventDraft } from '../event-draft.js';
import { NO_METHODS, type PlanningSession, type VmClass } from './planning-session.js';

/** Receives events as the plan is made; `wanted` false lets the planner skip building them. */
export interface PlanObserver {
  readonly wanted: boolean;
  emit(event: EventDraft): void;
}

export interface PlanHooks {
  readonly observer: PlanObserver;
  /** Monotonic milliseconds. */
  readonly now: () => number;
  /** Called before the VM at `position` is decided, with the live loads. */
  readonly before?: (position: number, loads: Int32Array) => void;
}

/** Counts per status and VMs per proxy (servers in `serverOrder`, only those with VMs; a null-prototype record). */
export function summarise(decisions: readonly Decision[], durationMs: number, serverOrder: readonly string[]): PlanSummary {
  const counts: Record<DecisionStatus, number> = { assigned: 0, fallback: 0, 'backup-server': 0, 'not-required': 0, unassigned: 0 };
  const perProxyCount = new Map<string, number>();
  for (const decision of decisions) {
    counts[decision.status]++;
    if (decision.proxy !== null) perProxyCount.set(decision.proxy, (perProxyCount.get(decision.proxy) ?? 0) + 1);
  }
  // Null prototype: a server id such as `__proto__` is an own key like any other.
  const perProxy = Object.create(null) as Record<string, number>;
  for (const id of serverOrder) {
    const count = perProxyCount.get(id);
    if (count !== undefined) perProxy[id] = count;
  }
  return {
    vms: decisions.length,
    assigned: counts.assigned,
    fallback: counts.fallback,
    backupServer: counts['backup-server'],
    notRequired: counts['not-required'],
    unassigned: counts.unassigned,
    perProxy,
    durationMs,
  };
}

/**
 * Decides the proxy of every VM of the job, in job order: the lowest tier, then
 * the least load (running tasks plus VMs assigned earlier in this plan), then
 * the first server in the inventory.
 */
export function planJob(session: PlanningSession, hooks: PlanHooks): Plan {
  const started = hooks.now();
  const { estate, loads } = session;
  const { job } = estate;
  const servers = estate.servers;
  const observer = hooks.observer;
  observer.emit({ type: 'plan.started', job: job.id, vms: job.vms.length, servers: servers.length });

  const preferred = job.proxy.mode === 'preferred' ? new Set(job.proxy.servers) : null;
  const candidates = servers.flatMap((server, index) => (preferred === null || preferred.has(server.id) ? [index] : []));
  const fallbackAllowed = job.proxy.mode === 'preferred' && job.proxy.fallback === 'backup-server';
  const jobRule = session.jobOutcomeRule();
  const jobStatus = jobRule?.document.event.type === 'job-outcome' ? jobRule.document.event.params.status : undefined;

  const classes: VmClass[] = [];
  if (jobStatus !== 'not-required') {
    for (let position = 0; position < job.vms.length; position++) classes.push(session.classAt(position));
  }

  const decisions: Decision[] = new Array<Decision>(job.vms.length);
  const assign = (position: number, vm: string, vmClass: VmClass, server: number, status: 'assigned' | 'fallback' | 'backup-server', known?: number): void => {
    const verdict = known === undefined ? session.verdict(vmClass, server) : { eligible: true, tier: known };
    const load = session.take(server);
    const proxy = estate.serverId(server);
    const tier = verdict.eligible ? verdict.tier : null;
    const methods = verdict.eligible ? session.methods(vmClass, server) : NO_METHODS;
    const connection = methods[0] ?? null;
    const failover = server === estate.backupServer ? null : session.failover(vmClass);
    decisions[position] = { vm, status, proxy, tier, connection, methods, failover, load };
    if (observer.wanted) {
      observer.emit({ type: 'proxy.selected', job: job.id, vm, status, proxy, tier, connection, load });
    }
  };

  job.vms.forEach((vm, position) => {
    hooks.before?.(position, loads);
    if (jobStatus === 'not-required') {
      decisions[position] = { vm, status: 'not-required', proxy: null, tier: null, connection: null, methods: NO_METHODS, failover: null, load: null };
      return;
    }
    const vmClass = classes[position] as VmClass;
    if (jobStatus === 'backup-server') {
      assign(position, vm, vmClass, estate.backupServer, 'backup-server');
      return;
    }
    const best = session.bestOf(vmClass, candidates);
    if (best.servers.length > 0) {
      assign(position, vm, vmClass, session.pick(best), 'assigned', best.tier);
      return;
    }
    if (fallbackAllowed && session.verdict(vmClass, estate.backupServer).eligible) {
      assign(position, vm, vmClass, estate.backupServer, 'fallback');
      return;
    }
    const reasons = session.reasons(vm, vmClass, fallbackAllowed && !candidates.includes(estate.backupServer) ? [...candidates, estate.backupServer] : candidates);
    decisions[position] = { vm, status: 'unassigned', proxy: null, tier: null, connection: null, methods: NO_METHODS, failover: null, load: null, reasons };
    if (observer.wanted) observer.emit({ type: 'proxy.unavailable', job: job.id, vm, reasons });
  });

  const durationMs = Math.round((hooks.now() - started) * 1000) / 1000;
  const summary = summarise(decisions, durationMs, servers.map((server) => server.id));
  observer.emit({ type: 'plan.completed', job: job.id, summary, durationMs });
  return { job: job.id, decisions, summary };
}
