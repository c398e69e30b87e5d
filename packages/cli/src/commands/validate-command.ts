import { ExitCode, type CliIo } from '../cli-io.js';
import { parseOptions } from '../parse-options.js';
import { printable } from '../terminal-text.js';
import { engineAndInput, INPUT_OPTIONS } from './input-options.js';

export const VALIDATE_HELP = `Usage: gipkit validate --inventory FILE --job FILE [--rules FILE]...

Checks the inventory, the job and the rules files without planning.
Exit 0 when valid; 2 with one line per problem (file:line:column: path: message).
  --max-input-bytes N  largest inventory, job or rules file read (default 1073741824, 1 GiB)`;

export function validateCommand(args: readonly string[], io: CliIo): ExitCode {
  const { values } = parseOptions(args, INPUT_OPTIONS);
  const { gipkit, input } = engineAndInput(values);
  const { inventory, job } = input;
  io.stdout(
    `${printable(`valid: ${inventory.servers.length} servers, ${inventory.vms.length} VMs, job ${job.id} with ${job.vms.length} VMs, ${gipkit.rules.length} rules`)}\n`,
  );
  return ExitCode.Ok;
}
