import type { CommandUnknownOpts } from '@commander-js/extra-typings';
import { ExitCode, type CliIo } from '../cli-io.js';
import { act, defineCommand, type CommandContext, type CommandDescription } from '../command-line.js';
import { oneOf, required } from '../parse-options.js';
import { printableJson } from '../terminal-text.js';
import { formatExplanation } from './format-explanation.js';
import { engineAndInput, withInputOptions, type InputValues } from './input-options.js';
import { agentTimeout, DEFAULT_AGENT_TIMEOUT_MS, liveLoad, queueConnection, withQueueOptions, type QueueValues } from './queue-options.js';

export const EXPLAIN: CommandDescription = {
  name: 'explain',
  summary: "show every candidate's verdict for one VM, and why",
  description: `Shows every candidate for one VM: its verdict, the rules it failed with the actual
values, its tier and its load at that moment, and why the winner won.`,
  usage: '--inventory FILE --job FILE --vm ID [--rules FILE]... [--format text|json]',
  examples: ['gipkit explain --inventory examples/lab/inventory.yaml --job examples/lab/nightly.job.yaml --vm dmz-proxy'],
  notes: ['Exit codes: 0 explained, 2 bad input or a VM that is not in the job.'],
};


export function explainCommand(context: CommandContext): CommandUnknownOpts {
  const command = withInputOptions(defineCommand(EXPLAIN, context))
    .option('--vm <id>', 'the VM to explain, one of the job (required)')
    .option('--format <format>', 'text or json (default: text)')
    .option('--agent-timeout <ms>', 'with --queue: an agent silent this long is gone, 1000 to 3600000 (default: 15000)')
    .action((options: ExplainValues) => act(EXPLAIN, context, () => explain(options, context.io)));
  return withQueueOptions(command, false);
}

type ExplainValues = InputValues & QueueValues & { readonly vm?: string | undefined; readonly format?: string | undefined; readonly agentTimeout?: string | undefined };

async function explain(options: ExplainValues, io: CliIo): Promise<ExitCode> {
  const format = oneOf('format', options.format, ['text', 'json'], 'text');
  required(options, 'inventory', 'job', 'vm');
  const connection = await queueConnection(options, io.env ?? {});
  const timeout = agentTimeout(options.agentTimeout, connection) ?? DEFAULT_AGENT_TIMEOUT_MS;
  const { gipkit, input } = await engineAndInput(options);
  const measuredLoad = connection === undefined ? undefined : await liveLoad(connection, timeout);
  const explanation = gipkit.explain(input, options.vm ?? '', measuredLoad === undefined ? {} : { measuredLoad });
  io.stdout(format === 'json' ? `${printableJson(explanation, 2)}\n` : `${formatExplanation(explanation)}\n`);
  return ExitCode.Ok;
}
