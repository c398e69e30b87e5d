import type { CommandUnknownOpts } from '@commander-js/extra-typings';
import { ExitCode, type CliIo } from '../cli-io.js';
import { act, defineCommand, type CommandContext, type CommandDescription } from '../command-line.js';
import { oneOf } from '../parse-options.js';
import { writePrintableJson } from '../terminal-text.js';
import { formatPlanTable } from './format-plan.js';
import { engineAndInput, withInputOptions, type InputValues } from './input-options.js';
import { agentTimeout, DEFAULT_AGENT_TIMEOUT_MS, liveLoad, queueConnection, withQueueOptions, type QueueValues } from './queue-options.js';

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
  const command = withInputOptions(defineCommand(PLAN, context))
    .option('--format <format>', 'table or json (default: table)')
    .option('--strict', 'exit 3 when any VM is unassigned (default: off)')
    .option('--agent-timeout <ms>', 'with --queue: an agent silent this long is gone, 1000 to 3600000 (default: 15000)')
    .action((options: PlanValues) => act(PLAN, context, () => plan(options, context.io)));
  return withQueueOptions(command, false);
}

type PlanValues = InputValues & QueueValues & { readonly format?: string | undefined; readonly strict?: true | undefined; readonly agentTimeout?: string | undefined };

async function plan(options: PlanValues, io: CliIo): Promise<ExitCode> {
  const format = oneOf('format', options.format, ['table', 'json'], 'table');
  const connection = await queueConnection(options, io.env ?? {});
  const timeout = agentTimeout(options.agentTimeout, connection) ?? DEFAULT_AGENT_TIMEOUT_MS;
  const { gipkit, input } = await engineAndInput(options);
  // With --queue, each server with a live agent is as loaded as its agents say; the others as the inventory says.
  const measuredLoad = connection === undefined ? undefined : await liveLoad(connection, timeout);
  const plan = gipkit.plan(input, measuredLoad === undefined ? {} : { measuredLoad });
  if (format === 'json') await writePrintableJson(plan, 'decisions', io.stdout, io.stdoutDrained);
  else io.stdout(`${formatPlanTable(plan)}\n`);
  return options.strict === true && plan.summary.unassigned > 0 ? ExitCode.Unassigned : ExitCode.Ok;
}
