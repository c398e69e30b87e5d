import type { CommandUnknownOpts } from '@commander-js/extra-typings';
import { ExitCode, type CliIo } from '../cli-io.js';
import { act, defineCommand, type CommandContext, type CommandDescription } from '../command-line.js';
import { oneOf } from '../parse-options.js';
import { writePrintableJson } from '../terminal-text.js';
import { formatPlanTable } from './format-plan.js';
import { engineAndInput, withInputOptions, type InputValues } from './input-options.js';

export const PLAN: CommandDescription = {
  name: 'plan',
  summary: 'decide the guest interaction proxy of every VM of a job',
  description: 'Decides, for every VM of the job, which server acts as its guest interaction proxy.',
  usage: '--inventory FILE --job FILE [--rules FILE]... [--format table|json] [--strict]',
  examples: [
    'gipkit plan --inventory examples/lab/inventory.yaml --job examples/lab/nightly.job.yaml',
    'gipkit plan --inventory examples/lab/inventory.yaml --job examples/lab/nightly.job.yaml --rules examples/lab/org-rules.yaml --format json',
  ],
  notes: ['Exit codes: 0 plan made, 2 bad input, 3 unassigned VMs with --strict.'],
};

export function planCommand(context: CommandContext): CommandUnknownOpts {
  return withInputOptions(defineCommand(PLAN, context))
    .option('--format <format>', 'table or json (default: table)')
    .option('--strict', 'exit 3 when any VM is unassigned (default: off)')
    .action((options) => act(PLAN, context, () => plan(options, context.io)));
}

async function plan(options: InputValues & { readonly format?: string | undefined; readonly strict?: true | undefined }, io: CliIo): Promise<ExitCode> {
  const format = oneOf('format', options.format, ['table', 'json'], 'table');
  const { gipkit, input } = await engineAndInput(options);
  const plan = gipkit.plan(input);
  if (format === 'json') writePrintableJson(plan, 'decisions', io.stdout);
  else io.stdout(`${formatPlanTable(plan)}\n`);
  return options.strict === true && plan.summary.unassigned > 0 ? ExitCode.Unassigned : ExitCode.Ok;
}
