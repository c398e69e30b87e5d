import {
  ErrorCode,
  type ComponentBundle, type ConnectionFailure, type ConnectionMethod, type DeployContext, type DeploymentStep, type DispatchOptions,
  type ErrorSummary, type GuestAgent, type Logger, type GuestConnector, type GuestDeployer, type GuestSession, type GuestTask, type TaskOutcome,
} from '@gipkit/plugin-api';
import { summariseError } from './error-summary.js';
import type { RunSecrets } from './run-secrets.js';

type DeployTask = Extract<GuestTask, { kind: 'deploy' }>;
type RemoveTask = Extract<GuestTask, { kind: 'remove' }>;

/**
 * The agent that runs inside the embedding process: it performs a task with
 * the registered connectors and deployers. It never rejects for a guest's
 * failure; the outcome says what happened.
 */
export class InProcessAgent implements GuestAgent {
  readonly #connectors: ReadonlyMap<string, GuestConnector>;
  readonly #deployers: ReadonlyMap<string, GuestDeployer>;
  readonly #bundle: ComponentBundle;
  readonly #secrets: RunSecrets;
  readonly #logger: Logger;

  /** `secrets`: the run's secrets, read once before it starts, removed from every message. */
  constructor(connectors: readonly GuestConnector[], deployers: readonly GuestDeployer[], bundle: ComponentBundle, secrets: RunSecrets, logger: Logger) {
    this.#secrets = secrets;
    this.#logger = logger;
    this.#connectors = new Map(connectors.map((connector) => [`${connector.platform}/${connector.method}`, connector]));
    this.#deployers = new Map(deployers.map((deployer) => [deployer.family, deployer]));
    this.#bundle = bundle;
  }

  async perform(task: GuestTask, options: DispatchOptions): Promise<TaskOutcome> {
    return task.kind === 'deploy' ? this.#deploy(task, options) : this.#remove(task, options);
  }

  locate(task: GuestTask): string | undefined {
    if (task.kind !== 'deploy' || task.mode !== 'non-persistent') return undefined;
    return task.location ?? this.#deployers.get(task.target.family)?.locate(this.#bundle, task.mode, task.runId);
  }

  /** Tries each method in order; the first that connects carries the whole deployment (with one reconnect on a drop). */
  async #deploy(task: DeployTask, options: DispatchOptions): Promise<TaskOutcome> {
    const deployer = this.#deployers.get(task.target.family);
    if (deployer === undefined) return misconfigured(task, `no deployer is registered for ${task.target.family} guests`);
    if (task.bundle.name !== this.#bundle.name || task.bundle.version !== this.#bundle.version) {
      return misconfigured(task, `this agent carries bundle ${this.#bundle.name}@${this.#bundle.version}, not ${task.bundle.name}@${task.bundle.version}`);
    }
    // Non-persistent: a new, unpredictable folder for this task (docs/reference/deployment-contracts.md, rule 17), or the
    // one the task names (taken over from an agent that died: the deployer verifies the folder before using it).
    const location = task.mode === 'non-persistent' ? task.location ?? deployer.locate(this.#bundle, task.mode, task.runId) : undefined;
    const failures: ConnectionFailure[] = [];
    for (const method of task.methods) {
      const session = await this.#connect(task, method, options, failures, false);
      if (session === undefined) {
        // Nothing connected, so nothing was deployed: no location to clean up.
        if (options.signal.aborted) return cancelled(method, 'connect');
        continue;
      }
      return this.#deployThrough(task, deployer, session, options, location);
    }
    return { status: 'unreachable', failures };
  }

