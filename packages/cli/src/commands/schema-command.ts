import { toJsonSchema } from '@gipkit/core';
import { ExitCode, type CliIo } from '../cli-io.js';
import { parseOptions, UsageError } from '../parse-options.js';

export const SCHEMA_HELP = `Usage: gipkit schema [inventory|job]

Prints the JSON Schema of the inventory or the job (both, under $defs, when
none is named), for editors and CI checks.`;

export function schemaCommand(args: readonly string[], io: CliIo): ExitCode {
  const { positionals } = parseOptions(args, {}, 1);
  const [kind] = positionals;
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
