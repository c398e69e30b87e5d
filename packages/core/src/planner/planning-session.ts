import type { CandidateReasons, ConnectionMethod, RuleFinding } from '@gipkit/plugin-api';
import type { CompiledRule } from '../rules/compile-rule.js';
import type { FactTable, Frames } from '../rules/fact-table.js';
import { fillMessage } from '../rules/message-template.js';
import type { RuleSet } from '../rules/rule-set.js';
import { combine, evaluateOutcome, framesOf, NO_OUTCOME, type Combined, type Outcome } from './candidate-outcome.js';
import type { EstateIndex } from './estate-index.js';
import { FactFrames } from './fact-frames.js';
import { LoadHeap, leastLoaded } from './load-heap.js';

/** VMs whose rule-relevant facts are identical share every rule outcome. */
export interface VmClass {
  readonly id: number;
  readonly frame: readonly unknown[];
  readonly outcome: Outcome;
  /** Pair outcomes by server class, computed on first use. */
  readonly pairs: (Outcome | undefined)[];
  /** VMs of the job in this class (decides heap vs scan). */
  size: number;
  best?: { readonly tier: number; readonly servers: readonly number[]; readonly heap: LoadHeap | null };
}

const HEAP_THRESHOLD = 4;

/**
 * Everything one planning pass over one estate computes once: fact frames,
 * per-server and per-class outcomes, and the load of every server.
 */
export class PlanningSession {
  readonly estate: EstateIndex;
  readonly rules: RuleSet;
  readonly loads: Int32Array;
  readonly #facts: FactTable;
  readonly #frames: FactFrames;
  readonly #compiled: readonly CompiledRule[];
  readonly #jobFrame: readonly unknown[];
  readonly #jobOutcome: Outcome;
  readonly #serverFrames: readonly (readonly unknown[])[];
  readonly #serverOutcomes: readonly Outcome[];
  readonly #serverClass: Int32Array;
  readonly #serverClassFrames: readonly (readonly unknown[])[];
  readonly #classes = new Map<string, VmClass>();
  readonly #classOfVm = new Map<string, VmClass>();
  readonly #methodRank: ReadonlyMap<number, number>;
  #fullJob: readonly unknown[] | undefined;
  readonly #fullServers: (readonly unknown[] | undefined)[] = [];

