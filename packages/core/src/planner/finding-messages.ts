import type { CompiledRule } from '../rules/compile-rule.js';
import type { FactTable, Frames } from '../rules/fact-table.js';
import { describeFailedConditions, failedParts, isForAnotherPlatform } from '../rules/describe-failed-conditions.js';
import { fillMessage, formatFactValue } from '../rules/message-template.js';
import type { RuleSet } from '../rules/rule-set.js';
import type { FactFrames } from './fact-frames.js';

/** Findings of the planner itself (steps 5 and 6 of selection), not of a rule document. */
export const CONNECTION_METHOD_REQUIRED = 'connection-method-required';
export const TIER_REQUIRED = 'tier-required';

/**
 * The sentences of findings, with the actual values: every fact read in full,
 * lazily, only when a finding is written (an unassigned VM, an explanation),
 * never for planning itself.
 */
export class FindingMessages {
  readonly #facts: FactTable;
  readonly #frames: FactFrames;
  readonly #rules: RuleSet;
  readonly #compiled: readonly CompiledRule[];
  #fullJob: readonly unknown[] | undefined;
  readonly #fullServers: (readonly unknown[] | undefined)[] = [];

  constructor(facts: FactTable, frames: FactFrames, rules: RuleSet) {
    this.#facts = facts;
    this.#frames = frames;
    this.#rules = rules;
    this.#compiled = rules.rules;
  }

  /** Every fact of the VM, in full. */
  fullVmFrame(vm: string): readonly unknown[] {
    return this.#frames.vm(vm, this.#facts.inScope('vm'));
  }

  labelled(read: (fact: string) => unknown, serverLabel: string | undefined): (fact: string) => unknown {
    return serverLabel === undefined ? read : (name) => (name === 'server.id' ? serverLabel : read(name));
  }

  /**
   * Method rules that could apply to the VM: those for its own platform (a
   * rule whose top-level \`vm.platform\` condition fails is for another one),
   * or every method rule when none is for it.
   */
  #ownPlatformMethods(read: (fact: string) => unknown): CompiledRule[] {
    const all = this.#rules.methodRules.flatMap((index) => this.#compiled[index] ?? []);
    const own = all.filter((rule) => !isForAnotherPlatform(rule.document.conditions, read, this.#rules.operators));
    return own.length === 0 ? all : own;
  }

  /** Why no method rule fired: each own-platform method with the conditions it failed on. */
  methodFailures(read: (fact: string) => unknown): { readonly method: string; readonly parts: readonly string[] }[] {
    return this.#ownPlatformMethods(read).map((rule) => {
      const event = rule.document.event;
      const method = event.type === 'method' ? event.params.method : rule.name;
      return { method, parts: failedParts(rule.document.conditions, read, this.#rules.operators) };
    });
  }

  /** One finding's sentence, with the actual values. */
  message(rule: string, vm: string, read: (fact: string) => unknown): string {
    if (rule === TIER_REQUIRED) {
      const facts = [...new Set(this.#compiled.filter((compiled) => compiled.kind === 'tier').flatMap((compiled) => compiled.reads.map((slot) => slot.name)))];
      const values = facts.map((name) => `${name} ${formatFactValue(read(name))}`).join(', ');
      return `no tier rule applies to ${formatFactValue(read('server.id'))} for ${vm}${values === '' ? ' (there are no tier rules)' : ` (${values})`}`;
    }
    if (rule === CONNECTION_METHOD_REQUIRED) {
      const details = this.#ownPlatformMethods(read).map((compiled) => {
        const event = compiled.document.event;
        const needs = event.type === 'method' && event.params.message !== undefined ? fillMessage(event.params.message, read) : compiled.name;
        const failed = describeFailedConditions(compiled.document.conditions, read, this.#rules.operators);
        return failed === '' ? needs : `${needs}: ${failed}`;
      });
      return [`${formatFactValue(read('server.id'))} has no connection method to ${vm}`, ...details].join('; ');
    }
    const event = this.#compiled.find((compiled) => compiled.name === rule)?.document.event;
    return event?.type === 'exclude' ? fillMessage(event.params.message, read) : rule;
  }

  /** Reads any fact of the VM and the server (by inventory index), in full: for explanations. */
  readerFor(vm: string, server: number): (name: string) => unknown {
    return this.reader(vm, server);
  }

  /** Reads any fact, in full, for messages: computed lazily, never for planning. */
  reader(vm: string, server: number, fullVmFrame?: readonly unknown[]): (name: string) => unknown {
    let vmFrame = fullVmFrame;
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
