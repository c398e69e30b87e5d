import {
  ErrorCode,
  type ComponentBundle, type ConnectionMethod, type DeploymentMode, type DeploymentStep, type Dispatcher, type ErrorSummary,
  type Decision, type GuestTarget, type GuestTask, type Plan, type RunCounts, type StepTimeouts, type TaskOutcome, type TaskReport, type CleanupFailure,
} from '@gipkit/plugin-api';
import type { EventDraft } from '../event-draft.js';
import type { EstateIndex } from '../planner/estate-index.js';
import { afterOutcome, type AttemptRole, type FailoverChoice } from './after-outcome.js';
import { removeLeftovers, type Leftover } from './clean-up.js';
import { describeUnreached, type ConnectorReach, type UnreachedVms } from './connector-reach.js';
import { TaskDispatch } from './dispatch-task.js';
import { summariseError } from './error-summary.js';
import type { RunSecrets } from './run-secrets.js';
import { summariseRun, type VmRunOutcome } from './run-summary.js';
import { TaskSignals } from './task-signals.js';
import { ServerLoads } from './server-loads.js';
import { TaskSlots } from './task-slots.js';

export type { VmRunOutcome } from './run-summary.js';

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

/** One server's attempt at a VM: the proxy the plan chose, or the backup server after the proxy could not connect. */
interface Attempt {
  readonly position: number;
  readonly vm: string;
  readonly server: number;
  readonly role: AttemptRole;
  /** The VM's planned proxy: a failover cancelled before it started counts against it. */
  readonly proxy: number;
  /** What the plan decided for the VM: its methods, and its failover. */
  readonly decision: Decision;
}

/** How a VM ended as failed (or crash-consistent): who tried last, where, and why. */
interface Failure {
  readonly server: string | null;
  readonly step: DeploymentStep | 'select' | 'queue';
  readonly cause: ErrorSummary;
  readonly failedOver: boolean;
  readonly method?: ConnectionMethod | null;
  /** Fails the VM whatever the job's onGuestProcessingFailure says (no connector reaches it: not the guest's failure). */
  readonly notTheGuest?: boolean;
  /** The remote agent that made the attempt. */
  readonly agent?: string;
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
  readonly load: ServerLoads;
  readonly #estate: EstateIndex;
  readonly #plan: Plan;
  readonly #settings: RunSettings;
  readonly #slots: TaskSlots;
  readonly #dispatch: TaskDispatch;
  readonly #outcomes: (VmRunOutcome | undefined)[];
  readonly #leftovers: Leftover[] = [];
  /** Built once per VM: the deployment, a failover and the cleanup share it. */
  readonly #targets: (GuestTarget | undefined)[] = [];
  readonly #mode: DeploymentMode;
  /** Tasks at once on one server: the run's limit, or the total when the dispatcher's agents limit their servers. */
  readonly #perServer: number;
  #kept = 0;
  #stale = 0;
  #cancelled = false;

  /** Runs the plan as it is: the methods and failover of each decision; the estate gives the VMs' addresses and credentials. */
  constructor(plan: Plan, estate: EstateIndex, settings: RunSettings) {
    this.#estate = estate;
    this.#plan = plan;
    this.#settings = settings;
    this.load = new ServerLoads(estate.servers.length);
    // Agents that limit their own servers' tasks: the run limits only the total.
    this.#perServer = settings.dispatcher.serverLimits === 'agents' ? settings.total : settings.perServer;
    this.#slots = new TaskSlots(this.#perServer, settings.total, this.load);
    this.#dispatch = new TaskDispatch(settings.dispatcher, new TaskSignals(settings.signal));
    this.#outcomes = new Array<VmRunOutcome | undefined>(plan.decisions.length);
    this.#mode = estate.job.runtimeComponents;
  }

