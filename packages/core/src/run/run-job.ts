import {
  ErrorCode,
  type CleanupFailure, type ComponentBundle, type ConnectionMethod, type DeploymentMode, type DeploymentStep, type Dispatcher, type ErrorSummary,
  type GuestTarget, type GuestTask, type Plan, type RunCounts, type StepTimeouts, type TaskOutcome, type TaskReport,
} from '@gipkit/plugin-api';
import type { EventDraft } from '../planner/plan-job.js';
import type { PlanningSession } from '../planner/planning-session.js';
import { isCancellation, redactOutcome, redactReport, summariseError } from './error-summary.js';
import { describeUnreached, plannedMethods, type ConnectorReach, type UnreachedVms } from './connector-reach.js';
import type { RunSecrets } from './run-secrets.js';
import { ABANDON_AFTER_MS, TaskSignals } from './task-signals.js';
import { TaskSlots } from './task-slots.js';

export const DEFAULT_TIMEOUTS: StepTimeouts = { connect: 30_000, upload: 120_000, install: 120_000, start: 60_000, health: 60_000, remove: 60_000 };
export const DEFAULT_PER_SERVER = 4;
export const DEFAULT_TOTAL = 64;

export interface RunSettings {
  readonly runId: string;
  readonly bundle: ComponentBundle;
  readonly dispatcher: Dispatcher;
  /** Which guests the registered connectors reach: a server tries only those methods, and fails over only when it has one. */
  readonly reach: ConnectorReach;
  /** Planned VMs no connector reaches (the run was told to go on without them): they fail at once. */
  readonly unreached: UnreachedVms;
  readonly timeouts: StepTimeouts;
  readonly perServer: number;
  readonly total: number;
  readonly signal: AbortSignal;
  readonly cleanupSignal: AbortSignal;
  readonly beforeCleanup?: () => Promise<void>;
  readonly emit: (draft: EventDraft) => void;
  readonly now: () => number;
  /** The run's secrets, read once before it starts: redaction uses only these. */
  readonly secrets: RunSecrets;
}

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

export interface RunResult {
  readonly runId: string;
  readonly job: string;
  readonly plan: Plan;
  readonly vms: readonly VmRunOutcome[];
  readonly counts: RunCounts;
  readonly perServer: Readonly<Record<string, RunCounts>>;
  /** `stale`: leftovers of earlier runs that crashed, which this run's deployments found and removed. */
  readonly cleanup: { readonly removed: number; readonly kept: number; readonly stale: number; readonly failures: readonly CleanupFailure[] };
  readonly durationMs: number;
  readonly cancelled: boolean;
  readonly accepted: boolean;
}

/** A deployment to remove at job end: where it is and who reached it. */
interface Leftover {
  readonly position: number;
  readonly server: number;
  readonly methods: readonly ConnectionMethod[];
  readonly location: string;
}

const NOT_ASSIGNED = 'the plan gave this VM no proxy';

/**
 * Deploys the runtime components into every VM of a planned job: the VM's proxy
 * tries its allowed methods in order, then the backup server takes over (one
 * failover), under per-server and total concurrency limits; at job end every
 * non-persistent deployment is removed, after failures and cancellation too.
 */
export class JobRun {
  /** Each server's live task count in this run (by inventory index). */
  readonly load: Int32Array;
  readonly #session: PlanningSession;
  readonly #plan: Plan;
  readonly #settings: RunSettings;
  readonly #slots: TaskSlots;
  readonly #signals: TaskSignals;
  readonly #outcomes: (VmRunOutcome | undefined)[];
  readonly #leftovers: Leftover[] = [];
  /** Built once per VM: the deployment, a failover and the cleanup share it. */
  readonly #targets: (GuestTarget | undefined)[] = [];
  readonly #mode: DeploymentMode;
  #kept = 0;
  #stale = 0;
  #cancelled = false;

  constructor(session: PlanningSession, plan: Plan, settings: RunSettings) {
    this.#session = session;
    this.#plan = plan;
    this.#settings = settings;
    this.#slots = new TaskSlots(session.estate.servers.length, settings.perServer, settings.total);
    this.load = this.#slots.active;
    this.#signals = new TaskSignals(settings.signal);
    this.#outcomes = new Array<VmRunOutcome | undefined>(plan.decisions.length);
    this.#mode = session.estate.job.runtimeComponents;
  }

