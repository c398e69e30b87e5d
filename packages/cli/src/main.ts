import { readFileSync } from 'node:fs';
import { Command, CommanderError, type CommandUnknownOpts } from '@commander-js/extra-typings';
import { packageFile } from '@gipkit/plugin-api';
import { ExitCode, type CliIo } from './cli-io.js';
import { configure, type CommandContext } from './command-line.js';
import { agentCommandLine } from './commands/agent-command-line.js';
import { explainCommand } from './commands/explain-command.js';
import { planCommand } from './commands/plan-command.js';
import { runCommandLine } from './commands/run-command-line.js';
import { schemaCommand } from './commands/schema-command.js';
import { validateCommand } from './commands/validate-command.js';

/** The @gipkit/cli version: read from the package's manifest (found from src/, dist/ or a bundle chunk), no JSON import needed. */
function version(): string {
  const manifest: unknown = JSON.parse(readFileSync(packageFile(import.meta.url, '@gipkit/cli', 'package.json'), 'utf8'));
  const value = typeof manifest === 'object' && manifest !== null ? (manifest as { version?: unknown }).version : undefined;
  return typeof value === 'string' ? value : 'unknown';
}

/** The whole command line; a new one per call, as commander keeps parsed values on it. */
function program(context: CommandContext): CommandUnknownOpts {
  const gipkit = configure(new Command('gipkit'), context.io, 'gipkit')
    .usage('<command> [options]')
    .description('Picks the guest interaction proxy of every VM of a backup job from declarative rules, explains the decision, and deploys runtime components through it, with failover to the backup server.')
    .version(version(), '-V, --version', 'print the version of gipkit')
    .helpCommand('help [command]', 'print the help of a command')
    .showHelpAfterError(true)
    .addHelpText('after', "\nRun 'gipkit <command> --help' for a command's options, their defaults and an example.");
  // Commander finds commands in an array, by name: `gipkit constructor` or `gipkit __proto__` is an unknown command.
  for (const command of [planCommand, runCommandLine, agentCommandLine, explainCommand, validateCommand, schemaCommand]) gipkit.addCommand(command(context));
  return gipkit;
}

/** Runs the CLI; returns the exit code. Never throws for user errors. */
export async function main(argv: readonly string[], io: CliIo): Promise<ExitCode> {
  let code: ExitCode = ExitCode.Ok;
  const context: CommandContext = { io, exit: (exitCode) => void (code = exitCode) };
  const gipkit = program(context);
  try {
    await gipkit.parseAsync([...argv], { from: 'user' });
  } catch (error) {
    // --help and --version end with code 0; every usage error (unknown command or option, missing value, no command) with 2.
    if (error instanceof CommanderError) return error.exitCode === 0 ? ExitCode.Ok : ExitCode.BadInput;
    throw error;
  }
  return code;
}

/** The top-level help, as `gipkit --help` prints it. */
export function help(): string {
  let text = '';
  const io: CliIo = { stdout: (chunk) => void (text += chunk), stderr: () => undefined };
  program({ io, exit: () => undefined }).outputHelp();
  return text;
}
