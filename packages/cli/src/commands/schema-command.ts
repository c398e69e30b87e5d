import type { CommandUnknownOpts } from '@commander-js/extra-typings';
import { toJsonSchema } from '@gipkit/core';
import { ExitCode, type CliIo } from '../cli-io.js';
import { act, defineCommand, type CommandContext, type CommandDescription } from '../command-line.js';
import { UsageError } from '../parse-options.js';

export const SCHEMA: CommandDescription = {
  name: 'schema',
  summary: 'print the JSON Schema of inventories and jobs',
  description: `Prints the JSON Schema of the inventory or the job (both, under $defs, when
none is named), for editors and CI checks.`,
  usage: '[inventory|job]',
  examples: ['gipkit schema inventory > inventory.schema.json'],
};

export function schemaCommand(context: CommandContext): CommandUnknownOpts {
  return defineCommand(SCHEMA, context)
    .argument('[kind]', 'inventory or job (default: both)')
    .action((kind) => act(SCHEMA, context, () => schema(kind, context.io)));
}

function schema(kind: string | undefined, io: CliIo): ExitCode {
  if (kind !== undefined && kind !== 'inventory' && kind !== 'job') throw new UsageError(`unknown schema '${kind}'; expected inventory or job`);
  const schema =
    kind === undefined
      ? {
          $schema: 'https://json-schema.org/draft/2020-12/schema',
          title: 'gipkit inventory or job',
          anyOf: [{ $ref: '#/$defs/inventory' }, { $ref: '#/$defs/job' }],
          $defs: { inventory: toJsonSchema('inventory'), job: toJsonSchema('job') },
        }
      : toJsonSchema(kind);
  io.stdout(`${JSON.stringify(schema, null, 2)}\n`);
  return ExitCode.Ok;
}
