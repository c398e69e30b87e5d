import type { Plan } from '@gipkit/plugin-api';
import { formatRulesApplied } from '../format-rules-applied.js';
import { formatTable } from '../format-table.js';
import { printableLines } from '../terminal-text.js';

function dash(value: string | number | null): string {
  return value === null ? '-' : String(value);
}

export function formatPlanTable(plan: Plan): string {
  const rows = plan.decisions.map((d) => [d.vm, d.status, dash(d.proxy), dash(d.tier), dash(d.connection), dash(d.load)]);
  const { summary } = plan;
  const counts = [
    `${summary.vms} VMs`,
    `${summary.assigned} assigned`,
    `${summary.fallback} fallback`,
    `${summary.backupServer} backup-server`,
    `${summary.notRequired} not-required`,
    `${summary.unassigned} unassigned`,
  ].join(', ');
  const perProxy = Object.entries(summary.perProxy).map(([proxy, vms]) => `${proxy} ${vms}`).join(', ');
  return printableLines([
    `job ${plan.job}`,
    ...formatTable(['VM', 'STATUS', 'PROXY', 'TIER', 'CONNECTION', 'LOAD'], rows).split('\n'),
    '',
    counts,
    ...(perProxy === '' ? [] : [`per proxy: ${perProxy}`]),
    ...(plan.rules === undefined ? [] : [formatRulesApplied(plan.rules)]),
    ...(summary.unassigned > 0 ? ['unassigned VMs: gipkit explain with the same --inventory, --job and --rules and --vm ID shows every candidate\'s reasons'] : []),
  ]);
}