  constructor(estate: EstateIndex, rules: RuleSet, facts: FactTable) {
    this.estate = estate;
    this.rules = rules;
    this.#facts = facts;
    this.#compiled = rules.rules;
    this.#frames = new FactFrames(facts, estate);
    this.#methodRank = rules.methodRanks(estate.job.inverseProtocolOrder);
    this.#jobFrame = this.#frames.job(rules.needed.job);
    this.#jobOutcome = evaluateOutcome(this.#compiled, rules.candidateRules.job, framesOf({ job: this.#jobFrame }));
    const servers = estate.servers;
    this.loads = Int32Array.from(servers, (server) => server.runningTasks);
    this.#serverFrames = servers.map((_, index) => this.#frames.server(index, rules.needed.server));
    this.#serverOutcomes = this.#serverFrames.map((frame) =>
      evaluateOutcome(this.#compiled, rules.candidateRules.server, framesOf({ job: this.#jobFrame, server: frame })),
    );
    const serverClasses = new Map<string, number>();
    const classFrames: (readonly unknown[])[] = [];
    this.#serverClass = Int32Array.from(this.#serverFrames, (frame) => {
      const key = JSON.stringify(rules.serverSignature.map((slot) => frame[slot.index]));
      let id = serverClasses.get(key);
      if (id === undefined) {
        id = classFrames.length;
        serverClasses.set(key, id);
        classFrames.push(frame);
      }
      return id;
    });
    this.#serverClassFrames = classFrames;
  }

  /** The first job-outcome rule that fires, if any. */
  jobOutcomeRule(): CompiledRule | undefined {
    const frames = framesOf({ job: this.#jobFrame });
    return this.rules.jobOutcomes.find((rule) => rule.test(frames));
  }

  classOf(vm: string): VmClass {
    const known = this.#classOfVm.get(vm);
    if (known !== undefined) return known;
    const frame = this.#frames.vm(vm, this.rules.needed.vm);
    const key = JSON.stringify(this.rules.vmSignature.map((slot) => frame[slot.index]));
    let vmClass = this.#classes.get(key);
    if (vmClass === undefined) {
      const outcome = evaluateOutcome(this.#compiled, this.rules.candidateRules.vm, framesOf({ job: this.#jobFrame, vm: frame }));
      vmClass = { id: this.#classes.size, frame, outcome, pairs: [], size: 0 };
      this.#classes.set(key, vmClass);
    }
    this.#classOfVm.set(vm, vmClass);
    return vmClass;
  }

  get classCount(): number {
    return this.#classes.size;
  }

  #pairOutcome(vmClass: VmClass, server: number): Outcome {
    const serverClass = this.#serverClass[server] ?? 0;
    let outcome = vmClass.pairs[serverClass];
    if (outcome === undefined) {
      const indices = this.rules.candidateRules.pair;
      if (indices.length === 0) outcome = NO_OUTCOME;
      else {
        const serverFrame = this.#serverClassFrames[serverClass] ?? [];
        const pairFrame = this.#frames.pair(serverFrame, vmClass.frame, this.rules.needed.pair);
        outcome = evaluateOutcome(this.#compiled, indices, { job: this.#jobFrame, server: serverFrame, vm: vmClass.frame, pair: pairFrame });
      }
      vmClass.pairs[serverClass] = outcome;
    }
    return outcome;
  }

  #outcomes(vmClass: VmClass, server: number): Outcome[] {
    return [this.#jobOutcome, this.#serverOutcomes[server] ?? NO_OUTCOME, vmClass.outcome, this.#pairOutcome(vmClass, server)];
  }

  verdict(vmClass: VmClass, server: number): Combined {
    return combine(this.#outcomes(vmClass, server));
  }

  /** Eligible candidates of the lowest tier, in inventory order; built once per class. */
  bestOf(vmClass: VmClass, candidates: readonly number[]): { tier: number; servers: readonly number[]; heap: LoadHeap | null } {
    if (vmClass.best !== undefined) return vmClass.best;
    let tier = Number.POSITIVE_INFINITY;
    let servers: number[] = [];
    for (const server of candidates) {
      const verdict = this.verdict(vmClass, server);
      if (!verdict.eligible || verdict.tier > tier) continue;
      if (verdict.tier < tier) {
        tier = verdict.tier;
        servers = [];
      }
      servers.push(server);
    }
    const heap = vmClass.size > HEAP_THRESHOLD && servers.length > HEAP_THRESHOLD ? new LoadHeap(servers, this.loads) : null;
    vmClass.best = { tier, servers, heap };
    return vmClass.best;
  }

  /** Least loaded of a best list, first in the inventory among equals. */
  pick(best: { readonly servers: readonly number[]; readonly heap: LoadHeap | null }): number {
    return best.heap === null ? leastLoaded(best.servers, this.loads) : best.heap.peek();
  }

  /** Methods the server can use for the class, in the order they are tried. */
  methods(vmClass: VmClass, server: number): ConnectionMethod[] {
    const fired = new Set(this.#outcomes(vmClass, server).flatMap((outcome) => outcome.methods));
    return [...fired]
      .sort((a, b) => (this.#methodRank.get(a) ?? 0) - (this.#methodRank.get(b) ?? 0))
      .map((index) => {
        const event = this.#compiled[index]?.document.event;
        return event?.type === 'method' ? event.params.method : 'unknown';
      });
  }

  /** Rules that kept the server out for this VM, with messages filled from the VM's actual facts. */
  findings(vm: string, vmClass: VmClass, server: number): RuleFinding[] {
    const outcomes = this.#outcomes(vmClass, server);
    const read = this.#reader(vm, server);
    const findings: RuleFinding[] = [];
    for (const index of outcomes.flatMap((outcome) => outcome.excluded).sort((a, b) => a - b)) {
      const rule = this.#compiled[index];
      if (rule?.document.event.type === 'exclude') findings.push({ rule: rule.name, message: fillMessage(rule.document.event.params.message, read) });
    }
    if (!outcomes.some((outcome) => outcome.methods.length > 0)) {
      const details = this.rules.methodRules.flatMap((index) => {
        const event = this.#compiled[index]?.document.event;
        return event?.type === 'method' && event.params.message !== undefined ? [fillMessage(event.params.message, read)] : [];
      });
      const serverId = this.estate.servers[server]?.id ?? '';
      findings.push({ rule: 'connection-method-required', message: [`${serverId} has no connection method to ${vm}`, ...details].join('; ') });
    }
    if (combine(outcomes).tierRule === -1) findings.push({ rule: 'tier-required', message: 'no tier rule applies' });
    return findings;
  }

  reasons(vm: string, vmClass: VmClass, candidates: readonly number[]): CandidateReasons[] {
    return candidates.map((server) => ({ server: this.estate.servers[server]?.id ?? '', reasons: this.findings(vm, vmClass, server) }));
  }

  /** Reads any fact, in full, for messages: computed lazily, never for planning. */
  #reader(vm: string, server: number): (name: string) => unknown {
    let vmFrame: readonly unknown[] | undefined;
    const fullVm = (): readonly unknown[] => (vmFrame ??= this.#frames.vm(vm, this.#facts.inScope('vm')));
    const fullServer = (): readonly unknown[] => (this.#fullServers[server] ??= this.#frames.server(server, this.#facts.inScope('server')));
    const fullJob = (): readonly unknown[] => (this.#fullJob ??= this.#frames.job(this.#facts.inScope('job')));
    return (name) => {
      const slot = this.#facts.get(name);
      if (slot === undefined) return undefined;
      switch (slot.scope) {
        case 'job':
          return fullJob()[slot.index];
        case 'server':
          return fullServer()[slot.index];
        case 'vm':
          return fullVm()[slot.index];
        case 'pair':
          return this.#frames.pair(fullServer(), fullVm(), [slot])[slot.index];
      }
    };
  }

  /** Every fact of the job, a server and a VM: for explanations. */
  fullFrames(vm: string, server: number): Frames {
    const vmFrame = this.#frames.vm(vm, this.#facts.inScope('vm'));
    const serverFrame = (this.#fullServers[server] ??= this.#frames.server(server, this.#facts.inScope('server')));
    const job = (this.#fullJob ??= this.#frames.job(this.#facts.inScope('job')));
    return { job, server: serverFrame, vm: vmFrame, pair: this.#frames.pair(serverFrame, vmFrame, this.#facts.inScope('pair')) };
  }

  jobMessage(rule: CompiledRule): string {
    const event = rule.document.event;
    const job = (this.#fullJob ??= this.#frames.job(this.#facts.inScope('job')));
    const read = (name: string): unknown => {
      const slot = this.#facts.get(name);
      return slot?.scope === 'job' ? job[slot.index] : undefined;
    };
    return event.type === 'job-outcome' ? fillMessage(event.params.message, read) : rule.name;
  }
}
