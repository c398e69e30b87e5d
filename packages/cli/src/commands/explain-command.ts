import type { CommandUnknownOpts } from '@commander-js/extra-typings';
import { ExitCode, type CliIo } from '../cli-io.js';
import { act, defineCommand, type CommandContext, type CommandDescription } from '../command-line.js';
import { oneOf, required } from '../parse-options.js';
import { printableJson } from '../terminal-text.js';
import { formatExplanation } from './format-explanation.js';
import { engineAndInput, withInputOptions, type InputValues } from './input-options.js';

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
  return withInputOptions(defineCommand(EXPLAIN, context))
    .option('--vm <id>', 'the VM to explain, one of the job (required)')
    .option('--format <format>', 'text or json (default: text)')
    .action((options) => act(EXPLAIN, context, () => explain(options, context.io)));
}

async function explain(options: InputValues & { readonly vm?: string | undefined; readonly format?: string | undefined }, io: CliIo): Promise<ExitCode> {
  const format = oneOf('format', options.format, ['text', 'json'], 'text');
  required(options, 'inventory', 'job', 'vm');
  const { gipkit, input } = await engineAndInput(options);
  const explanation = gipkit.explain(input, options.vm ?? '');
  io.stdout(format === 'json' ? `${printableJson(explanation, 2)}\n` : `${formatExplanation(explanation)}\n`);
  return ExitCode.Ok;
}
