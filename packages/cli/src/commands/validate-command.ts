import type { CommandUnknownOpts } from '@commander-js/extra-typings';
import { ExitCode, type CliIo } from '../cli-io.js';
import { act, defineCommand, type CommandContext, type CommandDescription } from '../command-line.js';
import { printable } from '../terminal-text.js';
import { engineAndInput, withInputOptions, type InputValues } from './input-options.js';

export const VALIDATE: CommandDescription = {
  name: 'validate',
  summary: 'check an inventory, a job and rules files',
  description: 'Checks the inventory, the job and the rules files without planning.',
  usage: '--inventory FILE --job FILE [--rules FILE]...',
  examples: ['gipkit validate --inventory examples/lab/inventory.yaml --job examples/lab/nightly.job.yaml --rules examples/lab/org-rules.yaml'],
  notes: ['Exit codes: 0 valid; 2 with one line per problem (file:line:column: path: message).'],
};

export function validateCommand(context: CommandContext): CommandUnknownOpts {
  return withInputOptions(defineCommand(VALIDATE, context)).action((options) => act(VALIDATE, context, () => validate(options, context.io)));
}

async function validate(options: InputValues, io: CliIo): Promise<ExitCode> {
  const { gipkit, input } = await engineAndInput(options);
  const { inventory, job } = input;
  io.stdout(
    `${printable(`valid: ${inventory.servers.length} servers, ${inventory.vms.length} VMs, job ${job.id} with ${job.vms.length} VMs, ${gipkit.rules.length} rules`)}\n`,
  );
  return ExitCode.Ok;
}