  async run(): Promise<RunResult> {
    const started = this.#settings.now();
    const estate = this.#estate;
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
        const vm = decision.vm;
        if (decision.status === 'not-required') {
          this.#outcomes[position] = { vm, status: 'skipped', server: null, method: null, failedOver: false };
          emit({ type: 'deployment.skipped', job: job.id, vm, reason: 'not-required' });
          return;
        }
        const server = decision.proxy === null ? undefined : serverIndex.get(decision.proxy);
        if (server === undefined) {
          const rules = (decision.reasons ?? []).map((reason) => reason.rule).join(', ');
          const cause = { code: ErrorCode.NotAssigned, message: rules === '' ? NOT_ASSIGNED : `${NOT_ASSIGNED} (${rules})` };
          this.#fail(position, vm, { server: null, step: 'select', cause, failedOver: false });
          return;
        }
        if (this.#settings.unreached.positions.has(position)) {
          this.#fail(position, vm, { server: decision.proxy, step: 'connect', cause: this.#noConnector(position, server), failedOver: false, notTheGuest: true });
          return;
        }
        this.#queueDeploy({ position, vm, server, role: 'proxy', proxy: server, decision });
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

  #target(position: number, vm: string): GuestTarget {
    const known = this.#targets[position];
    if (known !== undefined) return known;
    const target = this.#makeTarget(vm);
    this.#targets[position] = target;
    return target;
  }

  #makeTarget(id: string): GuestTarget {
    const estate = this.#estate;
    const vm = estate.vm(id);
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

