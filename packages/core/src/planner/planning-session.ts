import type { ConnectionMethod, Failover, RuleFinding, UnavailableReason } from '@gipkit/plugin-api';
import type { CompiledRule } from '../rules/compile-rule.js';
import type { FactTable } from '../rules/fact-table.js';
import type { RuleSet } from '../rules/rule-set.js';
import { combine, evaluateOutcome, framesOf, type Combined, type Outcome } from './candidate-outcome.js';
import type { EstateIndex } from './estate-index.js';
import { FactFrames } from './fact-frames.js';
import { FrameTrie } from './frame-trie.js';
import { CONNECTION_METHOD_REQUIRED, FindingMessages, TIER_REQUIRED } from './finding-messages.js';
import { leastLoaded } from './least-loaded.js';
import { PairOutcomes, signatureOf } from './pair-outcomes.js';

/**
 * VMs that every server decides the same for: the same outcome of the VM rules
 * and, for each pair rule, the same row of truths over the server values it
 * reads. They share every verdict, tier, method list, failover and tally.
 */
export interface VmClass {
  readonly id: number;
  readonly outcome: Outcome;
  /** Pair outcomes by server class, computed on first use. */
  readonly pairs: (Outcome | undefined)[];
  /** Ids of the first VM's facts for each pair rule (see PairOutcomes): they stand for the class's. */
  readonly pairKeys: Int32Array;
  /** Connection methods by server group (servers that share every outcome), in the order they are tried. */
  readonly methods: (readonly ConnectionMethod[] | undefined)[];
  /** Per rule that kept candidates out: how many, and the first (for unassigned VMs). */
  tally?: ReadonlyMap<string, { count: number; first: number }>;
  best?: BestCandidates;
  /** The backup server's takeover for the class (null when it may not serve it); computed on first use. */
  failover?: Failover | null;
}

/** No connection method: shared by every decision without one. */
export const NO_METHODS: readonly ConnectionMethod[] = Object.freeze([]);

/** What the planner knows of one server: its server-rule outcome, its class (pair rules) and its group. */
interface ServerEntry {
  readonly outcome: Outcome;
  /** Servers equal on every fact a pair rule reads share a class. */
  readonly serverClass: number;
  /** Servers of one class with the same server-rule outcome share a group: the same verdict for any VM. */
  readonly group: number;
}

interface ServerGroup {
  readonly serverClass: number;
  readonly outcome: Outcome;
  /** In inventory order. */
  readonly servers: Int32Array;
}

/** Eligible candidates of the lowest tier for a class, in inventory order. */
export interface BestCandidates {
  readonly tier: number;
  readonly servers: Int32Array;
}

export { CONNECTION_METHOD_REQUIRED, TIER_REQUIRED } from './finding-messages.js';

/** A key equal for equal outcomes (the rules that fired decide the rest). */
function outcomeKey(outcome: Outcome): string {
  return `${outcome.excluded.join(',')}|${outcome.methods.join(',')}|${outcome.tierRule}`;
}

/**
 * Everything one planning pass over one estate computes once: fact frames,
 * per-server and per-class outcomes, and the load of every server.
 *
 * VMs are grouped twice. First by the values of the facts rules read (a
 * signature string, one map look-up per VM); each new set of values is then
 * judged once — the VM rules, and each pair rule's row — and joins the class
 * of VMs that every server decides the same for. Selection works per class.
 */
export class PlanningSession {
  readonly estate: EstateIndex;
  readonly rules: RuleSet;
  readonly loads: Int32Array;
  readonly #frames: FactFrames;
  readonly #compiled: readonly CompiledRule[];
  readonly #jobFrame: readonly unknown[];
  readonly #jobOutcome: Outcome;
  readonly #servers: readonly ServerEntry[];
  readonly #serverClassKeys: readonly Int32Array[];
  readonly #pairOutcomes: PairOutcomes;
  #groups: { readonly candidates: readonly number[]; readonly groups: readonly ServerGroup[] } | undefined;
  /** Classes by the values of the facts rules read, and by what every server decides for them. */
  readonly #byFacts: FrameTrie<VmClass>;
  readonly #byDecision = new Map<string, VmClass>();
  readonly #outcomes = new Map<string, Outcome>();
  readonly #methodRank: ReadonlyMap<number, number>;
  /** The sentences of findings, with actual values: for unassigned VMs and explanations. */
  readonly messages: FindingMessages;