  async run(): Promise<RunResult> {
    const started = this.#settings.now();
    const { estate } = this.#session;
    const { job } = estate;
    const { emit, signal, bundle } = this.#settings;
    emit({
      type: 'job.started', job: job.id, vms: job.vms.length, mode: this.#mode, bundle: { name: bundle.name, version: bundle.version },
      onGuestProcessingFailure: job.onGuestProcessingFailure, concurrency: { perServer: this.#settings.perServer, total: this.#settings.total },
    });
    const onAbort = (): void => this.#slots.close();
    if (signal.aborted) this.#slots.close();
    else signal.addEventListener('abort', onAbort, { once: true });
    const serverIndex = new Map(estate.servers.map((server, index) => [server.id, index]));
    try {
      this.#plan.decisions.forEach((decision, position) => {
        if (decision.status === 'not-required') {
          this.#finish(position, { vm: decision.vm, status: 'skipped', server: null, method: null, failedOver: false });
          emit({ type: 'deployment.skipped', job: job.id, vm: decision.vm, reason: 'not-required' });
          return;
        }
        const server = decision.proxy === null ? -1 : (serverIndex.get(decision.proxy) ?? -1);
        if (server < 0) {
          const rules = (decision.reasons ?? []).map((reason) => reason.rule).join(', ');
          this.#fail(position, null, 'select', { code: ErrorCode.NotAssigned, message: rules === '' ? NOT_ASSIGNED : `${NOT_ASSIGNED} (${rules})` }, false);
          return;
        }
        if (this.#settings.unreached.positions.has(position)) {
          this.#fail(position, decision.proxy, 'connect', this.#noConnector(position, server), false, null, true);
          return;
        }
        this.#queueDeploy(position, server, false);
      });
      await this.#slots.idle();
      // Cancelled means: cancelled before every deployment ended (Ctrl-C during cleanup does not make a run cancelled).
      this.#cancelled = signal.aborted;
      // The embedding product's own work between deployment and cleanup: when it fails, cleanup still runs,
      // the run's last events are still emitted, and then its error is the run's.
      let productFailure: { readonly error: unknown } | undefined;
      try {
        if (!signal.aborted) await this.#settings.beforeCleanup?.();
      } catch (error) {
        productFailure = { error };
      }
      const cleanup = await this.#cleanUp();
      const result = this.#complete(started, cleanup);
      if (productFailure !== undefined) throw productFailure.error;
      return result;
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
  }

