import type { CommandUnknownOpts } from '@commander-js/extra-typings';
import { ExitCode, type CliIo } from '../cli-io.js';
import { act, defineCommand, type CommandContext, type CommandDescription } from '../command-line.js';
import { UsageError } from '../parse-options.js';

const KINDS = ['inventory', 'job', 'rules'] as const;
type Kind = (typeof KINDS)[number];
const isKind = (value: string): value is Kind => (KINDS as readonly string[]).includes(value);

export const SCHEMA: CommandDescription = {
  name: 'schema',
  summary: 'print the JSON Schema of inventories, jobs and rules files',
  description: `Prints the JSON Schema of the inventory, the job or an organisation's rules
file (all three, under $defs, when none is named), for editors and CI checks.
Every property has a description, shown by editors on hover.`,
  usage: '[inventory|job|rules]',
  examples: ['gipkit schema inventory > inventory.schema.json', 'gipkit schema rules > gipkit-rules.schema.json'],
};

export function schemaCommand(context: CommandContext): CommandUnknownOpts {
  return defineCommand(SCHEMA, context)
    .argument('[kind]', 'inventory, job or rules (default: all three)')
    .action((kind) => act(SCHEMA, context, () => schema(kind, context.io)));
}

async function schema(kind: string | undefined, io: CliIo): Promise<ExitCode> {
  if (kind !== undefined && !isKind(kind)) throw new UsageError(`unknown schema '${kind}'; expected inventory, job or rules`);
  const { toJsonSchema } = await import('@gipkit/core');
  const schema =
    kind === undefined
      ? {
          $schema: 'https://json-schema.org/draft/2020-12/schema',
          title: 'gipkit inventory, job or rules file',
          anyOf: KINDS.map((name) => ({ $ref: `#/$defs/${name}` })),
          $defs: Object.fromEntries(KINDS.map((name) => [name, toJsonSchema(name)])),
        }
      : toJsonSchema(kind);
  io.stdout(`${JSON.stringify(schema, null, 2)}\n`);
  return ExitCode.Ok;
}