  async #deployThrough(task: DeployTask, deployer: GuestDeployer, first: GuestSession, options: DispatchOptions, location: string | undefined): Promise<TaskOutcome> {
    let session = first;
    let step: DeploymentStep = 'connect';
    // One location for the task: a reconnect deploys into the same folder, and cleanup removes that one.
    const context: DeployContext = {
      runId: task.runId,
      ...(location === undefined ? {} : { location }),
      signal: options.signal,
      timeouts: task.timeouts,
      step: (next) => {
        step = next;
        options.report({ kind: 'step', method: session.method, step: next });
      },
    };
    for (let attempt = 0; ; attempt++) {
      try {
        const deployment = await deployer.deploy(session, this.#bundle, task.mode, context);
        await session.close().catch(() => undefined);
        return { status: 'succeeded', method: session.method, deployment };
      } catch (error) {
        const cause = summariseError(error, this.#secrets.redactorFor(task.target.secret));
        const dropped = cause.code === ErrorCode.ConnectionDropped && !options.signal.aborted;
        this.#logger.warn('deployment step failed', { vm: task.target.vm, server: task.server, method: session.method, step, code: cause.code, error: cause.message, reconnect: dropped && attempt === 0 });
        await session.close().catch(() => undefined);
        if (!dropped || attempt > 0) return { status: 'failed', method: session.method, step, cause, ...(location === undefined ? {} : { location }) };
        options.report({ kind: 'reconnecting', method: session.method, cause });
        const failures: ConnectionFailure[] = [];
        const again = await this.#connect(task, session.method, options, failures, true);
        if (again === undefined) {
          const last = failures.at(-1)?.cause ?? cause;
          return { status: 'failed', method: session.method, step: 'connect', cause: last, ...(location === undefined ? {} : { location }) };
        }
        session = again;
        step = 'connect';
      }
    }
  }

  async #remove(task: RemoveTask, options: DispatchOptions): Promise<TaskOutcome> {
    const deployer = this.#deployers.get(task.target.family);
    if (deployer === undefined) return misconfigured(task, `no deployer is registered for ${task.target.family} guests`);
    const failures: ConnectionFailure[] = [];
    for (const method of task.methods) {
      const session = await this.#connect(task, method, options, failures, false);
      if (session === undefined) continue;
      try {
        await deployer.remove(session, task.location, { runId: task.runId, signal: options.signal, timeouts: task.timeouts, step: () => undefined });
        return { status: 'succeeded', method };
      } catch (error) {
        return { status: 'failed', method, step: 'remove', cause: summariseError(error, this.#secrets.redactorFor(task.target.secret)), location: task.location };
      } finally {
        await session.close().catch(() => undefined);
      }
    }
    return { status: 'unreachable', failures };
  }

  /** One connection attempt; a failure is recorded and reported, never thrown. */
  async #connect(task: GuestTask, method: ConnectionMethod, options: DispatchOptions, failures: ConnectionFailure[], reconnect: boolean): Promise<GuestSession | undefined> {
    const connector = this.#connectors.get(`${task.target.platform}/${method}`);
    const report = (cause: ErrorSummary): undefined => {
      const failure = { server: task.server, method, cause };
      this.#logger.warn('connection failed', { vm: task.target.vm, server: task.server, method, task: task.kind, code: cause.code, error: cause.message });
      failures.push(failure);
      if (task.kind === 'deploy') options.report({ kind: 'connection-failed', failure });
      return undefined;
    };
    if (connector === undefined) {
      return report({ code: ErrorCode.RunMisconfigured, message: `no connector is registered for ${task.target.platform}/${method}` });
    }
    if (task.kind === 'deploy') options.report({ kind: 'step', method, step: 'connect' });
    this.#logger.debug('connecting', { vm: task.target.vm, server: task.server, method, task: task.kind, addresses: task.target.addresses });
    try {
      return await connector.connect(
        { ...task.target, proxy: task.server, notify: (notice) => options.report({ kind: 'notice', notice }) },
        { timeoutMs: task.timeouts.connect, signal: options.signal },
      );
    } catch (error) {
      const cause = summariseError(error, this.#secrets.redactorFor(task.target.secret));
      return report(reconnect ? { ...cause, message: `reconnect failed: ${cause.message}` } : cause);
    }
  }
}

function misconfigured(task: GuestTask, message: string): TaskOutcome {
  const cause = { code: ErrorCode.RunMisconfigured, message };
  return { status: 'failed', method: task.methods[0] ?? 'none', step: task.kind === 'deploy' ? 'connect' : 'remove', cause };
}

function cancelled(method: ConnectionMethod, step: DeploymentStep): TaskOutcome {
  return { status: 'failed', method, step, cause: { code: ErrorCode.RunCancelled, message: 'the run was cancelled' } };
}
