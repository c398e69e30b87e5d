import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { silentLogger, type ComponentBundle, type GuestAgent, type GuestTask, type Logger, type TaskOutcome, type TaskReport } from '@gipkit/plugin-api';
import { beat, leave, type AgentRegistration } from './agent-directory.js';
import { BundleCache, DEFAULT_MAX_BUNDLE_BYTES, unpackBundle } from './bundle-transfer.js';
import { DEFAULT_HEARTBEAT_MS } from './bullmq-dispatcher.js';
import { ShapeProblem } from './message-shape.js';
import { describeConnection, type QueueConnection } from './queue-connection.js';
import { bounded, createRedis, whenReady } from './redis-client.js';
import { AGENT_ID, QueueKeys, TASK_ID } from './queue-keys.js';
import { ReportWriter } from './report-writer.js';
import { MAX_REPORTS_PER_ENTRY, readTaskMessage, type ReportEntry, type TaskMessage } from './task-message.js';

export interface QueueAgentOptions {
  readonly connection: QueueConnection;
  /** The servers (inventory ids) this agent works for: it consumes their queues. */
  readonly servers: readonly string[];
  /** Builds the agent that performs tasks with this machine's connectors and deployers, for one bundle. */
  readonly performer: (bundle: ComponentBundle) => GuestAgent;
  /** What this machine's connectors reach, as `platform/method`: told to the coordinator. */
  readonly methods: readonly string[];
  /** The gipkit version, for the registration. */
  readonly version: string;
  /** Tasks at once per server (default 4). */
  readonly concurrency?: number;
  /** A folder for bundles by digest (default: kept in memory only). */
  readonly bundleCache?: string;
  /** The largest bundle this agent accepts (default 64 MiB). */
  readonly maxBundleBytes?: number;
  /** How often the agent beats (default 1 s). */
  readonly heartbeatMs?: number;
  /** Default: the host name and random digits. */
  readonly agentId?: string;
  readonly logger?: Logger;
}

/** A task running here. */
interface Running {
  readonly runId: string;
  readonly server: string;
  readonly controller: AbortController;
  /** The guest work is over (its reports may still be on their way to Redis). */
  performed: boolean;
}

/**
 * A non-persistent deployment this agent made for a run, until the run's cleanup removes it (or this agent
 * does): kept as the removal itself (what it needs, not the whole deploy task), by VM and location.
 */
type Removal = Extract<GuestTask, { kind: 'remove' }>;
const deployedKey = (vm: string, location: string): string => `${vm}\n${location}`;

/** As the coordinator sets it: a run's report stream outlives its last write by this long. */
const REPORTS_TTL_MS = 10 * 60 * 1000;
/** How long the answer "this run beats" is trusted before Redis is asked again. */
const LIVE_RUN_CACHE_MS = 1_000;
/** A dead run is remembered this long (its late tasks dropped, nothing written for it), then forgotten. */
const GONE_RUN_MEMORY_MS = 60 * 60 * 1000;
/** A task's reports wait at most this long to be written together (the events of a step come at most this late). */
const REPORT_HOLD_MS = 20;
/** A stopping agent whose own tasks are done gives the queue this long to take their results, then lets go. */
const STOP_GRACE_MS = 5_000;

/** What a removal is performed with when no bundle was fetched yet: removing needs a location, not files. */
const EMPTY_BUNDLE: ComponentBundle = Object.freeze({ name: 'removal', version: '0', files: [], start: {}, health: {} });

/**
 * The agent on a proxy: consumes the queues of the servers it serves (one
 * BullMQ worker each), checks every message before acting on it, fetches the
 * run's bundle by digest, performs the task with this machine's connectors
 * and deployers, and writes its steps and outcome to the run's report stream.
 * It beats into the agent directory with what it runs, so that the
 * coordinator knows it is live and how loaded it is.
 */