  constructor(estate: EstateIndex, rules: RuleSet, facts: FactTable) {
    this.estate = estate;
    this.rules = rules;
    this.#compiled = rules.rules;
    this.#frames = new FactFrames(facts, estate);
    this.messages = new FindingMessages(facts, this.#frames, rules);
    this.#methodRank = rules.methodRanks(estate.job.inverseProtocolOrder);
    this.#byFacts = new FrameTrie(rules.vmSignature);
    this.#jobFrame = this.#frames.job(rules.needed.job);
    this.#jobOutcome = evaluateOutcome(this.#compiled, rules.candidateRules.job, framesOf({ job: this.#jobFrame }));
    const servers = estate.servers;
    this.loads = Int32Array.from(servers, (server) => server.runningTasks);
    this.#pairOutcomes = new PairOutcomes(this.#compiled, rules.candidateRules.pair, rules.pairReads, (server, vm) => ({
      job: this.#jobFrame,
      server,
      vm,
      pair: this.#frames.pair(server, vm, rules.needed.pair),
    }));
    const serverClasses = new Map<string, number>();
    const classKeys: Int32Array[] = [];
    const groupIds = new Map<string, number>();
    this.#servers = servers.map((_, index) => {
      const frame = this.#frames.server(index, rules.needed.server);
      const outcome = evaluateOutcome(this.#compiled, rules.candidateRules.server, framesOf({ job: this.#jobFrame, server: frame }));
      const key = signatureOf(frame, rules.serverSignature);
      let serverClass = serverClasses.get(key);
      if (serverClass === undefined) {
        serverClass = classKeys.length;
        serverClasses.set(key, serverClass);
        classKeys.push(this.#pairOutcomes.serverKeys(frame));
      }
      const groupKey = `${serverClass}|${outcomeKey(outcome)}`;
      let group = groupIds.get(groupKey);
      if (group === undefined) groupIds.set(groupKey, (group = groupIds.size));
      return { outcome, serverClass, group };
    });
    this.#serverClassKeys = classKeys;
  }

  #server(position: number): ServerEntry {
    const server = this.#servers[position];
    if (server === undefined) throw new RangeError(`no server at position ${position}`);
    return server;
  }

  /** The first job-outcome rule that fires, if any. */
  jobOutcomeRule(): CompiledRule | undefined {
    const frames = framesOf({ job: this.#jobFrame });
    return this.rules.jobOutcomes.find((rule) => rule.test(frames));
  }

  classOf(vm: string): VmClass {
    return this.#classOfFrame(this.#frames.vm(vm, this.rules.needed.vm));
  }

  /** The class of the VM at a position of the job. */
  classAt(position: number): VmClass {
    return this.#classOfFrame(this.#frames.jobVm(position, this.rules.needed.vm));
  }

  #classOfFrame(frame: readonly unknown[]): VmClass {
    return this.#byFacts.find(frame, () => this.#decisionClassOf(frame));
  }

  /** The class of VMs with these facts: judged by the VM rules and each pair rule's row over every server value. */
  #decisionClassOf(frame: readonly unknown[]): VmClass {
    const evaluated = evaluateOutcome(this.#compiled, this.rules.candidateRules.vm, framesOf({ job: this.#jobFrame, vm: frame }));
    const outcomeId = outcomeKey(evaluated);
    let outcome = this.#outcomes.get(outcomeId);
    if (outcome === undefined) this.#outcomes.set(outcomeId, (outcome = evaluated));
    const pairKeys = this.#pairOutcomes.vmKeys(frame);
    const key = `${outcomeId}#${this.#pairOutcomes.rowKey(pairKeys, frame)}`;
    let vmClass = this.#byDecision.get(key);
    if (vmClass === undefined) {
      vmClass = { id: this.#byDecision.size, outcome, pairs: [], pairKeys, methods: [] };
      this.#byDecision.set(key, vmClass);
    }
    return vmClass;
  }

  #pairOutcome(vmClass: VmClass, server: number): Outcome {
    return this.#pairOutcomeOf(vmClass, this.#server(server).serverClass);
  }

  #pairOutcomeOf(vmClass: VmClass, serverClass: number): Outcome {
    let outcome = vmClass.pairs[serverClass];
    if (outcome === undefined) {
      const serverKeys = this.#serverClassKeys[serverClass];
      if (serverKeys === undefined) throw new RangeError(`no server class ${serverClass}`);
      outcome = this.#pairOutcomes.outcome(vmClass.pairKeys, serverKeys);
      vmClass.pairs[serverClass] = outcome;
    }
    return outcome;
  }

  #outcomesOf(vmClass: VmClass, server: number): Outcome[] {
    return [this.#jobOutcome, this.#server(server).outcome, vmClass.outcome, this.#pairOutcome(vmClass, server)];
  }

  /** Eligibility and tier of a server for a class; allocation-free, it runs for every class and server. */
  verdict(vmClass: VmClass, server: number): Combined {
    const entry = this.#server(server);
    return this.#verdict(vmClass, entry.outcome, entry.serverClass);
  }

  #verdict(vmClass: VmClass, serverOutcome: Outcome, serverClass: number): Combined {
    const pair = this.#pairOutcomeOf(vmClass, serverClass);
    const job = this.#jobOutcome;
    const vm = vmClass.outcome;
    const excluded = job.excluded.length + serverOutcome.excluded.length + vm.excluded.length + pair.excluded.length > 0;
    const method = job.methods.length + serverOutcome.methods.length + vm.methods.length + pair.methods.length > 0;
    let { tier, tierRule } = job;
    if (serverOutcome.tier < tier) ({ tier, tierRule } = serverOutcome);
    if (vm.tier < tier) ({ tier, tierRule } = vm);
    if (pair.tier < tier) ({ tier, tierRule } = pair);
    return { eligible: !excluded && method && tierRule !== -1, tier, tierRule };
  }

  /** Eligible candidates of the lowest tier, in inventory order; built once per class. */
  bestOf(vmClass: VmClass, candidates: readonly number[]): BestCandidates {
    if (vmClass.best !== undefined) return vmClass.best;
    let tier = Number.POSITIVE_INFINITY;
    let groups: ServerGroup[] = [];
    for (const group of this.#groupsOf(candidates)) {
      const verdict = this.#verdict(vmClass, group.outcome, group.serverClass);
      if (!verdict.eligible || verdict.tier > tier) continue;
      if (verdict.tier < tier) {
        tier = verdict.tier;
        groups = [];
      }
      groups.push(group);
    }
    const [only] = groups;
    const servers = groups.length === 1 && only !== undefined ? only.servers : new Int32Array(groups.flatMap((group) => [...group.servers])).sort();
    vmClass.best = { tier, servers };
    return vmClass.best;
  }

  /**
   * Candidates grouped by server class and server-rule outcome: every server of
   * a group gets the same verdict for any VM, so selection works per group.
   * `#groupsOf` leaves out servers that a server rule excludes (never eligible).
   */
  #groupsOf(candidates: readonly number[]): readonly ServerGroup[] {
    return this.#allGroupsOf(candidates).filter((group) => group.outcome.excluded.length === 0);
  }

  #allGroupsOf(candidates: readonly number[]): readonly ServerGroup[] {
    if (this.#groups?.candidates === candidates) return this.#groups.groups;
    const byGroup = new Map<number, { serverClass: number; outcome: Outcome; servers: number[] }>();
    for (const server of candidates) {
      const { outcome, serverClass, group: id } = this.#server(server);
      const group = byGroup.get(id);
      if (group === undefined) byGroup.set(id, { serverClass, outcome, servers: [server] });
      else group.servers.push(server);
    }
    const groups = [...byGroup.values()].map((group) => ({ ...group, servers: Int32Array.from(group.servers) }));
    this.#groups = { candidates, groups };
    return groups;
  }

  /** Gives the server one more VM of this plan; returns its load before. */
  take(server: number): number {
    const load = this.loads[server];
    if (load === undefined) throw new RangeError(`no server at position ${server}`);
    this.loads[server] = load + 1;
    return load;
  }

  /** Least loaded of a best list, first in the inventory among equals. */
  pick(best: BestCandidates): number {
    return leastLoaded(best.servers, this.loads);
  }

  /**
   * Methods the server can use for the class, in the order they are tried;
   * frozen and cached per class and server group (decisions share them).
   */
  methods(vmClass: VmClass, server: number): readonly ConnectionMethod[] {
    const { group } = this.#server(server);
    let methods = vmClass.methods[group];
    if (methods === undefined) {
      methods = Object.freeze(this.#methods(vmClass, server));
      vmClass.methods[group] = methods;
    }
    return methods;
  }

  /** Methods the server may use for the class when it is eligible; none when it is not. */
  allowedMethods(vmClass: VmClass, server: number): readonly ConnectionMethod[] {
    return this.verdict(vmClass, server).eligible ? this.methods(vmClass, server) : NO_METHODS;
  }

  /** Who takes a VM of the class over from a proxy that cannot connect: the backup server, when it may serve the class. */
  failover(vmClass: VmClass): Failover | null {
    if (vmClass.failover !== undefined) return vmClass.failover;
    const backup = this.estate.backupServer;
    const methods = this.allowedMethods(vmClass, backup);
    vmClass.failover = methods.length === 0 ? null : Object.freeze({ server: this.estate.serverId(backup), methods });
    return vmClass.failover;
  }

  #methods(vmClass: VmClass, server: number): ConnectionMethod[] {
    const fired = new Set(this.#outcomesOf(vmClass, server).flatMap((outcome) => outcome.methods));
    return [...fired]
      .map((index) => ({ index, rank: this.#methodRank.get(index), event: this.#rule(index).document.event }))
      .sort((a, b) => (a.rank ?? Number.POSITIVE_INFINITY) - (b.rank ?? Number.POSITIVE_INFINITY))
      .flatMap(({ event }) => (event.type === 'method' ? [event.params.method] : []));
  }

  /** The compiled rule at an index an outcome holds: always one of this rule set's. */
  #rule(index: number): CompiledRule {
    const rule = this.#compiled[index];
    if (rule === undefined) throw new RangeError(`no rule at position ${index}`);
    return rule;
  }

  /**
   * Rules that kept the server out for this VM, with messages filled from the
   * VM's actual facts. With `serverLabel`, the server's id reads as that label
   * (`the server`), so that findings which differ only by the id are equal.
   */
  findings(vm: string, vmClass: VmClass, server: number, serverLabel?: string): RuleFinding[] {
    const outcomes = this.#outcomesOf(vmClass, server);
    const read = this.messages.labelled(this.messages.reader(vm, server), serverLabel);
    const findings: RuleFinding[] = [];
    for (const index of outcomes.flatMap((outcome) => outcome.excluded).sort((a, b) => a - b)) {
      const { name } = this.#rule(index);
      findings.push({ rule: name, message: this.messages.message(name, vm, read) });
    }
    if (!outcomes.some((outcome) => outcome.methods.length > 0)) {
      findings.push({ rule: CONNECTION_METHOD_REQUIRED, message: this.messages.message(CONNECTION_METHOD_REQUIRED, vm, read) });
    }
    if (combine(outcomes).tierRule === -1) findings.push({ rule: TIER_REQUIRED, message: this.messages.message(TIER_REQUIRED, vm, read) });
    return findings;
  }

  /** Why no candidate could serve: a tally per rule, shared by the class, with an example message for this VM. */
  reasons(vm: string, vmClass: VmClass, candidates: readonly number[]): UnavailableReason[] {
    vmClass.tally ??= this.#tally(vmClass, candidates);
    const vmFrame = this.messages.fullVmFrame(vm);
    return [...vmClass.tally].map(([rule, { count, first }]) => ({
      rule,
      candidates: count,
      example: { server: this.estate.serverId(first), message: this.messages.message(rule, vm, this.messages.reader(vm, first, vmFrame)) },
    }));
  }

  #tally(vmClass: VmClass, candidates: readonly number[]): Map<string, { count: number; first: number }> {
    const tally = new Map<string, { count: number; first: number }>();
    const count = (rule: string, servers: Int32Array): void => {
      const entry = tally.get(rule);
      const [first] = servers;
      if (first === undefined) return;
      if (entry === undefined) tally.set(rule, { count: servers.length, first });
      else {
        entry.count += servers.length;
        entry.first = Math.min(entry.first, first);
      }
    };
    for (const group of this.#allGroupsOf(candidates)) {
      const outcomes = [this.#jobOutcome, group.outcome, vmClass.outcome, this.#pairOutcomeOf(vmClass, group.serverClass)];
      for (const index of outcomes.flatMap((outcome) => outcome.excluded)) count(this.#rule(index).name, group.servers);
      if (!outcomes.some((outcome) => outcome.methods.length > 0)) count(CONNECTION_METHOD_REQUIRED, group.servers);
      if (combine(outcomes).tierRule === -1) count(TIER_REQUIRED, group.servers);
    }
    return new Map([...tally].sort(([, a], [, b]) => b.count - a.count));
  }


}
