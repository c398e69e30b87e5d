import type { ConnectionKind, FactScope, OperatorFunction } from '@gipkit/plugin-api';
import type { CompiledRule } from './compile-rule.js';
import type { FactSlot, FactTable } from './fact-table.js';

/** The compiled, effective rules of an engine, grouped for evaluation. */
export class RuleSet {
  readonly rules: readonly CompiledRule[];
  /** job-outcome rules, highest priority first: the first that fires decides. */
  readonly jobOutcomes: readonly CompiledRule[];
  /** exclude, method and tier rules by the scope they are evaluated at. */
  readonly candidateRules: Readonly<Record<FactScope, readonly number[]>>;
  /** Facts that must be computed per scope to evaluate the candidate rules. */
  readonly needed: Readonly<Record<FactScope, readonly FactSlot[]>>;
  /** VM facts whose values decide pair and VM outcomes: VMs equal on them share outcomes. */
  readonly vmSignature: readonly FactSlot[];
  /** Server facts whose values decide pair outcomes: servers equal on them share outcomes. */
  readonly serverSignature: readonly FactSlot[];
  readonly methodRules: readonly number[];
  /** For each pair-scope rule (same order as `candidateRules.pair`): the VM and server facts it depends on. */
  readonly pairReads: readonly { readonly vm: readonly FactSlot[]; readonly server: readonly FactSlot[] }[];

  /** Operators of the engine (plugins' and gipkit's), to explain why a condition failed. */
  readonly operators: ReadonlyMap<string, OperatorFunction>;

  constructor(rules: readonly CompiledRule[], facts: FactTable, operators: ReadonlyMap<string, OperatorFunction> = new Map()) {
    this.rules = rules;
    this.operators = operators;
    const order = (a: CompiledRule, b: CompiledRule): number => (b.document.priority ?? 1) - (a.document.priority ?? 1) || rules.indexOf(a) - rules.indexOf(b);
    this.jobOutcomes = rules.filter((rule) => rule.kind === 'job-outcome').sort(order);
    const byScope: Record<FactScope, number[]> = { job: [], server: [], vm: [], pair: [] };
    const needed: Record<FactScope, Set<FactSlot>> = { job: new Set(), server: new Set(), vm: new Set(), pair: new Set() };
    const vmSignature = new Set<FactSlot>();
    const serverSignature = new Set<FactSlot>();
    rules.forEach((rule, index) => {
      if (rule.kind === 'job-outcome') {
        for (const slot of rule.reads) needed.job.add(slot);
        return;
      }
      byScope[rule.scope].push(index);
      for (const slot of rule.reads) {
        needed[slot.scope].add(slot);
        if (slot.scope === 'pair') {
          const definition = slot.definition;
          for (const name of definition.scope === 'pair' ? definition.reads : []) {
            const read = facts.get(name);
            if (read === undefined) continue;
            needed[read.scope].add(read);
            if (read.scope === 'vm') vmSignature.add(read);
            if (read.scope === 'server') serverSignature.add(read);
          }
        } else if (slot.scope === 'vm') vmSignature.add(slot);
        else if (slot.scope === 'server' && rule.scope === 'pair') serverSignature.add(slot);
      }
    });
    this.candidateRules = byScope;
    this.pairReads = byScope.pair.map((index) => {
      const vm = new Set<FactSlot>();
      const server = new Set<FactSlot>();
      for (const slot of rules[index]?.reads ?? []) {
        const definition = slot.definition;
        const underlying = definition.scope === 'pair' ? definition.reads.flatMap((name) => facts.get(name) ?? []) : [slot];
        for (const read of underlying) {
          if (read.scope === 'vm') vm.add(read);
          if (read.scope === 'server') server.add(read);
        }
      }
      return { vm: [...vm], server: [...server] };
    });
    this.needed = { job: [...needed.job], server: [...needed.server], vm: [...needed.vm], pair: [...needed.pair] };
    this.vmSignature = [...vmSignature];
    this.serverSignature = [...serverSignature];
    this.methodRules = rules.flatMap((rule, index) => (rule.kind === 'method' ? [index] : []));
  }

  /**
   * Rank of each method rule in the order connections are tried: network
   * methods first (networkless first when `inverse`), then higher priority,
   * then the order of the rules.
   */
  methodRanks(inverse: boolean): Map<number, number> {
    const first: ConnectionKind = inverse ? 'networkless' : 'network';
    const kindOf = (index: number): ConnectionKind => {
      const event = this.rules[index]?.document.event;
      return event?.type === 'method' ? event.params.kind : 'network';
    };
    const sorted = [...this.methodRules].sort(
      (a, b) =>
        Number(kindOf(a) !== first) - Number(kindOf(b) !== first) ||
        (this.rules[b]?.document.priority ?? 1) - (this.rules[a]?.document.priority ?? 1) ||
        a - b,
    );
    return new Map(sorted.map((index, rank) => [index, rank]));
  }
}
