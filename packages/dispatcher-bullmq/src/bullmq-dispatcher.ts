import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import {
  ErrorCode, GipkitError, silentLogger,
  type ComponentBundle, type DispatchOptions, type Dispatcher, type ErrorSummary, type GuestTask, type Logger, type TaskOutcome, type TaskReport,
} from '@gipkit/plugin-api';
import { listAgents, type LiveAgent } from './agent-directory.js';
import { DEFAULT_MAX_BUNDLE_BYTES, packBundle, type PackedBundle } from './bundle-transfer.js';
import { describeConnection, type QueueConnection } from './queue-connection.js';
import { bounded, createRedis, whenReady } from './redis-client.js';
import { AGENT_ID, QueueKeys } from './queue-keys.js';
import { ShapeProblem } from './message-shape.js';
import { readReportEntry, type TaskMessage } from './task-message.js';

export interface BullmqDispatcherOptions {
  readonly connection: QueueConnection;
  /** An agent whose heartbeat is older than this is not live: its servers' tasks fail over (default 15 s). */
  readonly agentTimeoutMs?: number;
  /** How often the run beats and the agent directory is read (default 1 s). */
  readonly heartbeatMs?: number;
  /** Redis unreachable this long ends every waiting task with GIPKIT_QUEUE_UNAVAILABLE (default 30 s). */
  readonly queueTimeoutMs?: number;
  /** The largest bundle published to agents (default 64 MiB). */
  readonly maxBundleBytes?: number;
}

export interface RunContext {
  readonly runId: string;
  readonly bundle: ComponentBundle;
  readonly logger?: Logger;
}

export const DEFAULT_AGENT_TIMEOUT_MS = 15_000;
export const DEFAULT_HEARTBEAT_MS = 1_000;
export const DEFAULT_QUEUE_TIMEOUT_MS = 30_000;
/** A published bundle outlives the last run that refreshed it by this long. */
const BUNDLE_TTL_MS = 10 * 60 * 1000;
/** A run's report stream outlives its coordinator's last beat by this long. */
const REPORTS_TTL_MS = 10 * 60 * 1000;

/** One dispatch: a VM's task, until its outcome, across the queue attempts it takes (another agent taking over). */
interface Dispatch {
  readonly report: (report: TaskReport) => void;
  readonly signal: AbortSignal;
  /** Ends the dispatch with its outcome (once). */
  readonly resolve: (outcome: TaskOutcome) => void;
  /** The task id on the queue now. */
  current: string;
}

/** One task handed to an agent, until its outcome arrives. */
interface Pending {
  readonly task: GuestTask;
  readonly queue: Queue;
  readonly dispatch: Dispatch;
  /** The agent that took it, once it said so. */
  agent?: string;
  location?: string;
}

/**
 * The coordinator's side of agents on the proxies: each task goes to its
 * server's BullMQ queue, that server's agents perform it and write their
 * steps and outcome to the run's report stream, read here in order. A server
 * with no live agent gets no task: it is unreachable ("no agent for SERVER"),
 * so the run fails over to the backup server exactly as when a proxy cannot
 * connect. Per-server limits are the agents' (`serverLimits: 'agents'`).
 */
export class BullmqDispatcher implements Dispatcher {
  readonly serverLimits = 'agents' as const;
  readonly #keys: QueueKeys;
  readonly #connection: QueueConnection;
  readonly #run: RunContext;
  readonly #logger: Logger;
  readonly #agentTimeoutMs: number;
  readonly #heartbeatMs: number;
  readonly #queueTimeoutMs: number;
  readonly #maxBundleBytes: number;
  readonly #queues = new Map<string, Queue>();
  readonly #pending = new Map<string, Pending>();
  /** Server id → its live agents, from the last directory read. */
  #live = new Map<string, LiveAgent[]>();
  #client: Redis | undefined;
  #reader: Redis | undefined;
  #bundle: PackedBundle | undefined;
  #sequence = 0;
  #timer: NodeJS.Timeout | undefined;
  #reading: Promise<void> | undefined;
  #closed = false;
  /** When the beat in flight was sent (performance.now), or undefined once it was answered. */
  #beatSentAt: number | undefined;
  /** When the last heartbeat tick ran (performance.now). */
  #lastTickAt: number | undefined;
  #ticking = false;
  /** Since when Redis has not answered (performance.now), or undefined while it does. */
  #unreachableSince: number | undefined;
  /** Set once Redis stayed unreachable past the limit: every task fails with it. */
  #broken: ErrorSummary | undefined;