export class QueueAgent {
  readonly id: string;
  readonly #options: QueueAgentOptions;
  readonly #keys: QueueKeys;
  readonly #logger: Logger;
  readonly #maxBundleBytes: number;
  readonly #cache: BundleCache | undefined;
  readonly #bundles = new Map<string, { readonly bundle: ComponentBundle; readonly performer: GuestAgent }>();
  readonly #running = new Map<string, Running>();
  /** Run id → the deployments made for it here that its cleanup has not removed yet. */
  readonly #deployed = new Map<string, Map<string, Removal>>();
  /** Runs whose coordinator stopped beating: nothing more is written for them, and their work here is undone. */
  readonly #gone = new Map<string, number>();
  /** Run id → when it was last seen beating (performance.now) and whether it was: read at most once a heartbeat per run. */
  readonly #liveRuns = new Map<string, { readonly at: number; readonly live: Promise<boolean> }>();
  readonly #workers: Worker[] = [];
  #client: Redis | undefined;
  #reports: ReportWriter | undefined;
  #subscriber: Redis | undefined;
  #timer: NodeJS.Timeout | undefined;
  #stopping: Promise<void> | undefined;
  #ticking = false;
  /** Aborted by `stop`: a start still waiting for the queue gives up. */
  readonly #starting = new AbortController();

  constructor(options: QueueAgentOptions) {
    if (options.servers.length === 0) throw new TypeError('an agent needs at least one server to serve');
    const concurrency = options.concurrency ?? 4;
    if (!Number.isInteger(concurrency) || concurrency < 1) throw new TypeError(`concurrency must be a whole number of at least 1 (found ${String(concurrency)})`);
    this.id = options.agentId ?? `${hostname().replace(/[^A-Za-z0-9._-]/g, '-').slice(0, 64)}-${randomBytes(4).toString('hex')}`;
    if (!AGENT_ID.test(this.id)) throw new TypeError(`agent id ${JSON.stringify(this.id)} must be 1 to 128 letters, digits, '.', '_' or '-'`);
    this.#options = { ...options, concurrency };
    this.#keys = new QueueKeys(options.connection.prefix ?? 'gipkit');
    this.#logger = (options.logger ?? silentLogger).child({ component: 'agent', agent: this.id });
    this.#maxBundleBytes = options.maxBundleBytes ?? DEFAULT_MAX_BUNDLE_BYTES;
    this.#cache = options.bundleCache === undefined ? undefined : new BundleCache(options.bundleCache);
  }