  /** The planned methods of an attempt that a registered connector reaches, in the order they are tried. */
  #methods(target: GuestTarget, planned: readonly ConnectionMethod[]): readonly ConnectionMethod[] {
    return this.#settings.reach.reachable(target.platform, target.family, planned);
  }

  /** Why a planned VM is not deployed: no registered connector reaches it by its proxy's methods. */
  #noConnector(position: number, server: number): ErrorSummary {
    const decision = this.#decisionAt(position);
    const target = this.#target(position, decision.vm);
    const lines = decision.methods.map((method) => {
      const problem = this.#settings.reach.problem(target.platform, method, target.family) ?? 'no-connector';
      return describeUnreached({ platform: target.platform, method, family: target.family, problem, vms: [target.vm] }, this.#settings.reach);
    });
    return { code: ErrorCode.RunNoConnector, message: `no registered connector reaches ${target.vm} from ${this.#serverId(server)}: ${lines.join('; ')}` };
  }

  /** Whether the plan's failover can take a VM over from a proxy that could not connect, or why not. */
  #failoverFor(target: GuestTarget, attempt: Attempt): FailoverChoice {
    const backup = this.#estate.backupServer;
    if (attempt.role === 'backup-server' || attempt.server === backup) return { none: '' };
    const failover = attempt.decision.failover;
    if (failover === null) return { none: `; no failover: the backup server ${this.#serverId(backup)} has no connection method to ${target.vm}` };
    if (this.#methods(target, failover.methods).length > 0) return { to: failover.server };
    return { none: `; no failover: no registered connector reaches ${target.vm} from the backup server ${failover.server} by the methods it may use` };
  }

  /** The methods the plan gives an attempt: the proxy's, or its failover's. */
  #plannedMethods(attempt: Attempt): readonly ConnectionMethod[] {
    const { decision, role } = attempt;
    return role === 'backup-server' ? (decision.failover?.methods ?? []) : decision.methods;
  }

  #queueDeploy(attempt: Attempt): void {
    const { position, vm, server, role } = attempt;
    const failedOver = role === 'backup-server';
    this.#slots.submit(
      server,
      {
        // A bug below must still end the VM with its one terminal event.
        start: () =>
          this.#deploy(attempt).catch((error: unknown) => {
            if (this.#outcomes[position] !== undefined) return;
            const redact = this.#settings.secrets.redactorFor(this.#target(position, vm).secret);
            this.#fail(position, vm, { server: this.#serverId(server), step: 'connect', cause: { code: ErrorCode.DeployFailed, message: `internal error: ${summariseError(error, redact).message}` }, failedOver });
          }),
        cancel: () => {
          const cause = { code: ErrorCode.RunCancelled, message: `the run was cancelled before ${vm} started${failedOver ? ' on the backup server' : ''}` };
          if (failedOver) this.#settings.emit({ type: 'failover.failed', job: this.#estate.job.id, vm, server: this.#serverId(server), cause });
          // A failover cancelled while it waited counts against the proxy: the backup server never touched the VM.
          this.#fail(position, vm, { server: this.#serverId(attempt.proxy), step: 'queue', cause, failedOver });
        },
      },
      failedOver ? 'front' : 'back',
    );
  }

  async #deploy(attempt: Attempt): Promise<void> {
    const { position, vm, server, role } = attempt;
    const { emit, signal, bundle, runId, timeouts } = this.#settings;
    const job = this.#estate.job.id;
    const serverId = this.#serverId(server);
    const target = this.#target(position, vm);
    const methods = this.#methods(target, this.#plannedMethods(attempt));
    emit({ type: 'deployment.started', job, vm, server: serverId, role, load: this.load.at(server) });
    const task: GuestTask = {
      kind: 'deploy', runId, server: serverId, target, methods, mode: this.#mode, bundle: { name: bundle.name, version: bundle.version }, timeouts,
      ...(role === 'backup-server' ? { failedOver: true } : {}),
    };
    const outcome: TaskOutcome = methods.length === 0
      ? { status: 'unreachable', failures: [{ server: serverId, method: 'none', cause: { code: ErrorCode.RunMisconfigured, message: `${serverId} has no connection method to ${vm}` } }] }
      : await this.#dispatch.run(task, server, this.#settings.secrets.redactorFor(target.secret), (report) => this.#onReport(vm, serverId, report));
    const after = afterOutcome(outcome, {
      job, vm, server: serverId, role, mode: this.#mode, bundleVersion: bundle.version, cancelled: signal.aborted,
      failover: () => this.#failoverFor(target, attempt),
    });
    if (after.leftover !== undefined) {
      // When this server can no longer reach the guest at job end (its agent is gone), the backup server removes it.
      const failover = role === 'proxy' && server !== this.#estate.backupServer ? attempt.decision.failover : null;
      const fallbackMethods = failover === null ? [] : this.#methods(target, failover.methods);
      this.#leftovers.push({
        target, server, serverId, methods: workedFirst(after.leftover.method, methods), location: after.leftover.location,
        ...(failover === null || fallbackMethods.length === 0 ? {} : { fallback: { server: this.#estate.backupServer, serverId: failover.server, methods: fallbackMethods } }),
      });
    }
    if (after.kept) this.#kept++;
    this.#stale += after.stale;
    for (const event of after.events) emit(event);
    const next = after.next;
    switch (next.kind) {
      case 'succeeded':
        this.#outcomes[position] = { vm, status: 'succeeded', server: serverId, method: next.method, failedOver: role === 'backup-server' };
        return;
      case 'failed':
        this.#fail(position, vm, { server: serverId, step: next.step, cause: next.cause, failedOver: role === 'backup-server', method: next.method, ...(next.agent === undefined ? {} : { agent: next.agent }) });
        return;
      case 'fail-over':
        this.#queueDeploy({ ...attempt, server: this.#estate.backupServer, role: 'backup-server' });
    }
  }

  #onReport(vm: string, server: string, report: TaskReport): void {
    const { emit } = this.#settings;
    const job = this.#estate.job.id;
    const by = report.agent === undefined ? {} : { agent: report.agent };
    switch (report.kind) {
      case 'step':
        emit({ type: 'deployment.step', job, vm, server, method: report.method, step: report.step, ...by });
        return;
      case 'connection-failed':
        emit({ type: 'connection.failed', job, vm, server, method: report.failure.method, cause: report.failure.cause, reconnect: false, ...by });
        return;
      case 'reconnecting':
        emit({ type: 'connection.failed', job, vm, server, method: report.method, cause: report.cause, reconnect: true, ...by });
        return;
      case 'notice': {
        const { endpoint, algorithm, fingerprint, knownHostsFile } = report.notice;
        emit({ type: 'connection.host-key-trusted', job, vm, server, endpoint, algorithm, fingerprint, ...(knownHostsFile === undefined ? {} : { knownHostsFile }), ...by });
      }
    }
  }

  /** Ends a VM as failed: the job's onGuestProcessingFailure decides what that means (a cancelled run always fails it). */
  #fail(position: number, vm: string, failure: Failure): void {
    const job = this.#estate.job;
    const { server, step, cause, failedOver } = failure;
    const cancelled = cause.code === ErrorCode.RunCancelled;
    // A cancelled run, and a VM no connector reaches, always fail it: neither is a guest's failure.
    const outcome = !cancelled && failure.notTheGuest !== true && job.onGuestProcessingFailure === 'continue-crash-consistent' ? 'crash-consistent' : 'failed';
    this.#settings.emit({ type: 'deployment.failed', job: job.id, vm, server, step, outcome, cause, ...(failure.agent === undefined ? {} : { agent: failure.agent }) });
    this.#outcomes[position] = { vm, status: outcome, server, method: failure.method ?? null, failedOver, cause };
  }

  /** Removes every non-persistent deployment, whole or partial, on the server that made it; every failure is reported. */
  async #cleanUp(): Promise<RunResult['cleanup']> {
    const started = this.#settings.now();
    const { emit, cleanupSignal, runId, timeouts, dispatcher, total, secrets } = this.#settings;
    const { removed, failures } = await removeLeftovers(this.#leftovers, {
      runId, dispatcher, timeouts, perServer: this.#perServer, total, load: this.load, signal: cleanupSignal,
      redactorFor: (target) => secrets.redactorFor(target.secret),
    });
    emit({ type: 'cleanup.completed', job: this.#estate.job.id, removed, failures, kept: this.#kept, stale: this.#stale, durationMs: round(this.#settings.now() - started) });
    return { removed, kept: this.#kept, stale: this.#stale, failures };
  }

  #complete(started: number, cleanup: RunResult['cleanup']): RunResult {
    const estate = this.#estate;
    // A VM that never ended (a bug) is counted as failed rather than lost.
    const vms = this.#outcomes.map((outcome, position) => outcome ?? { vm: this.#vmAt(position), status: 'failed' as const, server: null, method: null, failedOver: false });
    const { counts, perServer } = summariseRun(vms, estate.servers);
    const cancelled = this.#cancelled;
    const accepted = !cancelled && counts.failed === 0 && cleanup.failures.length === 0;
    const durationMs = round(this.#settings.now() - started);
    this.#settings.emit({ type: 'job.completed', job: estate.job.id, counts, perServer, durationMs, cancelled, accepted });
    return { runId: this.#settings.runId, job: estate.job.id, plan: this.#plan, vms, counts, perServer, cleanup, durationMs, cancelled, accepted };
  }

  #vmAt(position: number): string {
    return this.#decisionAt(position).vm;
  }

  #decisionAt(position: number): Decision {
    const decision = this.#plan.decisions[position];
    if (decision === undefined) throw new RangeError(`no decision at ${position}`);
    return decision;
  }

  #serverId(server: number): string {
    const found = this.#estate.servers[server];
    if (found === undefined) throw new RangeError(`no server at ${server}`);
    return found.id;
  }
}

/** Cleanup reconnects with the method that worked, then the others. */
function workedFirst(worked: ConnectionMethod, methods: readonly ConnectionMethod[]): ConnectionMethod[] {
  return [worked, ...methods.filter((method) => method !== worked)];
}

function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}
