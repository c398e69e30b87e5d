import type { RulesApplied } from '@gipkit/plugin-api';

/** `never-wan-accelerators [added]`: a rule an organisation's rules file added or replaced is marked wherever it is named. */
export function markedRule(rule: string, rules: RulesApplied): string {
  const changed = rules.changed.find((candidate) => candidate.rule === rule);
  return changed === undefined ? rule : `${rule} [${changed.change}]`;
}

/** The rules line of plan and explain: the packs, then each rules file with the rules it added or replaced. */
export function formatRulesApplied(rules: RulesApplied): string {
  const files = rules.files.map((file) => {
    const changes = rules.changed.filter((changed) => changed.file === file);
    const added = changes.filter((changed) => changed.change === 'added').map((changed) => changed.rule);
    const replaced = changes.filter((changed) => changed.change === 'replaced').map((changed) => changed.rule);
    const what = [...(added.length > 0 ? [`added ${added.join(', ')}`] : []), ...(replaced.length > 0 ? [`replaced ${replaced.join(', ')}`] : [])];
    return what.length === 0 ? file : `${file} (${what.join('; ')})`;
  });
  return `rules: ${rules.packs.join(', ') || 'no rule pack'}${files.length === 0 ? ', no rules files' : `, then ${files.join(', then ')}`}`;
}
