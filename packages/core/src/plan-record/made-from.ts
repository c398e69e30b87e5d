import { createHash } from 'node:crypto';
import type { EffectiveRules, InputDigest, PlanMadeFrom, RulesApplied } from '@gipkit/plugin-api';
import type { InputSources } from '../input/load-input.js';
import type { CompiledRule } from '../rules/compile-rule.js';
import { canonicalJson } from './canonical-json.js';

/** The effective rules of an engine, as a plan records them: each rule's origin, and one digest of all the documents. */
export function effectiveRulesOf(compiled: readonly CompiledRule[], applied: RulesApplied): EffectiveRules {
  const documents = compiled.map((rule) => rule.document);
  return Object.freeze({
    packs: applied.packs,
    files: applied.files,
    rules: Object.freeze(compiled.map((rule) => Object.freeze({ rule: rule.name, origin: rule.origin.source }))),
    sha256: createHash('sha256').update(canonicalJson(documents)).digest('hex'),
  });
}

export function madeFromOf(sources: InputSources | undefined, rules: EffectiveRules): PlanMadeFrom {
  return sources === undefined ? { rules } : { inventory: sources.inventory, job: sources.job, rules };
}

/** An input whose bytes are no longer those a plan was made from. */
export interface ChangedInput {
  readonly input: 'inventory' | 'job';
  readonly planned: InputDigest;
  readonly now: InputDigest;
}

/** The inputs that changed since the plan was made, comparing SHA-256 and size (the file names may differ). */
export function changedInputs(madeFrom: Pick<PlanMadeFrom, 'inventory' | 'job'>, sources: InputSources): ChangedInput[] {
  const changed: ChangedInput[] = [];
  for (const input of ['inventory', 'job'] as const) {
    const planned = madeFrom[input];
    const now = sources[input];
    if (planned === undefined || planned.sha256 !== now.sha256 || planned.bytes !== now.bytes) changed.push({ input, planned: planned ?? { file: '(not recorded)', sha256: '', bytes: 0 }, now });
  }
  return changed;
}