  #target(position: number): GuestTarget {
    const known = this.#targets[position];
    if (known !== undefined) return known;
    const target = this.#makeTarget(position);
    this.#targets[position] = target;
    return target;
  }

  #makeTarget(position: number): GuestTarget {
    const { estate } = this.#session;
    const vm = estate.vm(this.#plan.decisions[position]?.vm ?? '');
    const credentials = estate.credentialsOf(vm.id);
    return {
      vm: vm.id,
      host: vm.host,
      platform: estate.host(vm.host).platform,
      family: vm.guest.family,
      addresses: vm.addresses,
      account: credentials.account,
      ...(credentials.kind === 'standard' && credentials.secret !== undefined ? { secret: credentials.secret } : {}),
      ...(vm.sshPort === undefined ? {} : { sshPort: vm.sshPort }),
    };
  }

  /** Methods the server may use for the VM that a registered connector reaches, in the order they are tried; none when it is not eligible. */
  #methods(position: number, server: number): readonly ConnectionMethod[] {
    const target = this.#target(position);
    return this.#settings.reach.reachable(target.platform, target.family, plannedMethods(this.#session, target.vm, server));
  }

  /** Why a planned VM is not deployed: no registered connector reaches it by its proxy's methods. */
  #noConnector(position: number, server: number): ErrorSummary {
    const target = this.#target(position);
    const lines = plannedMethods(this.#session, target.vm, server).map((method) => {
      const problem = this.#settings.reach.problem(target.platform, method, target.family) ?? 'no-connector';
      return describeUnreached({ platform: target.platform, method, family: target.family, problem, vms: [target.vm] }, this.#settings.reach);
    });
    return { code: ErrorCode.RunNoConnector, message: `no registered connector reaches ${target.vm} from ${this.#serverId(server)}: ${lines.join('; ')}` };
  }

  #queueDeploy(position: number, server: number, failover: boolean, from = server): void {
    const vm = this.#plan.decisions[position]?.vm ?? '';
    this.#slots.submit(
      server,
      {
        // A bug below must still end the VM with its one terminal event.
        start: () =>
          this.#deploy(position, server, failover).catch((error: unknown) => {
            if (this.#outcomes[position] !== undefined) return;
            this.#fail(position, this.#serverId(server), 'connect', { code: ErrorCode.DeployFailed, message: `internal error: ${summariseError(error, this.#settings.secrets.redactorFor(this.#target(position).secret)).message}` }, failover);
          }),
        cancel: () => {
          const cause = { code: ErrorCode.RunCancelled, message: `the run was cancelled before ${vm} started${failover ? ' on the backup server' : ''}` };
          if (failover) this.#settings.emit({ type: 'failover.failed', job: this.#session.estate.job.id, vm, server: this.#serverId(server), cause });
          // A failover cancelled while it waited counts against the proxy: the backup server never touched the VM.
          this.#fail(position, this.#serverId(from), 'queue', cause, failover);
        },
      },
      failover,
    );
  }

  async #deploy(position: number, server: number, failover: boolean): Promise<void> {
    const { emit, signal, bundle, runId, timeouts } = this.#settings;
    const job = this.#session.estate.job.id;
    const vm = this.#plan.decisions[position]?.vm ?? '';
    const serverId = this.#serverId(server);
    const methods = this.#methods(position, server);
    emit({ type: 'deployment.started', job, vm, server: serverId, role: failover ? 'backup-server' : 'proxy', load: this.load[server] ?? 0 });
    const target = this.#target(position);
    const redact = this.#settings.secrets.redactorFor(target.secret);
    const task: GuestTask = { kind: 'deploy', runId, server: serverId, target, methods, mode: this.#mode, bundle: { name: bundle.name, version: bundle.version }, timeouts };
    let outcome: TaskOutcome;
    try {
      outcome = methods.length === 0
        ? { status: 'unreachable', failures: [{ server: serverId, method: 'none', cause: { code: ErrorCode.RunMisconfigured, message: `${serverId} has no connection method to ${vm}` } }] }
        : await this.#signals.with(
            server,
            (taskSignal) => this.#settings.dispatcher.dispatch(task, { signal: taskSignal, report: (report) => this.#onReport(vm, serverId, redactReport(report, redact)) }),
            (): TaskOutcome => ({ status: 'failed', method: methods[0] ?? 'none', step: 'connect', cause: { code: ErrorCode.RunCancelled, message: `the run was cancelled; ${serverId} did not stop its work on ${vm} within ${ABANDON_AFTER_MS / 1000} s` } }),
          );
    } catch (error) {
      const cause = summariseError(error, redact);
      outcome = { status: 'failed', method: methods[0] ?? 'none', step: 'connect', cause: { code: ErrorCode.DeployFailed, message: `the dispatcher failed: ${cause.message}` } };
    }
    outcome = redactOutcome(outcome, redact);
    if (outcome.status === 'succeeded' && this.#mode === 'non-persistent' && outcome.deployment === undefined) {
      outcome = { status: 'failed', method: outcome.method, step: 'health', cause: { code: ErrorCode.DeployFailed, message: `the agent reported success for ${vm} without a deployment to remove later` } };
    }
    if (outcome.status === 'succeeded') {
      const deployment = outcome.deployment;
      this.#stale += deployment?.stale ?? 0;
      if (this.#mode === 'non-persistent' && deployment !== undefined) {
        this.#leftovers.push({ position, server, methods: workedFirst(outcome.method, methods), location: deployment.location });
      } else this.#kept++;
      if (failover) emit({ type: 'failover.succeeded', job, vm, server: serverId, method: outcome.method });
      emit({
        type: 'deployment.succeeded', job, vm, server: serverId, method: outcome.method, mode: this.#mode,
        location: deployment?.location ?? '', version: deployment?.version ?? bundle.version, reused: deployment?.reused ?? false, failedOver: failover,
      });
      this.#finish(position, { vm, status: 'succeeded', server: serverId, method: outcome.method, failedOver: failover });
      return;
    }
    if (outcome.status === 'failed') {
      if (outcome.location !== undefined && this.#mode === 'non-persistent') {
        this.#leftovers.push({ position, server, methods: workedFirst(outcome.method, methods), location: outcome.location });
      }
      const cause = isCancellation(outcome.cause, signal) ? { code: ErrorCode.RunCancelled, message: `the run was cancelled: ${outcome.cause.message}` } : outcome.cause;
      if (failover) emit({ type: 'failover.failed', job, vm, server: serverId, cause });
      this.#fail(position, serverId, outcome.step === 'remove' ? 'connect' : outcome.step, cause, failover, outcome.method);
      return;
    }
    // Unreachable: no method connected.
    const cause = outcome.failures.at(-1)?.cause ?? { code: ErrorCode.ConnectorFailed, message: `${serverId} could not connect to ${vm}` };
    if (isCancellation(cause, signal)) {
      const cancelled = { code: ErrorCode.RunCancelled, message: 'the run was cancelled' };
      if (failover) emit({ type: 'failover.failed', job, vm, server: serverId, cause: cancelled });
      this.#fail(position, serverId, 'connect', cancelled, failover);
      return;
    }
    if (failover) {
      emit({ type: 'failover.failed', job, vm, server: serverId, cause });
      this.#fail(position, serverId, 'connect', cause, true);
      return;
    }
    const backup = this.#session.estate.backupServer;
    if (server === backup || this.#methods(position, backup).length === 0) {
      const allowed = server === backup ? 0 : plannedMethods(this.#session, vm, backup).length;
      const why = server === backup
        ? ''
        : allowed === 0
          ? `; no failover: the backup server ${this.#serverId(backup)} has no connection method to ${vm}`
          : `; no failover: no registered connector reaches ${vm} from the backup server ${this.#serverId(backup)} by the methods it may use`;
      this.#fail(position, serverId, 'connect', { ...cause, message: `${cause.message}${why}` }, false);
      return;
    }
    emit({ type: 'failover.started', job, vm, from: serverId, to: this.#serverId(backup), cause });
    this.#queueDeploy(position, backup, true, server);
  }

  #onReport(vm: string, server: string, report: TaskReport): void {
    const { emit } = this.#settings;
    const job = this.#session.estate.job.id;
    switch (report.kind) {
      case 'step':
        emit({ type: 'deployment.step', job, vm, server, method: report.method, step: report.step });
        return;
      case 'connection-failed':
        emit({ type: 'connection.failed', job, vm, server, method: report.failure.method, cause: report.failure.cause, reconnect: false });
        return;
      case 'reconnecting':
        emit({ type: 'connection.failed', job, vm, server, method: report.method, cause: report.cause, reconnect: true });
        return;
      case 'notice': {
        const { endpoint, algorithm, fingerprint, knownHostsFile } = report.notice;
        emit({ type: 'connection.host-key-trusted', job, vm, server, endpoint, algorithm, fingerprint, ...(knownHostsFile === undefined ? {} : { knownHostsFile }) });
      }
    }
  }

  /** Ends a VM as failed: the job's onGuestProcessingFailure decides what that means (a cancelled run always fails it). */
  #fail(
    position: number, server: string | null, step: DeploymentStep | 'select' | 'queue', cause: ErrorSummary, failedOver: boolean,
    method: ConnectionMethod | null = null, alwaysFailed = false,
  ): void {
    const job = this.#session.estate.job;
    const vm = this.#plan.decisions[position]?.vm ?? '';
    const cancelled = cause.code === ErrorCode.RunCancelled;
    // A cancelled run, and a VM no connector reaches, always fail it: neither is a guest's failure.
    const outcome = !cancelled && !alwaysFailed && job.onGuestProcessingFailure === 'continue-crash-consistent' ? 'crash-consistent' : 'failed';
    this.#settings.emit({ type: 'deployment.failed', job: job.id, vm, server, step, outcome, cause });
    this.#finish(position, { vm, status: outcome, server, method, failedOver, cause });
  }

  #finish(position: number, outcome: VmRunOutcome): void {
    this.#outcomes[position] = outcome;
  }

  /** Removes every non-persistent deployment, whole or partial, on the server that made it; every failure is reported. */
  async #cleanUp(): Promise<{ removed: number; kept: number; stale: number; failures: CleanupFailure[] }> {
    const started = this.#settings.now();
    const { emit, cleanupSignal, runId, timeouts } = this.#settings;
    const slots = new TaskSlots(this.#session.estate.servers.length, this.#settings.perServer, this.#settings.total, this.load);
    const cleanupSignals = new TaskSignals(cleanupSignal);
    const stop = (): void => slots.close();
    cleanupSignal.addEventListener('abort', stop, { once: true });
    const failures: CleanupFailure[] = [];
    let removed = 0;
    for (const leftover of this.#leftovers) {
      const vm = this.#plan.decisions[leftover.position]?.vm ?? '';
      const server = this.#serverId(leftover.server);
      const fail = (cause: ErrorSummary): void => void failures.push({ vm, server, location: leftover.location, cause });
      slots.submit(leftover.server, {
        start: async () => {
          const target = this.#target(leftover.position);
          const redact = this.#settings.secrets.redactorFor(target.secret);
          const task: GuestTask = { kind: 'remove', runId, server, target, methods: leftover.methods, location: leftover.location, timeouts };
          try {
            const outcome = redactOutcome(
              await cleanupSignals.with(
                leftover.server,
                (taskSignal) => this.#settings.dispatcher.dispatch(task, { signal: taskSignal, report: () => undefined }),
                (): TaskOutcome => ({ status: 'failed', method: leftover.methods[0] ?? 'none', step: 'remove', cause: { code: ErrorCode.RunCancelled, message: `cleanup was stopped; ${server} did not stop its work within ${ABANDON_AFTER_MS / 1000} s` } }),
              ),
              redact,
            );
            if (outcome.status === 'succeeded') removed++;
            else if (outcome.status === 'failed') fail(outcome.cause);
            else fail(outcome.failures.at(-1)?.cause ?? { code: ErrorCode.ConnectorFailed, message: `${server} could not connect to ${vm}` });
          } catch (error) {
            fail({ code: ErrorCode.DeployFailed, message: `the dispatcher failed: ${summariseError(error, redact).message}` });
          }
        },
        cancel: () => fail({ code: ErrorCode.RunCancelled, message: 'cleanup was cancelled' }),
      });
    }
    if (cleanupSignal.aborted) slots.close();
    await slots.idle();
    cleanupSignal.removeEventListener('abort', stop);
    failures.sort((a, b) => a.vm.localeCompare(b.vm));
    emit({ type: 'cleanup.completed', job: this.#session.estate.job.id, removed, failures, kept: this.#kept, stale: this.#stale, durationMs: round(this.#settings.now() - started) });
    return { removed, kept: this.#kept, stale: this.#stale, failures };
  }

  #complete(started: number, cleanup: RunResult['cleanup']): RunResult {
    const { estate } = this.#session;
    const counts = newCounts();
    const perServerCounts = new Map<string, RunCounts & Record<string, number>>();
    const vms = this.#outcomes.map((outcome, position) => outcome ?? { vm: this.#plan.decisions[position]?.vm ?? '', status: 'failed' as const, server: null, method: null, failedOver: false });
    for (const outcome of vms) {
      count(counts, outcome);
      if (outcome.server === null) continue;
      let own = perServerCounts.get(outcome.server);
      if (own === undefined) perServerCounts.set(outcome.server, (own = newCounts()));
      count(own, outcome);
    }
    // Null prototype: a server id such as `__proto__` is an own key like any other.
    const perServer = Object.create(null) as Record<string, RunCounts>;
    for (const server of estate.servers) {
      const own = perServerCounts.get(server.id);
      if (own !== undefined) perServer[server.id] = own;
    }
    const cancelled = this.#cancelled;
    const accepted = !cancelled && counts.failed === 0 && cleanup.failures.length === 0;
    const durationMs = round(this.#settings.now() - started);
    this.#settings.emit({ type: 'job.completed', job: estate.job.id, counts, perServer, durationMs, cancelled, accepted });
    return { runId: this.#settings.runId, job: estate.job.id, plan: this.#plan, vms, counts, perServer, cleanup, durationMs, cancelled, accepted };
  }

  #serverId(server: number): string {
    return this.#session.estate.servers[server]?.id ?? '';
  }
}

/** Cleanup reconnects with the method that worked, then the others. */
function workedFirst(worked: ConnectionMethod, methods: readonly ConnectionMethod[]): ConnectionMethod[] {
  return [worked, ...methods.filter((method) => method !== worked)];
}

function newCounts(): RunCounts & Record<string, number> {
  return { succeeded: 0, failedOver: 0, failed: 0, crashConsistent: 0, skipped: 0 };
}

function count(counts: Record<string, number>, outcome: VmRunOutcome): void {
  const key = outcome.status === 'crash-consistent' ? 'crashConsistent' : outcome.status;
  counts[key] = (counts[key] ?? 0) + 1;
  if (outcome.status === 'succeeded' && outcome.failedOver) counts.failedOver = (counts.failedOver ?? 0) + 1;
}

function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}
