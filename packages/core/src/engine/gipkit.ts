import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { randomUUID } from 'node:crypto';
import type { Observable } from 'rxjs';
import {
  CLOCK, ErrorCode, FACT, GipkitError, OPERATOR, PluginError, RULE_PACK,
  type Clock, type Explanation, type FactDefinition, type GipkitEvent, type OperatorDefinition, type OperatorFunction,
  type Plan, type Plugin, type RuleChanges, type RuleDocument, type RulePack,
} from '@gipkit/plugin-api';
import { createEngineContainer, registerValue, resolveAll } from './container.js';
import { EventBus } from './event-bus.js';
import { setUpPlugins, type Registrations } from './plugin-host.js';
import { loadInput, validateInput, type ValidInput } from '../input/load-input.js';
import { parseSourceText } from '../input/source-document.js';
import { assembleRules, packLocator, type LocatedChanges, type LocatedPack } from '../rules/assemble-rules.js';
import { loadRuleChanges } from '../rules/load-rule-changes.js';
import { DEFAULT_FACTS } from '../rules/default-facts.js';
import { BUILT_IN_OPERATORS, DEFAULT_OPERATORS } from '../rules/operators.js';
import { FactTable } from '../rules/fact-table.js';
import { RuleSet } from '../rules/rule-set.js';
import { EstateIndex } from '../planner/estate-index.js';
import { PlanningSession } from '../planner/planning-session.js';
import { planJob } from '../planner/plan-job.js';
import { explainVm } from '../planner/explain-vm.js';

export const DEFAULT_RULES_FILE = fileURLToPath(new URL('../../rules/default.rules.json', import.meta.url));
export const BUILT_IN_PLATFORMS = ['vmware', 'hyperv'] as const;

let defaultPack: LocatedPack | undefined;
/** The default rule pack, read once from `rules/default.rules.json`. */
export function defaultRulePack(): LocatedPack {
  if (defaultPack === undefined) {
    const document = parseSourceText(DEFAULT_RULES_FILE, readFileSync(DEFAULT_RULES_FILE, 'utf8'));
    defaultPack = { pack: document.data as RulePack, locate: document.at };
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
  readonly clock?: Clock;
}

export const systemClock: Clock = {
  now: () => performance.now(),
  isoNow: () => new Date().toISOString(),
};

/**
 * One engine: its own container, plugins, compiled rules and event stream.
 * Setup fails fast (bad plugin, bad rules); planning never throws for a VM
 * that cannot be served: it is `unassigned`, with reasons.
 */
export class Gipkit {
  readonly events$: Observable<GipkitEvent>;
  /** The effective rule documents, in evaluation order. */
  readonly rules: readonly RuleDocument[];
  readonly operators: readonly OperatorDefinition[];
  readonly facts: readonly FactDefinition[];
  readonly platforms: ReadonlySet<string>;
  readonly #ruleSet: RuleSet;
  readonly #facts: FactTable;
  readonly #bus: EventBus;
  readonly #clock: Clock;
  readonly #disposers: readonly (() => void)[];
  #disposed = false;

  constructor(options: GipkitOptions = {}) {
    const container = createEngineContainer();
    const registrations: Registrations = { packs: [], changes: [], operators: [], facts: [], platforms: [], disposers: [] };
    setUpPlugins(options.plugins ?? [], registrations);

    const located: LocatedPack[] = options.defaultRules === false ? [] : [defaultRulePack()];
    located.push(...registrations.packs.map((pack) => ({ pack, locate: packLocator(pack.name) })));
    for (const { pack } of located) registerValue(container, RULE_PACK, pack);
    for (const fact of [...DEFAULT_FACTS, ...registrations.facts]) registerValue(container, FACT, fact);
    for (const operator of [...DEFAULT_OPERATORS, ...registrations.operators]) registerValue(container, OPERATOR, operator);
    registerValue(container, CLOCK, options.clock ?? systemClock);

    this.facts = resolveAll(container, FACT);
    this.operators = resolveAll(container, OPERATOR);
    this.#clock = container.resolve<Clock>(CLOCK.key);
    checkUnique(this.facts.map((fact) => fact.name), 'fact');
    checkUnique([...BUILT_IN_OPERATORS.keys(), ...this.operators.map((operator) => operator.name)], 'operator');
    this.#facts = new FactTable(this.facts);
    const operatorMap = new Map<string, OperatorFunction>(this.operators.map((operator) => [operator.name, operator.evaluate]));
    const changes: LocatedChanges[] = [
      ...registrations.changes.map((change) => ({ changes: change, locate: packLocator(change.origin) })),
      ...(options.ruleFiles ?? []).map((file) => loadRuleChanges(file)),
      ...(options.ruleChanges ?? []).map((change) => ({ changes: change, locate: packLocator(change.origin) })),
    ];
    const compiled = assembleRules(located, changes, this.#facts, operatorMap);
    this.#ruleSet = new RuleSet(compiled, this.#facts);
    this.rules = compiled.map((rule) => rule.document);
    this.platforms = new Set([...BUILT_IN_PLATFORMS, ...registrations.platforms.map((platform) => platform.name)]);
    this.#bus = new EventBus(this.#clock);
    this.events$ = this.#bus.events$;
    this.#disposers = registrations.disposers;
  }

  /** Reads and validates an inventory and a job file; throws InputError listing every problem. */
  loadInput(files: { readonly inventory: string; readonly job: string }): ValidInput {
    this.#checkLive();
    return loadInput({ ...files, platforms: this.platforms });
  }

  /** Validates an inventory and a job given as data. */
  validateInput(data: { readonly inventory: unknown; readonly job: unknown }): ValidInput {
    this.#checkLive();
    return validateInput(data, this.platforms);
  }

  /** Decides the proxy of every VM of the job. */
  plan(input: ValidInput): Plan {
    this.#checkLive();
    const session = this.#session(input);
    return planJob(session, { observer: this.#bus.observer(randomUUID()), now: () => this.#clock.now() });
  }

  /** Every candidate's verdict for one VM of the job, and why the winner won. */
  explain(input: ValidInput, vm: string): Explanation {
    this.#checkLive();
    const position = input.job.vms.indexOf(vm);
    if (position < 0) throw new GipkitError(ErrorCode.VmUnknown, `VM ${vm} is not in job ${input.job.id}`);
    const session = this.#session(input);
    let loads: Int32Array | undefined;
    const plan = planJob(session, {
      observer: { wanted: false, emit: () => undefined },
      now: () => this.#clock.now(),
      before: (at, live) => {
        if (at === position) loads = live.slice();
      },
    });
    return explainVm({ session, plan, vm, position, loads: loads ?? session.loads });
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
    const frames = this.#session(input).fullFrames(vm, index);
    return Object.fromEntries(this.facts.map((fact) => [fact.name, frames[fact.scope][this.#facts.get(fact.name)?.index ?? 0]]));
  }

  /** Completes the event stream and runs plugin disposers in reverse order. */
  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    this.#bus.complete();
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

function checkUnique(names: readonly string[], what: string): void {
  const seen = new Set<string>();
  for (const name of names) {
    if (seen.has(name)) throw new PluginError(ErrorCode.PluginInvalid, name, `${what} ${name} is registered twice`);
    seen.add(name);
  }
}

export function createGipkit(options: GipkitOptions = {}): Gipkit {
  return new Gipkit(options);
}
