import { Command, type CommandUnknownOpts } from '@commander-js/extra-typings';
import { GipkitError, InputError, RuleError, formatDiagnostic } from '@gipkit/plugin-api';
import { ExitCode, type CliIo } from './cli-io.js';
import { UsageError } from './parse-options.js';
import { printable, printableLines } from './terminal-text.js';

/** What every command is given: where to write, and where to leave its exit code. */
export interface CommandContext {
  readonly io: CliIo;
  exit(code: ExitCode): void;
}

export interface CommandDescription {
  readonly name: string;
  /** One line, for `gipkit --help`. */
  readonly summary: string;
  /** Paragraphs under the usage line of `gipkit <name> --help`. */
  readonly description: string;
  /** What follows `gipkit <name>` in the usage line. */
  readonly usage: string;
  /** Commands that work as written from the repository root. */
  readonly examples: readonly string[];
  /** Lines after the examples (exit codes, notes). */
  readonly notes?: readonly string[];
}

/** Commander writes `error: …`; the CLI writes `gipkit <command>: …`, every line escaped (an unknown name is user input). */
function errorWriter(prefix: string): (text: string, write: (text: string) => void) => void {
  return (text, write) => write(`${printableLines(text.replace(/^error: /, `${prefix}: `).replace(/\n$/, '').split('\n'))}\n`);
}

/** Settings every command shares: errors become exit 2, help and errors go through the CLI's streams. */
export function configure<C extends CommandUnknownOpts>(command: C, io: CliIo, prefix: string): C {
  command
    .exitOverride()
    .configureOutput({
      writeOut: io.stdout,
      writeErr: io.stderr,
      outputError: errorWriter(prefix),
      getOutHasColors: () => false,
      getErrHasColors: () => false,
    })
    .showSuggestionAfterError(true)
    .helpOption('-h, --help', 'print this help');
  return command;
}

/** A command with the shared settings, its usage line, description, examples and notes in its help. */
export function defineCommand(description: CommandDescription, context: CommandContext): Command {
  const command = configure(new Command(description.name), context.io, `gipkit ${description.name}`)
    .summary(description.summary)
    .description(description.description)
    .usage(description.usage)
    .showHelpAfterError(`Usage: gipkit ${description.name} ${description.usage}\nRun 'gipkit ${description.name} --help' for every option, its default and an example.`);
  const after = ['', description.examples.length === 1 ? 'Example:' : 'Examples:', ...description.examples.map((line) => `  ${line}`)];
  if (description.notes !== undefined) after.push('', ...description.notes);
  command.addHelpText('after', after.join('\n'));
  return command;
}

/**
 * Runs a command's work and turns what the user must fix into exit 2 with a
 * clear message on stderr: a usage problem (with the usage line), bad input
 * (every problem, one per line), a GipkitError (its message and code).
 */
export async function act(description: CommandDescription, context: CommandContext, work: () => ExitCode | Promise<ExitCode>): Promise<void> {
  const { name, usage } = description;
  const { io } = context;
  try {
    context.exit(await work());
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr(`gipkit ${name}: ${printable(error.message)}\nUsage: gipkit ${name} ${usage}\nRun 'gipkit ${name} --help' for every option, its default and an example.\n`);
    } else if (error instanceof InputError || error instanceof RuleError) {
      io.stderr(`gipkit ${name}: ${printable(error.message.split('\n')[0] ?? '')}\n${error.diagnostics.map((d) => `  ${formatDiagnostic(d)}`).join('\n')}\n`);
    } else if (error instanceof GipkitError) {
      // Some messages list problems one per line; each line is escaped on its own.
      io.stderr(`gipkit ${name}: ${printableLines(error.message.split('\n'))} [${error.code}]\n`);
    } else throw error;
    context.exit(ExitCode.BadInput);
  }
}
