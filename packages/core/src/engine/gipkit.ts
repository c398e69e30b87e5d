import { readFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import type { Observable } from 'rxjs';
import {
  builtInSecretResolver, CLOCK, CONNECTOR, createToken, DEPLOYER, ErrorCode, GipkitError, GUEST_AGENT, inject, isProvider, LOGGER, PluginError,
  packageFile, RUN_BUNDLE, RUN_ID, RUN_SIGNAL, RuleError, SECRET_RESOLVER, silentLogger,
  type Clock, type Diagnostic, type Dispatcher, type DispatcherDefinition, type DispatchOptions, type Explanation, type FactDefinition, type GipkitEvent,
  type ComponentBundle, type GuestAgent, type GuestConnector, type GuestDeployer, type GuestTask, type Logger, type OperatorDefinition, type OperatorFunction, type Plan,
  type Plugin, type RuleChanges, type RuleDocument, type RulePack, type RulesApplied, type EffectiveRules, type SecretResolver, type ServiceOverride, type TaskOutcome,
} from '@gipkit/plugin-api';
import { InProcessAgent } from '../run/in-process-agent.js';
import { RemoteTaskAgent } from '../run/remote-task-agent.js';
import { DEFAULT_PER_SERVER, DEFAULT_TIMEOUTS, DEFAULT_TOTAL, JobRun, type RunResult } from '../run/run-job.js';
import type { RunOptions } from '../run/run-options.js';
import { checkRunSetup } from '../run/check-run-setup.js';
import { ConnectorReach, findUnreachedVms, NoConnectorError } from '../run/connector-reach.js';
import { RunSecrets, secretsOfRun } from '../run/run-secrets.js';
import { ServiceContainer } from './container.js';
import { composeSecretResolvers } from './compose-secret-resolvers.js';
import { createPinoLogger, redactingLogger, type LogOptions } from './engine-logger.js';
import { EventBus } from './event-bus.js';
import { emptyRegistrations, setUpPlugins, type Registrations } from './plugin-host.js';
import { recordingResolver, SecretRedaction } from './secret-redaction.js';
import { loadInput, validateInput, type ValidInput } from '../input/load-input.js';
import { maxInputBytesOf } from '../input/read-input-file.js';
import { parseSourceText } from '../input/source-document.js';
import { assembleRules, packLocator, type LocatedChanges, type LocatedPack } from '../rules/assemble-rules.js';
import type { CompiledRule } from '../rules/compile-rule.js';
import { readRuleChanges } from '../rules/load-rule-changes.js';
import { DEFAULT_FACTS } from '../rules/default-facts.js';
import { BUILT_IN_OPERATORS, DEFAULT_OPERATORS } from '../rules/operators.js';
import { FactTable } from '../rules/fact-table.js';
import { RuleSet } from '../rules/rule-set.js';
import { EstateIndex } from '../planner/estate-index.js';
import { PlanningSession } from '../planner/planning-session.js';
import { planJob } from '../planner/plan-job.js';
import { effectiveRulesOf, madeFromOf } from '../plan-record/made-from.js';
import { loadPlanFile } from '../plan-record/load-plan.js';
import { explainVm } from '../planner/explain-vm.js';

export const DEFAULT_RULES_FILE = packageFile(import.meta.url, '@gipkit/core', 'rules/default.rules.json');
export const BUILT_IN_PLATFORMS = ['vmware', 'hyperv'] as const;

let defaultPack: LocatedPack | undefined;
/** The default rule pack, read once from `rules/default.rules.json`. */
export function defaultRulePack(): LocatedPack {
  if (defaultPack === undefined) {
    const document = parseSourceText(DEFAULT_RULES_FILE, readFileSync(DEFAULT_RULES_FILE, 'utf8'));
    defaultPack = { pack: document.data as RulePack, locate: document.at, place: document.place };
  }
  return defaultPack;
}

export interface GipkitOptions {
  readonly plugins?: readonly Plugin[];
  /** Organisation rules files (YAML or JSON): add, replace, disable rules by name. */
  readonly ruleFiles?: readonly string[];
  /** The same changes, in memory. Applied after the files. */
  readonly ruleChanges?: readonly RuleChanges[];
  /** Leave out the default rule pack (a plugin then brings every rule). */
  readonly defaultRules?: boolean;
  /** The clock (the same as `provide: [{ token: CLOCK, useValue: clock }]`). */
  readonly clock?: Clock;
  /**
   * Services by token, replacing the defaults and what plugins provide:
   * `[{ token: SECRET_RESOLVER, useValue: vault }]`, `[{ token: SSH_OPENER, useFactory: … }]`.
   */
  readonly provide?: readonly ServiceOverride[];
  /** Diagnostics as NDJSON lines (pino), to a file or standard error; absent: none (unless `LOGGER` is provided). */
  readonly log?: LogOptions;
  /**
   * Largest input file read (rules files here, inventory and job in
   * `loadInput`), in bytes; default `DEFAULT_MAX_INPUT_BYTES` (1 GiB).
   */
  readonly maxInputBytes?: number;
}

let lastMs = 0;
let lastIso = new Date(0).toISOString();
export const systemClock: Clock = {
  now: () => performance.now(),
  // Runs for every event: formatting a date costs more than the rest of an event, so once per millisecond.
  isoNow: () => {
    const ms = Date.now();
    if (ms !== lastMs) {
      lastMs = ms;
      lastIso = new Date(ms).toISOString();
    }
    return lastIso;
  },
};

/**
 * One engine: its own container, plugins, compiled rules and event stream.
 * Setup fails fast (bad plugin, bad rules); planning never throws for a VM
 * that cannot be served: it is `unassigned`, with reasons.
 */
export class Gipkit {
  /** Every event of this engine, as it happens: plans, runs, deployments, failovers. rxjs is loaded on first use. */
  get events$(): Observable<GipkitEvent> {
    return this.#bus.events$;
  }

  /** The engine's diagnostics (what `log` configured; silent by default), for components an embedder builds around it. */
  get logger(): Logger {
    return this.#logger;
  }

  /** The effective rule documents, in evaluation order. */
  readonly rules: readonly RuleDocument[];
  /** Where the rules came from: packs, organisation rules files, the rules those files added or replaced. */
  readonly rulesApplied: RulesApplied;
  /** Every effective rule with its origin, and a digest of their documents: what a plan records it was made from. */
  readonly effectiveRules: EffectiveRules;
  readonly operators: readonly OperatorDefinition[];
  readonly facts: readonly FactDefinition[];
  readonly platforms: ReadonlySet<string>;
  readonly connectors: readonly GuestConnector[];
  readonly deployers: readonly GuestDeployer[];
  readonly dispatchers: readonly DispatcherDefinition[];
  /** The secret reference kinds jobs may use (`env`, `file`, and those plugins' resolvers read). */
  readonly secretKinds: readonly string[];
  readonly #services: ServiceContainer;
  readonly #logger: Logger;
  readonly #flushLog: () => void;
  readonly #redaction: SecretRedaction;
  readonly #secretResolver: SecretResolver;
  readonly #dispatcherOwners: ReadonlyMap<string, string>;
  readonly #ruleSet: RuleSet;
  readonly #facts: FactTable;
  readonly #bus: EventBus;
  readonly #clock: Clock;
  readonly #maxInputBytes: number;
  readonly #disposers: readonly (() => void)[];
  #disposed = false;

  constructor(options: GipkitOptions = {}) {
    this.#maxInputBytes = maxInputBytesOf(options);
    const services = ServiceContainer.forEngine();
    const registrations = emptyRegistrations();
    setUpPlugins(options.plugins ?? [], registrations);

    const located: LocatedPack[] = options.defaultRules === false ? [] : [defaultRulePack()];
    located.push(...registrations.packs.map((pack) => ({ pack, locate: packLocator(pack.name) })));

    // Defaults first, then what plugins provide, then the embedder's overrides: the last provider of a token wins.
    const logOwned = options.log === undefined ? undefined : createPinoLogger(options.log);
    services.provide(CLOCK, { useValue: options.clock ?? systemClock }, GIPKIT);
    services.provide(LOGGER, { useValue: logOwned ?? silentLogger }, GIPKIT);
    for (const { owner, provided } of registrations.secretResolvers) services.provide(PLUGIN_SECRET_RESOLVER, isProvider(provided) ? provided : { useValue: provided }, owner);
    services.provide(SECRET_RESOLVER, {
      useFactory: (resolver) => composeSecretResolvers([
        { owner: GIPKIT, resolver: builtInSecretResolver },
        ...resolver.getAll(PLUGIN_SECRET_RESOLVER).map((added, index) => ({ owner: registrations.secretResolvers[index]?.owner ?? GIPKIT, resolver: added })),
      ]),
    }, GIPKIT);
    for (const { owner, token, provider } of registrations.services) services.provide(token, provider, owner);
    for (const { owner, provided } of registrations.connectors) services.provide(CONNECTOR, isProvider(provided) ? provided : { useValue: provided }, owner);
    for (const { owner, provided } of registrations.deployers) services.provide(DEPLOYER, isProvider(provided) ? provided : { useValue: provided }, owner);
    for (const [index, override] of (options.provide ?? []).entries()) {
      if (typeof override !== 'object' || override === null || typeof override.token?.key !== 'symbol') {
        throw new PluginError(ErrorCode.PluginInvalid, PROVIDE, `provide[${index}] needs a token made by createToken() (SECRET_RESOLVER, SSH_OPENER, …)`);
      }
      services.provide(override.token, override, PROVIDE);
    }
    // Every component sees the same logger and resolver: the resolver records what it reads, the logger removes it.
    this.#redaction = new SecretRedaction();
    this.#logger = redactingLogger(services.get(LOGGER), this.#redaction);
    this.#flushLog = logOwned === undefined ? () => undefined : () => logOwned.flush();
    services.provide(LOGGER, { useValue: this.#logger }, GIPKIT);
    this.#secretResolver = recordingResolver(services.get(SECRET_RESOLVER), this.#redaction);
    services.provide(SECRET_RESOLVER, { useValue: this.#secretResolver }, GIPKIT);
    this.secretKinds = this.#secretResolver.kinds;
    this.#clock = services.get(CLOCK);

    // Built now, so that a provider that cannot be built fails here, not in a run.
    this.connectors = Object.freeze([...services.getAll(CONNECTOR)]);
    this.deployers = Object.freeze([...services.getAll(DEPLOYER)]);
    checkComponents(this.connectors, this.deployers, registrations);
    this.dispatchers = Object.freeze([IN_PROCESS_DISPATCHER, ...registrations.dispatchers.map(({ provided }) => provided)]);
    this.#dispatcherOwners = new Map(registrations.dispatchers.map(({ owner, provided }) => [provided.name, owner]));
    this.#services = services;

    this.facts = Object.freeze([...DEFAULT_FACTS, ...registrations.facts]);
    this.operators = Object.freeze([...DEFAULT_OPERATORS, ...registrations.operators]);
    checkUnique(this.facts.map((fact) => fact.name), 'fact');
    checkUnique([...BUILT_IN_OPERATORS.keys(), ...this.operators.map((operator) => operator.name)], 'operator');
    this.#facts = new FactTable(this.facts);
    const operatorMap = new Map<string, OperatorFunction>(this.operators.map((operator) => [operator.name, operator.evaluate]));
    // Every rules file is read even when one cannot be: the problems of all of them are reported at once.
    const unreadable: Diagnostic[] = [];
    const files = (options.ruleFiles ?? []).flatMap((file) => {
      const { changes: read, problems } = readRuleChanges(file, { maxInputBytes: this.#maxInputBytes });
      for (const problem of problems) unreadable.push(problem);
      return read === undefined ? [] : [read];
    });
    const changes: LocatedChanges[] = [
      ...registrations.changes.map((change) => ({ changes: change, locate: packLocator(change.origin) })),
      ...files,
      ...(options.ruleChanges ?? []).map((change) => ({ changes: change, locate: packLocator(change.origin) })),
    ];
    const compiled = assembleAll(unreadable, () => assembleRules(located, changes, this.#facts, operatorMap), options.ruleFiles ?? []);
    this.#ruleSet = new RuleSet(compiled, this.#facts, operatorMap);
    this.rules = compiled.map((rule) => rule.document);
    this.rulesApplied = deepFreeze({
      packs: located.map(({ pack }) => pack.name),
      files: changes.map(({ changes: change }) => change.origin),
      changed: compiled.flatMap((rule) => {
        const [list] = rule.origin.path;
        return list === 'add' || list === 'replace' ? [{ rule: rule.name, change: list === 'add' ? ('added' as const) : ('replaced' as const), file: rule.origin.source }] : [];
      }),
    });
    this.effectiveRules = effectiveRulesOf(compiled, this.rulesApplied);
    this.platforms = new Set([...BUILT_IN_PLATFORMS, ...registrations.platforms.map((platform) => platform.name)]);
    this.#bus = new EventBus(this.#clock);
    this.#disposers = registrations.disposers;
  }

  /** Reads and validates an inventory and a job file; throws InputError listing every problem. */
  loadInput(files: { readonly inventory: string; readonly job: string }): ValidInput {
    this.#checkLive();
    return loadInput({ ...files, platforms: this.platforms, secretKinds: new Set(this.secretKinds), maxInputBytes: this.#maxInputBytes });
  }

  /** Validates an inventory and a job given as data. */
  validateInput(data: { readonly inventory: unknown; readonly job: unknown }): ValidInput {
    this.#checkLive();
    return validateInput(data, this.platforms, undefined, new Set(this.secretKinds));
  }

  /**
   * Decides the proxy of every VM of the job. `load` adds live task counts
   * (a running job's `RunHandle.load`) to each server's `runningTasks`.
   */
  plan(input: ValidInput, options: PlanOptions = {}): Plan {
    this.#checkLive();
    const loaded = withLoad(withMeasuredLoad(input, options.measuredLoad), options.load);
    return this.#planOf(new EstateIndex(loaded.inventory, loaded.job), input, randomUUID());
  }

  /** A plan with the record of what it was made from; its events carry `observerId`. */
  #planOf(estate: EstateIndex, input: ValidInput, observerId: string): Plan {
    const session = new PlanningSession(estate, this.#ruleSet, this.#facts);
    const plan = planJob(session, { observer: this.#bus.observer(observerId), now: () => this.#clock.now() });
    return { ...plan, rules: this.rulesApplied, madeFrom: madeFromOf(input.sources, this.effectiveRules) };
  }

  /**
   * Reads a saved plan (`gipkit plan --format json`) to run as it is, checked
   * against the input: throws PlanStaleError (GIPKIT_PLAN_STALE) when the
   * inventory or job read from files is not what the plan was made from, and
   * an InputError (GIPKIT_PLAN_INVALID) listing every problem in the plan.
   * The rules are not consulted: the plan's methods and failovers are used.
   */
  loadPlan(file: string, input: ValidInput): Plan {
    this.#checkLive();
    return loadPlanFile(file, input, new EstateIndex(input.inventory, input.job), { maxInputBytes: this.#maxInputBytes });
  }

  /**
   * Plans (unless given a plan), then deploys the runtime components into every
   * VM through its proxy, failing over to the backup server, and removes
   * non-persistent components at job end. Never rejects for a guest's failure:
   * each VM's outcome is in the result and in the events. Rejects before any
   * work for a bad setup (no deployer for a guest family, a bundle without a
   * start command for it, an unknown dispatcher, a timeout no timer can hold,
   * a secret a VM needs that cannot be read: secrets are read once, here).
   */
  async run(input: ValidInput, options: RunOptions): Promise<RunResult> {
    return this.startRun(input, options).result;
  }

  /**
   * For an agent process on a proxy (`gipkit agent`): performs tasks a remote
   * coordinator sent, with this engine's connectors and deployers and this
   * bundle. Each task's secret is read here, by its reference, when a task
   * first needs it.
   */
  guestAgent(bundle: ComponentBundle): GuestAgent {
    this.#checkLive();
    const secrets = new RunSecrets(this.#secretResolver);
    return new RemoteTaskAgent(new InProcessAgent(this.connectors, this.deployers, bundle, secrets, this.#logger.child({ bundle: `${bundle.name}@${bundle.version}` })), secrets);
  }

  /** `run`, with the live load of each server while it runs. Throws (synchronously) for a bad setup. */
  startRun(input: ValidInput, options: RunOptions): RunHandle {
    this.#checkLive();
    const dispatcherName = options.dispatcher ?? IN_PROCESS_DISPATCHER.name;
    const definition = this.dispatchers.find((candidate) => candidate.name === dispatcherName);
    const perServer = options.concurrency?.perServer ?? DEFAULT_PER_SERVER;
    const total = options.concurrency?.total ?? DEFAULT_TOTAL;
    const estate = new EstateIndex(input.inventory, input.job);
    const timeouts = { ...DEFAULT_TIMEOUTS, ...options.timeouts };
    checkRunSetup({
      input, bundle: options.bundle, connectors: this.connectors, deployers: this.deployers,
      dispatcher: definition === undefined ? dispatcherName : undefined, perServer, total, timeouts, plan: options.plan, estate,
    });
    const whenNoConnector = options.whenNoConnector ?? 'refuse';
    if (whenNoConnector !== 'refuse' && whenNoConnector !== 'fail-vms') {
      throw new GipkitError(ErrorCode.RunMisconfigured, `cannot start job ${input.job.id}:\n  - whenNoConnector must be 'refuse' or 'fail-vms' (found ${JSON.stringify(whenNoConnector)})`);
    }
    const runId = randomUUID();
    // Loads measured now (live agents' heartbeats) replace the inventory's for planning only.
    const planEstate = options.measuredLoad === undefined ? estate : new EstateIndex(withMeasuredLoad(input, options.measuredLoad).inventory, input.job);
    const plan = options.plan ?? this.#planOf(planEstate, input, runId);
    const reach = new ConnectorReach(this.connectors);
    const unreached = findUnreachedVms(plan, estate, reach);
    if (unreached.positions.size > 0 && whenNoConnector === 'refuse') throw new NoConnectorError(input.job.id, input.job.vms.length, unreached, reach);
    const signal = followSignal(options.signal);
    const cleanupSignal = followSignal(options.cleanupSignal);
    const secrets = new RunSecrets(this.#secretResolver);
    const logger = this.#logger.child({ runId, job: input.job.id });
    const agent = new InProcessAgent(this.connectors, this.deployers, options.bundle, secrets, logger);
    // The run's own container: its id, signal, agent and logger, and its dispatcher, never shared with another run.
    const runServices = this.#services.child();
    runServices.provide(RUN_ID, { useValue: runId }, GIPKIT);
    runServices.provide(RUN_SIGNAL, { useValue: signal.signal }, GIPKIT);
    runServices.provide(RUN_BUNDLE, { useValue: options.bundle }, GIPKIT);
    runServices.provide(GUEST_AGENT, { useValue: agent }, GIPKIT);
    runServices.provide(LOGGER, { useValue: logger }, GIPKIT);
    const chosen = definition ?? IN_PROCESS_DISPATCHER;
    runServices.provide(RUN_DISPATCHER, chosen, this.#dispatcherOwners.get(chosen.name) ?? GIPKIT);
    let dispatcher: Dispatcher;
    try {
      dispatcher = runServices.get(RUN_DISPATCHER);
      if (typeof dispatcher !== 'object' || dispatcher === null || typeof dispatcher.dispatch !== 'function') {
        throw new PluginError(ErrorCode.PluginInvalid, this.#dispatcherOwners.get(chosen.name) ?? GIPKIT, `dispatcher ${chosen.name} was built without a dispatch(task, options) method`);
      }
      for (const hook of ['open', 'close'] as const) {
        if (dispatcher[hook] !== undefined && typeof dispatcher[hook] !== 'function') {
          throw new PluginError(ErrorCode.PluginInvalid, this.#dispatcherOwners.get(chosen.name) ?? GIPKIT, `dispatcher ${chosen.name} has an ${hook} that is not a function`);
        }
      }
    } catch (error) {
      signal.release();
      cleanupSignal.release();
      throw error;
    }
    const releaseRedaction = this.#redaction.hold();
    logger.info('run starting', { vms: input.job.vms.length, dispatcher: chosen.name });
    const run = new JobRun(plan, estate, {
      runId,
      bundle: options.bundle,
      dispatcher,
      reach,
      unreached,
      timeouts,
      perServer,
      total,
      signal: signal.signal,
      cleanupSignal: cleanupSignal.signal,
      ...(options.beforeCleanup === undefined ? {} : { beforeCleanup: options.beforeCleanup }),
      emit: (draft) => this.#bus.emit(runId, draft),
      now: () => this.#clock.now(),
      secrets,
    });
    const servers = input.inventory.servers.map((server) => server.id);
    const indexOf = new Map(servers.map((server, index) => [server, index]));
    const load: ServerLoad = {
      get: (server) => {
        const position = indexOf.get(server);
        return position === undefined ? 0 : run.load.at(position);
      },
      // Null prototype, as summary.perProxy: a server id is an own key, never a prototype member.
      snapshot: () => Object.assign(Object.create(null) as Record<string, number>, Object.fromEntries(servers.map((server, index) => [server, run.load.at(index)]).filter(([, count]) => count !== 0))),
    };
    const result = (async () => {
      // Every secret the run needs, read once before any connection: one that cannot be read refuses the run.
      const problems = await secrets.read(secretsOfRun(input.job, plan), signal.signal);
      if (problems.length > 0) {
        throw new GipkitError(ErrorCode.RunMisconfigured, `cannot start job ${input.job.id}:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
      }
      // A dispatcher that connects somewhere (a queue) does so now, and lets go after the cleanup whatever happened.
      try {
        await dispatcher.open?.();
        return await run.run();
      } finally {
        await dispatcher.close?.().catch((error: unknown) => logger.warn('the dispatcher did not close cleanly', { error: error instanceof Error ? error.message : String(error) }));
      }
    })().then((ended) => {
      logger.info('run ended', { accepted: ended.accepted, ...ended.counts });
      return ended;
    }).finally(() => {
      secrets.clear();
      releaseRedaction();
      signal.release();
      cleanupSignal.release();
    });
    return { runId, load, result };
  }

  /** Every candidate's verdict for one VM of the job, and why the winner won. */
  explain(input: ValidInput, vm: string, options: Pick<PlanOptions, 'measuredLoad'> = {}): Explanation {
    this.#checkLive();
    const position = input.job.vms.indexOf(vm);
    if (position < 0) throw new GipkitError(ErrorCode.VmUnknown, `VM ${vm} is not in job ${input.job.id}`);
    const measured = options.measuredLoad;
    const session = this.#session(withMeasuredLoad(input, measured));
    let loads: Int32Array | undefined;
    const plan = planJob(session, {
      observer: { wanted: false, emit: () => undefined },
      now: () => this.#clock.now(),
      before: (at, live) => {
        if (at === position) loads = live.slice();
      },
    });
    const explanation = explainVm({ session, plan, vm, position, loads: loads ?? session.loads, rules: this.rulesApplied });
    if (measured === undefined) return explanation;
    // Where each candidate's load came from: its live agents, or the inventory.
    return { ...explanation, candidates: explanation.candidates.map((candidate) => ({ ...candidate, loadFrom: measured.has(candidate.server) ? 'agents' : 'inventory' })) };
  }

  /**
   * Every fact the rules see for one VM of the job and one server, by name:
   * for writing and checking rules, and for running the documents elsewhere.
   */
  factsFor(input: ValidInput, vm: string, server: string): Record<string, unknown> {
    this.#checkLive();
    if (!input.job.vms.includes(vm)) throw new GipkitError(ErrorCode.VmUnknown, `VM ${vm} is not in job ${input.job.id}`);
    const index = input.inventory.servers.findIndex((candidate) => candidate.id === server);
    if (index < 0) throw new GipkitError(ErrorCode.ServerUnknown, `server ${server} is not in the inventory`);
    const frames = this.#session(input).messages.fullFrames(vm, index);
    // Null prototype: fact names are keys here, never prototype members.
    const facts = Object.create(null) as Record<string, unknown>;
    for (const slot of this.#facts.slots) facts[slot.name] = frames[slot.scope][slot.index];
    return facts;
  }

  /** Completes the event stream and runs plugin disposers in reverse order. */
  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    this.#bus.complete();
    this.#flushLog();
    const failures: unknown[] = [];
    for (const dispose of [...this.#disposers].reverse()) {
      try {
        dispose();
      } catch (error) {
        failures.push(error);
      }
    }
    if (failures.length > 0) throw new AggregateError(failures, 'some plugin disposers failed');
  }

  #session(input: ValidInput): PlanningSession {
    return new PlanningSession(new EstateIndex(input.inventory, input.job), this.#ruleSet, this.#facts);
  }

  #checkLive(): void {
    if (this.#disposed) throw new GipkitError(ErrorCode.EngineDisposed, 'this engine was disposed');
  }
}

/**
 * Assembles the rules; with rules files that could not be read, their problems
 * come first and the rest of the rules' problems follow, in one RuleError.
 * (With a file missing, a `replace` in a later file may name a rule only the
 * missing one adds: such a follow-on problem is reported too.)
 */
function assembleAll(unreadable: readonly Diagnostic[], assemble: () => CompiledRule[], files: readonly string[]): CompiledRule[] {
  let compiled: CompiledRule[] = [];
  const problems = [...unreadable];
  try {
    compiled = assemble();
  } catch (error) {
    if (!(error instanceof RuleError)) throw error;
    // A loop, not push(...): a crafted file's hundreds of thousands of problems would overflow the call stack.
    for (const problem of error.diagnostics) problems.push(problem);
  }
  if (problems.length === 0) return compiled;
  // File by file, in the order given; within a file, as found.
  const order = new Map(files.map((file, index) => [file, index]));
  const sorted = unreadable.length === 0 ? problems : problems.map((problem, index) => ({ problem, index })).sort((a, b) => (order.get(a.problem.file) ?? -1) - (order.get(b.problem.file) ?? -1) || a.index - b.index).map(({ problem }) => problem);
  throw new RuleError(`invalid rules (${problems.length === 1 ? '1 problem' : `${problems.length} problems`}):`, sorted);
}

function deepFreeze(applied: RulesApplied): RulesApplied {
  return Object.freeze({
    packs: Object.freeze([...applied.packs]),
    files: Object.freeze([...applied.files]),
    changed: Object.freeze(applied.changed.map((change) => Object.freeze({ ...change }))),
  });
}

function checkUnique(names: readonly string[], what: string): void {
  const seen = new Set<string>();
  for (const name of names) {
    if (seen.has(name)) throw new PluginError(ErrorCode.PluginInvalid, name, `${what} ${name} is registered twice`);
    seen.add(name);
  }
}

/** Each server's live task count in a run. */
export interface ServerLoad {
  /** The tasks running on a server now; 0 for an id that is not in the inventory. */
  get(server: string): number;
  /** Servers with tasks running now, by id. */
  snapshot(): Record<string, number>;
}

export interface RunHandle {
  readonly runId: string;
  /** Rises as a server's tasks start and falls as they end; pass it to `plan` so that selection sees it. */
  readonly load: ServerLoad;
  readonly result: Promise<RunResult>;
}

export interface PlanOptions {
  readonly load?: ServerLoad;
  /**
   * Loads measured now, by server id (what live agents report in their
   * heartbeats): each replaces that server's inventory `runningTasks`; servers
   * not in it keep theirs. `load` is added on top.
   */
  readonly measuredLoad?: ReadonlyMap<string, number>;
}

const GIPKIT = 'gipkit';
const PROVIDE = 'createGipkit({ provide })';
/** Internal: what plugins' `addSecretResolver` registered, composed into the default `SECRET_RESOLVER`. */
const PLUGIN_SECRET_RESOLVER = createToken<SecretResolver>('gipkit.plugin-secret-resolver');
/** Internal: the dispatcher of one run, built in the run's container. */
const RUN_DISPATCHER = createToken<Dispatcher>('gipkit.run-dispatcher');

/** Hands each task to the agent in this process. */
class InProcessDispatcher implements Dispatcher {
  readonly #agent: GuestAgent;
  constructor(@inject(GUEST_AGENT) agent: GuestAgent) {
    this.#agent = agent;
  }

  dispatch(task: GuestTask, options: DispatchOptions): Promise<TaskOutcome> {
    return this.#agent.perform(task, options);
  }
}

const IN_PROCESS_DISPATCHER: DispatcherDefinition = Object.freeze({ name: 'in-process', useClass: InProcessDispatcher });

/** One connector per (platform, method), one deployer per family, each a real one: checked once they are built. */
function checkComponents(connectors: readonly GuestConnector[], deployers: readonly GuestDeployer[], registrations: Registrations): void {
  const connectorOwner = (index: number): string => registrations.connectors[index]?.owner ?? GIPKIT;
  const seen = new Map<string, number>();
  connectors.forEach((connector, index) => {
    if (typeof connector !== 'object' || connector === null || typeof connector.connect !== 'function' || typeof connector.platform !== 'string' || typeof connector.method !== 'string') {
      throw new PluginError(ErrorCode.PluginInvalid, connectorOwner(index), 'a connector needs platform, method and connect(request, options)');
    }
    const key = `${connector.platform}/${connector.method}`;
    const taken = seen.get(key);
    if (taken !== undefined) {
      throw new PluginError(ErrorCode.PluginInvalid, connectorOwner(index), `a connector for ${key} is already registered${connectorOwner(taken) === connectorOwner(index) ? '' : ` by ${connectorOwner(taken)}`}`);
    }
    seen.set(key, index);
  });
  const deployerOwner = (index: number): string => registrations.deployers[index]?.owner ?? GIPKIT;
  const families = new Map<string, number>();
  deployers.forEach((deployer, index) => {
    if (typeof deployer !== 'object' || deployer === null || typeof deployer.deploy !== 'function' || typeof deployer.family !== 'string') {
      throw new PluginError(ErrorCode.PluginInvalid, deployerOwner(index), 'a deployer needs family, locate, deploy and remove');
    }
    const taken = families.get(deployer.family);
    if (taken !== undefined) {
      throw new PluginError(ErrorCode.PluginInvalid, deployerOwner(index), `a deployer for ${deployer.family} guests is already registered${deployerOwner(taken) === deployerOwner(index) ? '' : ` by ${deployerOwner(taken)}`}`);
    }
    families.set(deployer.family, index);
  });
}

/**
 * A signal of the run's own that follows the caller's: every step of every VM
 * listens to it, more than EventTarget's default warning limit of 10.
 */
function followSignal(outer: AbortSignal | undefined): { readonly signal: AbortSignal; release(): void } {
  const controller = new AbortController();
  setMaxListeners(0, controller.signal);
  const follow = (): void => controller.abort(outer?.reason);
  if (outer?.aborted === true) controller.abort(outer.reason);
  else outer?.addEventListener('abort', follow, { once: true });
  // The caller's signal may outlive many runs: each run takes its listener away when it ends.
  return { signal: controller.signal, release: () => outer?.removeEventListener('abort', follow) };
}

function withMeasuredLoad(input: ValidInput, measured: ReadonlyMap<string, number> | undefined): ValidInput {
  if (measured === undefined || measured.size === 0) return input;
  for (const [server, count] of measured) {
    if (!Number.isSafeInteger(count) || count < 0) throw new GipkitError(ErrorCode.RunMisconfigured, `the measured load of ${server} must be a whole number of at least 0 (found ${String(count)})`);
  }
  const servers = input.inventory.servers.map((server) => {
    const count = measured.get(server.id);
    return count === undefined ? server : { ...server, runningTasks: count };
  });
  return { inventory: { ...input.inventory, servers }, job: input.job };
}

function withLoad(input: ValidInput, load: ServerLoad | undefined): ValidInput {
  if (load === undefined) return input;
  const servers = input.inventory.servers.map((server) => ({ ...server, runningTasks: server.runningTasks + load.get(server.id) }));
  return { inventory: { ...input.inventory, servers }, job: input.job };
}

export function createGipkit(options: GipkitOptions = {}): Gipkit {
  return new Gipkit(options);
}
