import type { Plan } from '@gipkit/plugin-api';
import { ExitCode, type CliIo } from '../cli-io.js';
import { formatRulesApplied } from '../format-rules-applied.js';
import { formatTable } from '../format-table.js';
import { oneOf, parseOptions } from '../parse-options.js';
import { printableJson, printableLines } from '../terminal-text.js';
import { engineAndInput, INPUT_OPTIONS } from './input-options.js';

export const PLAN_HELP = `Usage: gipkit plan --inventory FILE --job FILE [--rules FILE]... [--format table|json] [--strict]

Decides, for every VM of the job, which server acts as its guest interaction proxy.
  --inventory FILE   inventory (YAML, or JSON by extension)
  --job FILE         backup job (YAML or JSON)
  --rules FILE       organisation rules file: add, replace, disable rules (repeatable)
  --format FORMAT    table (default) or json
  --strict           exit 3 when any VM is unassigned
  --max-input-bytes N  largest inventory, job or rules file read (default 1073741824, 1 GiB)
Exit codes: 0 plan made, 2 bad input, 3 unassigned VMs with --strict.`;

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
    ...(summary.unassigned > 0 ? ['unassigned VMs: run gipkit explain --vm ID to see every candidate\'s reasons'] : []),
  ]);
}

export function planCommand(args: readonly string[], io: CliIo): ExitCode {
  const { values } = parseOptions(args, { ...INPUT_OPTIONS, format: { type: 'string' }, strict: { type: 'boolean' } });
  const format = oneOf('format', values.format, ['table', 'json'], 'table');
  const { gipkit, input } = engineAndInput(values);
  const plan = gipkit.plan(input);
  io.stdout(format === 'json' ? `${printableJson(plan)}\n` : `${formatPlanTable(plan)}\n`);
  return values.strict === true && plan.summary.unassigned > 0 ? ExitCode.Unassigned : ExitCode.Ok;
}
