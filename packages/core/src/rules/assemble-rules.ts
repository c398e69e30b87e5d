import { RuleError, type Diagnostic, type OperatorFunction, type RuleChanges, type RulePack } from '@gipkit/plugin-api';
import { compileRule, type CompiledRule, type RuleOrigin } from './compile-rule.js';
import type { FactTable } from './fact-table.js';
import { formatPath } from '../input/source-document.js';
import { didYouMean } from '../input/closest-name.js';

/** Locates a path inside a source (a rules file, a pack) for diagnostics. */
export type Locate = (path: readonly (string | number)[], message: string, value?: unknown) => Diagnostic;

/** Gives the diagnostics `locate` made their line:column, all at once. */
export type Place = (problems: readonly Diagnostic[]) => Diagnostic[];

export interface LocatedPack {
  readonly pack: RulePack;
  readonly locate: Locate;
  readonly place?: Place;
}
export interface LocatedChanges {
  readonly changes: RuleChanges;
  readonly locate: Locate;
  readonly place?: Place;
}

/** Where a pack without a file is reported: its name stands for the file. */
export function packLocator(name: string): Locate {
  return (path, message, value) => ({
    file: name,
    path: formatPath(path),
    message,
    ...(value === undefined ? {} : { value }),
  });
}

/**
 * Builds the effective rule list: packs in order (a name may appear once),
 * then each organisation's changes (add, replace in place, disable). Every
 * problem in every pack and file is collected; nothing is half applied.
 */
export function assembleRules(
  packs: readonly LocatedPack[],
  changes: readonly LocatedChanges[],
  facts: FactTable,
  operators: ReadonlyMap<string, OperatorFunction>,
): CompiledRule[] {
  const problems: Diagnostic[] = [];
  const effective = new Map<string, CompiledRule>();
  const compile = (document: unknown, locate: Locate, source: string, path: (string | number)[]): CompiledRule | null => {
    const origin: RuleOrigin = {
      source,
      path,
      report: (at, message, value) => problems.push(locate([...path, ...at], message, value)),
    };
    return compileRule(document, facts, operators, origin);
  };
  const describe = (rule: CompiledRule): string => `${rule.origin.source} ${formatPath(rule.origin.path)}`;

  for (const { pack, locate } of packs) {
    pack.rules.forEach((document, index) => {
      const rule = compile(document, locate, pack.name, ['rules', index]);
      if (rule === null) return;
      const existing = effective.get(rule.name);
      if (existing !== undefined) {
        problems.push(locate(['rules', index, 'name'], `rule name already used by ${describe(existing)}; use replace in a rules file to change it`, rule.name));
      } else effective.set(rule.name, rule);
    });
  }
  for (const { changes: change, locate } of changes) {
    (change.add ?? []).forEach((document, index) => {
      const rule = compile(document, locate, change.origin, ['add', index]);
      if (rule === null) return;
      const existing = effective.get(rule.name);
      if (existing !== undefined) problems.push(locate(['add', index, 'name'], `a rule of this name exists (${describe(existing)}); use replace`, rule.name));
      else effective.set(rule.name, rule);
    });
    (change.replace ?? []).forEach((document, index) => {
      const rule = compile(document, locate, change.origin, ['replace', index]);
      if (rule === null) return;
      if (!effective.has(rule.name)) problems.push(locate(['replace', index, 'name'], `no rule of this name to replace${didYouMean(rule.name, effective.keys())}`, rule.name));
      else effective.set(rule.name, rule);
    });
    (change.disable ?? []).forEach((name, index) => {
      if (!effective.has(name)) problems.push(locate(['disable', index], `no rule of this name to disable${didYouMean(name, effective.keys())}`, name));
      else effective.delete(name);
    });
  }
  if (problems.length > 0) {
    let placed: readonly Diagnostic[] = problems;
    for (const { place } of [...packs, ...changes]) if (place !== undefined) placed = place(placed);
    throw new RuleError(`invalid rules (${problems.length === 1 ? '1 problem' : `${problems.length} problems`}):`, placed);
  }
  return [...effective.values()];
}