  constructor(run: RunContext, options: BullmqDispatcherOptions) {
    this.#run = run;
    this.#connection = options.connection;
    this.#keys = new QueueKeys(options.connection.prefix ?? 'gipkit');
    this.#logger = (run.logger ?? silentLogger).child({ component: 'dispatcher-bullmq' });
    this.#agentTimeoutMs = options.agentTimeoutMs ?? DEFAULT_AGENT_TIMEOUT_MS;
    this.#heartbeatMs = options.heartbeatMs ?? DEFAULT_HEARTBEAT_MS;
    this.#queueTimeoutMs = options.queueTimeoutMs ?? DEFAULT_QUEUE_TIMEOUT_MS;
    this.#maxBundleBytes = options.maxBundleBytes ?? DEFAULT_MAX_BUNDLE_BYTES;
  }

  /** Connects, publishes the bundle once for the run, starts the run's heartbeat and the report reader. */
  async open(): Promise<void> {
    const client = createRedis(this.#connection, `gipkit-coordinator-${this.#run.runId}`);
    const reader = client.duplicate({ connectionName: `gipkit-coordinator-reports-${this.#run.runId}` });
    this.#client = client;
    this.#reader = reader;
    for (const redis of [client, reader]) {
      redis.on('error', (error: Error) => this.#logger.debug('redis connection error', { error: error.message }));
      redis.on('ready', () => void (this.#unreachableSince = undefined));
      redis.on('close', () => void (this.#unreachableSince ??= performance.now()));
    }
    try {
      try {
        await Promise.all([whenReady(client, this.#queueTimeoutMs), whenReady(reader, this.#queueTimeoutMs)]);
      } catch (error) {
        throw new QueueUnavailableError(`the queue at ${describeConnection(this.#connection)} cannot be reached: ${messageOf(error)}`);
      }
      this.#bundle = await packBundle(this.#run.bundle, this.#maxBundleBytes, new AbortController().signal);
      await this.#withinQueueTimeout(this.#publish(), 'publishing the bundle');
      // The run's beat before its first task: agents drop tasks of runs that do not beat.
      await this.#withinQueueTimeout(this.#beatRun(), 'starting the run\'s heartbeat');
      await this.#withinQueueTimeout(this.#refresh(), 'reading the agent directory');
    } catch (error) {
      await this.close();
      throw error;
    }
    this.#timer = setInterval(() => void this.#tick(), this.#heartbeatMs);
    this.#reading = this.#readReports();
  }

  async dispatch(task: GuestTask, options: DispatchOptions): Promise<TaskOutcome> {
    const client = this.#client;
    if (client === undefined) throw new Error('the bullmq dispatcher was not opened');
    if (this.#broken !== undefined) return failed(task, this.#broken);
    if (!this.#hasLiveAgent(task.server)) return noAgent(task);
    const queue = this.#queueOf(task.server);
    return new Promise<TaskOutcome>((resolve) => {
      const onAbort = (): void => void this.#cancel(dispatch.current);
      const dispatch: Dispatch = {
        report: options.report,
        signal: options.signal,
        current: '',
        resolve: (outcome) => {
          options.signal.removeEventListener('abort', onAbort);
          resolve(outcome);
        },
      };
      options.signal.addEventListener('abort', onAbort, { once: true });
      this.#enqueue(task, queue, dispatch);
    });
  }

  /** Puts one attempt of a dispatch on its server's queue, under a new task id. */
  #enqueue(task: GuestTask, queue: Queue, dispatch: Dispatch): void {
    const taskId = `${this.#run.runId}.${++this.#sequence}`;
    const message: TaskMessage = {
      v: 1,
      taskId,
      task,
      ...(task.kind === 'deploy' && this.#bundle !== undefined ? { bundle: { digest: this.#bundle.digest, size: this.#bundle.bytes.byteLength } } : {}),
    };
    dispatch.current = taskId;
    this.#pending.set(taskId, { task, queue, dispatch });
    queue.add(task.kind, message, { jobId: taskId, lifo: task.kind === 'deploy' && task.failedOver === true, removeOnComplete: true, removeOnFail: true, attempts: 1 })
      .then(() => {
        if (dispatch.signal.aborted) void this.#cancel(taskId);
      })
      .catch((error: unknown) => this.#settle(taskId, failed(task, { code: ErrorCode.QueueUnavailable, message: `could not queue the task for ${task.server}: ${messageOf(error)}` })));
  }

  /** The outcome of one task id: its dispatch ends with it (a task id settles once). */
  #settle(taskId: string, outcome: TaskOutcome): void {
    const pending = this.#pending.get(taskId);
    if (pending === undefined) return;
    this.#pending.delete(taskId);
    pending.dispatch.resolve(outcome);
  }

  /** Ends the run's presence in Redis: its heartbeat and report stream go; its tasks still queued are removed. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#timer);
    if (this.#broken === undefined) await bounded(Promise.all([...this.#pending].map(([taskId, pending]) => pending.queue.remove(taskId).catch(() => 0))));
    for (const [taskId, pending] of [...this.#pending]) {
      this.#settle(taskId, failed(pending.task, { code: ErrorCode.RunCancelled, message: 'the run ended before the task did' }));
    }
    const client = this.#client;
    const reachable = client !== undefined && client.status === 'ready' && this.#broken === undefined;
    if (reachable) {
      // Agents forget what they deployed for the run: its cleanup ran. (A coordinator that dies never says so: its beat stops.)
      await bounded(client.publish(this.#keys.cancellations, JSON.stringify({ runId: this.#run.runId, ended: true })).catch(() => 0));
      await bounded(client.del(this.#keys.runBeat(this.#run.runId), this.#keys.runReports(this.#run.runId)).catch(() => 0));
    }
    // Never waits for a Redis that is gone: what it holds expires there.
    await bounded(Promise.all([...this.#queues.values()].map((queue) => queue.close().catch(() => undefined))));
    this.#reader?.disconnect();
    await bounded(this.#reading?.catch(() => undefined) ?? Promise.resolve());
    if (client !== undefined) {
      if (reachable) await bounded(client.quit().catch(() => undefined));
      client.disconnect();
    }
  }

  #queueOf(server: string): Queue {
    let queue = this.#queues.get(server);
    if (queue === undefined) {
      // BullMQ's own event stream per queue stays short: gipkit reads its run's report stream, not these.
      queue = new Queue(this.#keys.queueOf(server), { connection: this.#client as Redis, prefix: this.#keys.prefix, skipVersionCheck: true, streams: { events: { maxLen: 100 } } });
      queue.on('error', (error: Error) => this.#logger.debug('queue error', { server, error: error.message }));
      this.#queues.set(server, queue);
    }
    return queue;
  }

  #hasLiveAgent(server: string): boolean {
    return (this.#live.get(server)?.length ?? 0) > 0;
  }

  /** The live agents of every server, by their last heartbeat in Redis time. */
  async #refresh(): Promise<void> {
    const client = this.#client;
    if (client === undefined) return;
    const { agents } = await listAgents(client, this.#keys);
    const live = new Map<string, LiveAgent[]>();
    for (const agent of agents) {
      if (agent.silentMs > this.#agentTimeoutMs) continue;
      for (const server of agent.servers) {
        const list = live.get(server);
        if (list === undefined) live.set(server, [agent]);
        else list.push(agent);
      }
    }
    this.#live = live;
  }

  /** Every heartbeat: the run's own beat, the bundle's expiry, the agent directory, and tasks whose agents went away. */
  async #tick(): Promise<void> {
    const client = this.#client;
    if (client === undefined || this.#closed) return;
    // Redis unreachable is judged on every beat, even while the last beat's calls still wait for it: a connection
    // that closed, or one that stays open with no answer (packets dropped on the way: nothing ever closes it).
    // Not judged on a beat that comes late (this process was busy or stopped: replies may be read but not handled).
    const now = performance.now();
    const late = this.#lastTickAt !== undefined && now - this.#lastTickAt > 2 * this.#heartbeatMs;
    this.#lastTickAt = now;
    const silentSince = this.#unreachableSince ?? this.#beatSentAt;
    if (!late && silentSince !== undefined && now - silentSince > this.#queueTimeoutMs) {
      this.#breakDown();
      return;
    }
    if (client.status !== 'ready' || this.#ticking) return;
    this.#ticking = true;
    try {
      // Only the beat's own call is timed: the sweep may take many round trips on a healthy Redis.
      this.#beatSentAt = now;
      await this.#beatRun();
      this.#beatSentAt = undefined;
      await this.#refresh();
      await this.#sweep();
    } catch (error) {
      this.#beatSentAt = undefined;
      this.#logger.debug('heartbeat failed', { error: messageOf(error) });
    } finally {
      this.#ticking = false;
    }
  }

  /**
   * Tasks still waiting whose server has no live agent any more are taken
   * back (a task an agent holds is locked: `remove` leaves it); tasks whose
   * agent stopped beating end as that agent's failure.
   */
  async #sweep(): Promise<void> {
    for (const [taskId, pending] of [...this.#pending]) {
      const { task } = pending;
      if (pending.agent === undefined) {
        if (this.#hasLiveAgent(task.server)) continue;
        if (await pending.queue.remove(taskId) === 1) this.#settle(taskId, noAgent(task));
        continue;
      }
      const holder = pending.agent;
      const others = (this.#live.get(task.server) ?? []).filter((agent) => agent.agent !== holder);
      if (others.length < (this.#live.get(task.server) ?? []).length) continue;
      this.#pending.delete(taskId);
      const method = task.methods[0] ?? 'none';
      const stopped = `agent ${holder} of ${task.server} stopped while it held the task (no heartbeat for ${this.#agentTimeoutMs} ms)`;
      if (others.length > 0) {
        // Taken over by another agent of the server, into the folder the first one began (so one deployment, one cleanup).
        pending.dispatch.report({ kind: 'reconnecting', method, cause: { code: ErrorCode.AgentUnavailable, message: `${stopped}; another agent of ${task.server} takes it over` } });
        const again: GuestTask = task.kind === 'deploy' && pending.location !== undefined ? { ...task, location: pending.location } : task;
        this.#enqueue(again, pending.queue, pending.dispatch);
        continue;
      }
      // No agent of the server is left: the proxy could not do it, so the run fails over; the partial folder is removed at job end.
      const failure = { server: task.server, method, cause: { code: ErrorCode.AgentUnavailable, message: stopped } };
      pending.dispatch.resolve(task.kind === 'deploy'
        ? { status: 'unreachable', failures: [failure], ...(pending.location === undefined ? {} : { location: pending.location }) }
        : { status: 'unreachable', failures: [failure] });
    }
  }

  async #beatRun(): Promise<void> {
    const client = this.#client;
    if (client === undefined) return;
    const multi = client.multi()
      .set(this.#keys.runBeat(this.#run.runId), '1', 'PX', Math.max(this.#agentTimeoutMs, 3 * this.#heartbeatMs))
      // A coordinator that dies leaves its report stream behind: it expires.
      .pexpire(this.#keys.runReports(this.#run.runId), REPORTS_TTL_MS);
    if (this.#bundle !== undefined) multi.pexpire(this.#keys.bundle(this.#bundle.digest), BUNDLE_TTL_MS);
    await multi.exec();
  }

  /** Redis stayed unreachable past the limit: every waiting task ends, and every later one fails at once. */
  #breakDown(): void {
    if (this.#broken !== undefined) return;
    const seconds = Math.round(this.#queueTimeoutMs / 1000);
    this.#broken = { code: ErrorCode.QueueUnavailable, message: `the queue at ${describeConnection(this.#connection)} was unreachable for more than ${seconds} s` };
    this.#logger.error('queue unreachable: giving up', { queue: describeConnection(this.#connection), afterMs: this.#queueTimeoutMs });
    for (const [taskId, pending] of [...this.#pending]) this.#settle(taskId, failed(pending.task, this.#broken));
  }

  async #cancel(taskId: string): Promise<void> {
    const pending = this.#pending.get(taskId);
    const client = this.#client;
    if (pending === undefined || client === undefined) return;
    try {
      await client.publish(this.#keys.cancellations, JSON.stringify({ runId: this.#run.runId, taskId }));
      // Still waiting: nobody runs it, so it ends here.
      if (await pending.queue.remove(taskId) === 1) this.#settle(taskId, failed(pending.task, { code: ErrorCode.RunCancelled, message: 'the run was cancelled' }));
    } catch (error) {
      this.#logger.debug('cancel failed', { taskId, error: messageOf(error) });
    }
  }

  async #publish(): Promise<void> {
    const client = this.#client;
    const bundle = this.#bundle;
    if (client === undefined || bundle === undefined) return;
    // Written every run, never trusted because a key of that name exists: agents check the digest anyway.
    await client.set(this.#keys.bundle(bundle.digest), bundle.bytes, 'PX', BUNDLE_TTL_MS);
  }

  async #readReports(): Promise<void> {
    const reader = this.#reader;
    if (reader === undefined) return;
    const stream = this.#keys.runReports(this.#run.runId);
    let last = '0-0';
    while (!this.#closed) {
      let reply: [string, [string, string[]][]][] | null;
      try {
        reply = await reader.xread('COUNT', 1000, 'BLOCK', this.#heartbeatMs, 'STREAMS', stream, last) as typeof reply;
      } catch (error) {
        if (this.#closed) return;
        this.#logger.debug('reading reports failed', { error: messageOf(error) });
        await new Promise((resolve) => setTimeout(resolve, this.#heartbeatMs));
        continue;
      }
      for (const [, entries] of reply ?? []) {
        for (const [id, fields] of entries) {
          last = id;
          this.#onEntry(fields);
        }
      }
      if (reply !== null && !this.#closed) await this.#client?.xtrim(stream, 'MINID', last).catch(() => 0);
    }
  }

  /** One report stream entry: checked against the task it names and the agent that holds it; anything else is logged and dropped. */
  #onEntry(fields: readonly string[]): void {
    const field = (name: string): string | undefined => {
      for (let index = 0; index + 1 < fields.length; index += 2) if (fields[index] === name) return fields[index + 1];
      return undefined;
    };
    const taskId = field('t') ?? '';
    const agent = field('a') ?? '';
    const kind = field('k') ?? '';
    const pending = this.#pending.get(taskId);
    if (pending === undefined || !AGENT_ID.test(agent)) {
      this.#logger.debug('report for no task of this run', { taskId, agent });
      return;
    }
    if (pending.agent !== undefined && pending.agent !== agent) {
      this.#logger.warn('report from an agent that does not hold the task: dropped', { taskId, agent, holder: pending.agent });
      return;
    }
    let entry;
    try {
      entry = readReportEntry(kind, kind === 'accepted' ? undefined : JSON.parse(field('b') ?? 'null'));
    } catch (error) {
      const reason = error instanceof ShapeProblem || error instanceof SyntaxError ? error.message : 'unreadable';
      this.#logger.warn('unreadable report: dropped', { taskId, agent, kind, reason });
      if (kind === 'outcome') this.#settle(taskId, failed(pending.task, { code: ErrorCode.AgentRejected, message: `agent ${agent} sent an outcome that cannot be read: ${reason}` }));
      return;
    }
    // The first agent heard from holds the task (its `accepted` is written first, but a write can fail alone).
    pending.agent ??= agent;
    switch (entry.kind) {
      case 'accepted':
        return;
      case 'located':
        pending.location = entry.location;
        return;
      case 'report':
        pending.dispatch.report({ ...entry.report, agent });
        return;
      case 'reports':
        for (const report of entry.reports) pending.dispatch.report({ ...report, agent });
        return;
      case 'rejected':
        this.#settle(taskId, failed(pending.task, { code: ErrorCode.AgentRejected, message: `agent ${agent} rejected the task: ${entry.reason}` }));
        return;
      case 'outcome':
        this.#settle(taskId, { ...entry.outcome, agent });
    }
  }

  #withinQueueTimeout<T>(work: Promise<T>, doing: string): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const limit = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => reject(new QueueUnavailableError(`${doing}: the queue at ${describeConnection(this.#connection)} did not answer within ${Math.round(this.#queueTimeoutMs / 1000)} s`)), this.#queueTimeoutMs);
    });
    return Promise.race([work, limit]).finally(() => clearTimeout(timer));
  }
}

/** Redis could not be reached when the run started. */
export class QueueUnavailableError extends GipkitError {
  constructor(message: string) {
    super(ErrorCode.QueueUnavailable, message);
  }
}


function noAgent(task: GuestTask): TaskOutcome {
  return { status: 'unreachable', failures: [{ server: task.server, method: task.methods[0] ?? 'none', cause: { code: ErrorCode.AgentUnavailable, message: `no agent for ${task.server}` } }] };
}

function failed(task: GuestTask, cause: ErrorSummary): TaskOutcome {
  return task.kind === 'deploy'
    ? { status: 'failed', method: task.methods[0] ?? 'none', step: 'connect', cause }
    : { status: 'failed', method: task.methods[0] ?? 'none', step: 'remove', cause, location: task.location };
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