  /** Connects, registers, and starts consuming; resolves once it is registered. */
  async start(): Promise<void> {
    const client = createRedis(this.#options.connection, `gipkit-agent-${this.id}`);
    const subscriber = client.duplicate({ connectionName: `gipkit-agent-cancel-${this.id}` });
    this.#client = client;
    this.#reports = new ReportWriter(client, REPORTS_TTL_MS);
    this.#subscriber = subscriber;
    for (const redis of [client, subscriber]) redis.on('error', (error: Error) => this.#logger.debug('redis connection error', { error: error.message }));
    // An agent waits for its queue as long as it takes (it is a service): each failed attempt is logged.
    let told = false;
    const retrying = (error: Error): void => {
      if (!told) this.#logger.warn('waiting for the queue', { queue: describeConnection(this.#options.connection), error: error.message });
      told = true;
    };
    await Promise.all([whenReady(client, undefined, retrying, this.#starting.signal), whenReady(subscriber, undefined, undefined, this.#starting.signal)]);
    subscriber.on('message', (_channel: string, message: string) => this.#onCancel(message));
    await subscriber.subscribe(this.#keys.cancellations);
    await this.#beat();
    for (const server of new Set(this.#options.servers)) {
      const worker = new Worker(this.#keys.queueOf(server), (job, _token, signal) => this.#process(server, job, signal), {
        connection: client,
        prefix: this.#keys.prefix,
        concurrency: this.#options.concurrency ?? 4,
        // A task is never run twice: one that stalls (its agent died) is failed, and the coordinator decides what next.
        maxStalledCount: 0,
        removeOnComplete: { count: 0 },
        removeOnFail: { count: 0 },
        drainDelay: 1,
        skipVersionCheck: true,
      });
      worker.on('error', (error: Error) => this.#logger.debug('worker error', { server, error: error.message }));
      this.#workers.push(worker);
    }
    this.#timer = setInterval(() => void this.#tick(), this.#options.heartbeatMs ?? DEFAULT_HEARTBEAT_MS);
    this.#logger.info('agent started', { servers: this.#options.servers, queue: describeConnection(this.#options.connection) });
  }

  /** Tasks running now, per server. */
  running(): ReadonlyMap<string, number> {
    const counts = new Map<string, number>();
    for (const task of this.#running.values()) counts.set(task.server, (counts.get(task.server) ?? 0) + 1);
    return counts;
  }

  /** Stops taking work, lets what it holds finish, leaves the directory, disconnects. */
  stop(): Promise<void> {
    this.#stopping ??= (async () => {
      this.#starting.abort();
      // The workers take no more tasks and wait for those they hold. A queue that does not answer (cut off: its
      // connection hangs) must not hold the agent for ever: once its own tasks are done, it waits a grace, then goes.
      const closing = Promise.all(this.#workers.map((worker) => worker.close().catch(() => undefined))).then(() => true);
      const grace = (async (): Promise<boolean> => {
        await this.#guestWorkDone(() => true);
        await new Promise((resolve) => setTimeout(resolve, STOP_GRACE_MS).unref());
        return false;
      })();
      const answered = await Promise.race([closing, grace]);
      if (!answered) {
        this.#logger.warn('the queue did not answer while stopping: leaving without its answer', { queue: describeConnection(this.#options.connection) });
        // The workers' close is under way and waits on the queue: their blocking connections are cut instead (the
        // shared one below), so that nothing keeps the process alive.
        await bounded(Promise.all(this.#workers.map((worker) => worker.backend.disconnectBlocking(false).catch(() => undefined))), 1_000);
      }
      clearInterval(this.#timer);
      const client = this.#client;
      if (client !== undefined) {
        // Leaves the directory when Redis answers; never waits on one that is gone (the directory forgets silent agents).
        if (answered && client.status === 'ready') {
          await bounded(leave(client, this.#keys, this.id).catch(() => undefined));
          await bounded(client.quit().catch(() => undefined));
        }
        client.disconnect();
      }
      this.#subscriber?.disconnect();
      this.#logger.info('agent stopped');
    })();
    return this.#stopping;
  }

  async #tick(): Promise<void> {
    // One beat at a time: while Redis is away its calls wait for the reconnect, and beats must not pile up.
    if (this.#ticking || this.#client?.status !== 'ready') return;
    this.#ticking = true;
    try {
      await this.#beat();
      await this.#checkRuns();
    } catch (error) {
      this.#logger.debug('heartbeat failed', { error: error instanceof Error ? error.message : String(error) });
    } finally {
      this.#ticking = false;
    }
  }

  /**
   * Runs this agent works for whose coordinator stopped beating (killed, or
   * cut off): their running tasks are aborted, and every non-persistent
   * deployment made here for them is removed, since no cleanup will come.
   */
  async #checkRuns(): Promise<void> {
    const client = this.#client;
    if (client === undefined || this.#stopping !== undefined) return;
    const heartbeatMs = this.#options.heartbeatMs ?? DEFAULT_HEARTBEAT_MS;
    for (const [runId, known] of this.#liveRuns) if (performance.now() - known.at > 10 * heartbeatMs) this.#liveRuns.delete(runId);
    for (const [runId, at] of this.#gone) if (performance.now() - at > GONE_RUN_MEMORY_MS) this.#gone.delete(runId);
    const runs = new Set<string>([...this.#deployed.keys()]);
    for (const running of this.#running.values()) runs.add(running.runId);
    for (const runId of runs) {
      if (this.#gone.has(runId)) continue;
      this.#liveRuns.delete(runId);
      if (await this.#isLive(runId)) continue;
      this.#gone.set(runId, performance.now());
      this.#logger.warn('the run stopped beating: undoing its work here', { run: runId });
      for (const running of this.#running.values()) if (running.runId === runId) running.controller.abort();
      void this.#undo(runId);
    }
  }

  /**
   * Resolves once the guest work of every running task that `which` picks is over: the work, not the writes of its
   * results, which wait for a queue that may never answer. A task's deployment is remembered by then.
   */
  async #guestWorkDone(which: (running: Running) => boolean): Promise<void> {
    while ([...this.#running.values()].some((running) => which(running) && !running.performed)) await new Promise((resolve) => setTimeout(resolve, 50));
  }

  /** Removes what this agent deployed for a run that ended without its cleanup. */
  async #undo(runId: string): Promise<void> {
    // Tasks still running finish first (aborted): their partial deployments join the list.
    await this.#guestWorkDone((running) => running.runId === runId);
    const deployed = [...(this.#deployed.get(runId)?.values() ?? [])];
    this.#deployed.delete(runId);
    let removed = 0;
    for (const removal of deployed) {
      const performer = this.#bundles.values().next().value?.performer ?? this.#options.performer(EMPTY_BUNDLE);
      const outcome = await performer.perform(removal, { signal: new AbortController().signal, report: () => undefined }).catch(() => undefined);
      if (outcome?.status === 'succeeded') removed++;
      else this.#logger.error('could not remove a deployment of a run that stopped', { run: runId, vm: removal.target.vm, location: removal.location });
    }
    this.#logger.info('removed the deployments of a run that stopped', { run: runId, removed, of: deployed.length });
    // Nobody reads the run's reports any more (this agent writes none now): its stream goes rather than waiting to
    // expire. Last, and not waited for: removing from the guests needs no Redis.
    void bounded(this.#client?.del(this.#keys.runReports(runId)).catch(() => 0) ?? Promise.resolve());
  }

  /** What a finished task leaves for the run's cleanup (or for this agent, if the run goes away). */
  #remember(task: GuestTask, outcome: TaskOutcome): void {
    if (task.kind === 'remove') {
      if (outcome.status !== 'succeeded') return;
      const made = this.#deployed.get(task.runId);
      made?.delete(deployedKey(task.target.vm, task.location));
      if (made?.size === 0) this.#deployed.delete(task.runId);
      return;
    }
    if (task.mode !== 'non-persistent') return;
    const location = outcome.status === 'succeeded' ? outcome.deployment?.location : outcome.status === 'failed' ? outcome.location : undefined;
    if (location === undefined || outcome.status === 'unreachable') return;
    let made = this.#deployed.get(task.runId);
    if (made === undefined) this.#deployed.set(task.runId, (made = new Map()));
    const method = outcome.method;
    made.set(deployedKey(task.target.vm, location), {
      kind: 'remove', runId: task.runId, server: task.server, target: task.target, methods: [method, ...task.methods.filter((other) => other !== method)], location, timeouts: task.timeouts,
    });
  }

  async #beat(): Promise<void> {
    const client = this.#client;
    if (client === undefined) return;
    const registration: AgentRegistration = {
      agent: this.id,
      servers: this.#options.servers,
      version: this.#options.version,
      hostname: hostname(),
      pid: process.pid,
      concurrency: this.#options.concurrency ?? 4,
      methods: this.#options.methods,
      running: [...this.running()],
    };
    await beat(client, this.#keys, registration);
  }

  async #process(server: string, job: Job, signal: AbortSignal | undefined): Promise<unknown> {
    const client = this.#client;
    if (client === undefined) return undefined;
    const jobId = job.id ?? '';
    // Where to answer: the run the job id names (a forged job without one gets no answer, and nothing runs).
    const runId = TASK_ID.test(jobId) ? jobId.slice(0, jobId.indexOf('.')) : undefined;
    // Nothing is written for a run that stopped beating: its report stream would outlive it.
    const write = (entry: ReportEntry): Promise<unknown> => runId === undefined || this.#gone.has(runId) ? Promise.resolve() : this.#write(runId, jobId, entry);
    let message: TaskMessage;
    try {
      message = readTaskMessage(job.data);
      if (message.taskId !== jobId) throw new ShapeProblem('message.taskId is not the job id');
      if (message.task.server !== server) throw new ShapeProblem(`the task is for ${JSON.stringify(message.task.server)}, but came on the queue of ${server}`);
      if (!this.#options.servers.includes(message.task.server)) throw new ShapeProblem(`this agent does not serve ${message.task.server}`);
    } catch (error) {
      const reason = error instanceof ShapeProblem ? error.message : 'the message cannot be read';
      this.#logger.warn('task rejected', { job: jobId, server, reason });
      await write({ kind: 'rejected', reason });
      return { rejected: reason };
    }
    const { task } = message;
    // A run whose coordinator is gone: nothing will read the outcome, so nothing starts.
    if (!await this.#isLive(task.runId)) {
      this.#logger.info('task of a run that ended: dropped', { job: jobId, run: task.runId });
      return { dropped: 'the run is not live' };
    }
    const controller = new AbortController();
    const abort = (): void => controller.abort();
    signal?.addEventListener('abort', abort, { once: true });
    const running: Running = { runId: task.runId, server, controller, performed: false };
    this.#running.set(jobId, running);
    let held: TaskReport[] = [];
    let holdTimer: NodeJS.Timeout | undefined;
    try {
      // Not waited for: the entries of one task go out on one connection, in the order they are written, so the
      // coordinator reads `accepted` first whatever comes next (and every entry still settles before the outcome).
      const writes: Promise<unknown>[] = [write({ kind: 'accepted' }).catch(() => undefined)];
      const release = (): void => {
        clearTimeout(holdTimer);
        holdTimer = undefined;
        if (held.length === 0) return;
        const reports = held;
        held = [];
        writes.push(write(reports.length === 1 ? { kind: 'report', report: reports[0] as TaskReport } : { kind: 'reports', reports }).catch(() => undefined));
      };
      let performer: GuestAgent;
      try {
        performer = await this.#performerFor(message);
      } catch (error) {
        const reason = error instanceof ShapeProblem ? error.message : `the bundle cannot be fetched: ${error instanceof Error ? error.message : String(error)}`;
        this.#logger.warn('task rejected', { job: jobId, server, reason });
        await write({ kind: 'rejected', reason });
        return { rejected: reason };
      }
      // Where a non-persistent deployment will live, told before anything is written there: if this agent dies
      // mid-task, whoever takes over deploys into (or removes) that folder.
      const location = performer.locate?.(task);
      const work: GuestTask = task.kind === 'deploy' && location !== undefined ? { ...task, location } : task;
      if (task.kind === 'deploy' && location !== undefined) await write({ kind: 'located', location });
      // Reports are held a moment (REPORT_HOLD_MS, or until MAX_REPORTS_PER_ENTRY) and written together, in the
      // order they were made (the writer keeps it: one connection, batches in order), all before the outcome.
      const report = (progress: TaskReport): void => {
        held.push(progress);
        if (held.length >= MAX_REPORTS_PER_ENTRY) release();
        else holdTimer ??= setTimeout(release, REPORT_HOLD_MS);
      };
      let outcome: TaskOutcome;
      try {
        outcome = await performer.perform(work, { signal: controller.signal, report });
        this.#remember(work, outcome);
      } finally {
        running.performed = true;
      }
      release();
      await Promise.all(writes);
      if (this.#gone.has(task.runId)) return { status: outcome.status, run: 'gone' };
      await write({ kind: 'outcome', outcome });
      return { status: outcome.status };
    } finally {
      clearTimeout(holdTimer);
      signal?.removeEventListener('abort', abort);
      this.#running.delete(jobId);
    }
  }

  #write(runId: string, taskId: string, entry: ReportEntry): Promise<unknown> {
    const body = entry.kind === 'accepted' ? '' : JSON.stringify(bodyOf(entry));
    return (this.#reports as ReportWriter).write(this.#keys.runReports(runId), ['t', taskId, 'a', this.id, 'k', entry.kind, 'b', body]);
  }

  /**
   * Whether a run's coordinator beats: read from Redis at most once per
   * heartbeat per run (tasks arriving together share one read). A run seen
   * beating a moment ago that has since stopped is caught by the next tick,
   * which aborts its tasks and undoes their work.
   */
  #isLive(runId: string): Promise<boolean> {
    if (this.#gone.has(runId)) return Promise.resolve(false);
    const now = performance.now();
    const known = this.#liveRuns.get(runId);
    // At most a second old, whatever the agent's own beat: a run that died must not keep starting tasks for long.
    if (known !== undefined && now - known.at < Math.min(this.#options.heartbeatMs ?? DEFAULT_HEARTBEAT_MS, LIVE_RUN_CACHE_MS)) return known.live;
    const live = (this.#client as Redis).exists(this.#keys.runBeat(runId)).then((count) => count === 1);
    this.#liveRuns.set(runId, { at: now, live });
    // A failed read is not remembered: the next task asks again.
    live.catch(() => this.#liveRuns.get(runId)?.live === live && this.#liveRuns.delete(runId));
    return live;
  }

  /** The performer for the message's bundle: from memory, this agent's cache, or Redis; its digest checked every time it is read. */
  async #performerFor(message: TaskMessage): Promise<GuestAgent> {
    const ref = message.bundle;
    if (ref === undefined) {
      // A removal needs no bundle's files: any performer removes by location.
      const known = this.#bundles.values().next().value;
      if (known !== undefined) return known.performer;
      return this.#options.performer(EMPTY_BUNDLE);
    }
    const known = this.#bundles.get(ref.digest);
    if (known !== undefined) return known.performer;
    if (ref.size > this.#maxBundleBytes) throw new ShapeProblem(`the bundle is ${ref.size} bytes, more than this agent's ${this.#maxBundleBytes}-byte limit`);
    const cached = await this.#cache?.read(ref.digest, this.#maxBundleBytes);
    const bytes = cached ?? await (this.#client as Redis).getBuffer(this.#keys.bundle(ref.digest));
    if (bytes === null) throw new ShapeProblem(`bundle ${ref.digest} is not published`);
    const bundle = unpackBundle(bytes, ref.digest, this.#maxBundleBytes);
    // The task names the bundle by name and version too: both must be the digest's.
    if (message.task.kind === 'deploy' && (bundle.name !== message.task.bundle.name || bundle.version !== message.task.bundle.version)) {
      throw new ShapeProblem(`bundle ${ref.digest} is ${bundle.name}@${bundle.version}, not the ${message.task.bundle.name}@${message.task.bundle.version} the task names`);
    }
    if (cached === undefined) await this.#cache?.write(ref.digest, bytes).catch((error: unknown) => this.#logger.warn('bundle cache not written', { error: String(error) }));
    const performer = this.#options.performer(bundle);
    this.#bundles.set(ref.digest, { bundle, performer });
    return performer;
  }

  #onCancel(text: string): void {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      return;
    }
    if (typeof parsed !== 'object' || parsed === null) return;
    const runId = Object.prototype.hasOwnProperty.call(parsed, 'runId') ? (parsed as { runId: unknown }).runId : undefined;
    const taskId = Object.prototype.hasOwnProperty.call(parsed, 'taskId') ? (parsed as { taskId: unknown }).taskId : undefined;
    if (typeof runId !== 'string') return;
    // The run ended with its own cleanup (which removed what it could, or was stopped by its user): nothing to undo here.
    if (Object.prototype.hasOwnProperty.call(parsed, 'ended') && (parsed as { ended: unknown }).ended === true) {
      this.#deployed.delete(runId);
      this.#liveRuns.delete(runId);
      return;
    }
    for (const [id, running] of this.#running) {
      if (running.runId === runId && (taskId === undefined || taskId === id)) running.controller.abort();
    }
  }
}

/** What a report entry carries in its `b` field (`accepted` carries nothing). */
function bodyOf(entry: Exclude<ReportEntry, { kind: 'accepted' }>): unknown {
  switch (entry.kind) {
    case 'report':
      return entry.report;
    case 'reports':
      return entry.reports;
    case 'outcome':
      return entry.outcome;
    case 'located':
      return { location: entry.location };
    case 'rejected':
      return { reason: entry.reason };
  }
}
