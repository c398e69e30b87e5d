import { GipkitError, InputError, RuleError, formatDiagnostic } from '@gipkit/plugin-api';
import { ExitCode, type CliIo } from './cli-io.js';
import { EXPLAIN_HELP, explainCommand } from './commands/explain-command.js';
import { PLAN_HELP, planCommand } from './commands/plan-command.js';
import { RUN_HELP } from './commands/run-help.js';
import { SCHEMA_HELP, schemaCommand } from './commands/schema-command.js';
import { VALIDATE_HELP, validateCommand } from './commands/validate-command.js';
import { UsageError } from './parse-options.js';
import { printable, printableLines } from './terminal-text.js';

interface Command {
  readonly run: (args: readonly string[], io: CliIo) => ExitCode | Promise<ExitCode>;
  readonly help: string;
}

// A Map: `gipkit constructor` or `gipkit __proto__` is an unknown command, not a prototype member.
const COMMANDS: ReadonlyMap<string, Command> = new Map<string, Command>([
  ['plan', { run: planCommand, help: PLAN_HELP }],
  // Loaded when used: the deployment stack (plugins, ssh2) would slow every other command's start.
  ['run', { run: async (args, io) => (await import('./commands/run-command.js')).runCommand(args, io), help: RUN_HELP }],
  ['explain', { run: explainCommand, help: EXPLAIN_HELP }],
  ['validate', { run: validateCommand, help: VALIDATE_HELP }],
  ['schema', { run: schemaCommand, help: SCHEMA_HELP }],
]);

export const HELP = `Usage: gipkit <command> [options]

Commands:
  plan       decide the guest interaction proxy of every VM of a job
  run        plan, then deploy the runtime components, with failover and cleanup
  explain    show every candidate's verdict for one VM, and why
  validate   check an inventory, a job and rules files
  schema     print the JSON Schema of inventories, jobs and rules files

Run gipkit <command> --help for a command's options.`;

/** Runs the CLI; returns the exit code. Never throws for user errors. */
export async function main(argv: readonly string[], io: CliIo): Promise<ExitCode> {
  const [name, ...args] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.stdout(`${HELP}\n`);
    return name === undefined ? ExitCode.BadInput : ExitCode.Ok;
  }
  const command = COMMANDS.get(name);
  if (command === undefined) {
    io.stderr(`gipkit: unknown command '${printable(name)}'\n\n${HELP}\n`);
    return ExitCode.BadInput;
  }
  if (args.includes('--help') || args.includes('-h')) {
    io.stdout(`${command.help}\n`);
    return ExitCode.Ok;
  }
  try {
    return await command.run(args, io);
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr(`gipkit ${name}: ${printable(error.message)}\n\n${command.help}\n`);
      return ExitCode.BadInput;
    }
    if (error instanceof InputError || error instanceof RuleError) {
      io.stderr(`gipkit ${name}: ${printable(error.message.split('\n')[0] ?? '')}\n${error.diagnostics.map((d) => `  ${formatDiagnostic(d)}`).join('\n')}\n`);
      return ExitCode.BadInput;
    }
    if (error instanceof GipkitError) {
      // Some messages list problems one per line; each line is escaped on its own.
      io.stderr(`gipkit ${name}: ${printableLines(error.message.split('\n'))} [${error.code}]\n`);
      return ExitCode.BadInput;
    }
    throw error;
  }
}
