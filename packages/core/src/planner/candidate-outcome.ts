import type { CompiledRule } from '../rules/compile-rule.js';
import type { Frames } from '../rules/fact-table.js';

/** What the candidate rules of one scope decided for one server, VM class or pair. */
export interface Outcome {
  /** Indices of exclude rules that fired. */
  readonly excluded: readonly number[];
  /** Indices of method rules that fired. */
  readonly methods: readonly number[];
  /** Lowest tier among tier rules that fired; Infinity when none did. */
  readonly tier: number;
  /** Index of the rule that set `tier`; -1 when none did. */
  readonly tierRule: number;
}

export const NO_OUTCOME: Outcome = Object.freeze({ excluded: [], methods: [], tier: Number.POSITIVE_INFINITY, tierRule: -1 });
const EMPTY: readonly unknown[] = [];

export function framesOf(parts: Partial<Frames>): Frames {
  return { job: parts.job ?? EMPTY, server: parts.server ?? EMPTY, vm: parts.vm ?? EMPTY, pair: parts.pair ?? EMPTY };
}

/** Evaluates the given candidate rules (exclude, method, tier) on one set of frames. */
export function evaluateOutcome(rules: readonly CompiledRule[], indices: readonly number[], frames: Frames): Outcome {
  if (indices.length === 0) return NO_OUTCOME;
  return outcomeOf(rules, indices.filter((index) => rules[index]?.test(frames) === true));
}

/** The outcome of candidate rules known to have fired. */
export function outcomeOf(rules: readonly CompiledRule[], fired: readonly number[]): Outcome {
  let excluded: number[] | undefined;
  let methods: number[] | undefined;
  let tier = Number.POSITIVE_INFINITY;
  let tierRule = -1;
  for (const index of fired) {
    const rule = rules[index];
    if (rule === undefined) continue;
    const event = rule.document.event;
    if (event.type === 'exclude') (excluded ??= []).push(index);
    else if (event.type === 'method') (methods ??= []).push(index);
    else if (event.type === 'tier' && event.params.tier < tier) {
      tier = event.params.tier;
      tierRule = index;
    }
  }
  if (excluded === undefined && methods === undefined && tierRule === -1) return NO_OUTCOME;
  return { excluded: excluded ?? [], methods: methods ?? [], tier, tierRule };
}

/** Candidate verdict from the outcomes of every scope. */
export interface Combined {
  readonly eligible: boolean;
  readonly tier: number;
  readonly tierRule: number;
}

export function combine(outcomes: readonly Outcome[]): Combined {
  let excluded = false;
  let method = false;
  let tier = Number.POSITIVE_INFINITY;
  let tierRule = -1;
  for (const outcome of outcomes) {
    if (outcome.excluded.length > 0) excluded = true;
    if (outcome.methods.length > 0) method = true;
    if (outcome.tier < tier) {
      tier = outcome.tier;
      tierRule = outcome.tierRule;
    }
  }
  return { eligible: !excluded && method && tierRule !== -1, tier, tierRule };
}
