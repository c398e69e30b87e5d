import { z } from 'zod';
import { rulesFileSchema } from '../rules/rules-file-schema.js';
import { inventorySchema, jobSchema } from './schema.js';

export type SchemaKind = 'inventory' | 'job' | 'rules';

/** The kinds `toJsonSchema` knows, in the order `gipkit schema` lists them. */
export const SCHEMA_KINDS: readonly SchemaKind[] = ['inventory', 'job', 'rules'];

const SCHEMAS = new Map<SchemaKind, z.ZodType>([
  ['inventory', inventorySchema],
  ['job', jobSchema],
  ['rules', rulesFileSchema],
]);

/**
 * JSON Schema (draft 2020-12) of the inventory, the job or an organisation's
 * rules file, as written (defaults optional). Every property has a description.
 */
export function toJsonSchema(kind: SchemaKind): Record<string, unknown> {
  const schema = SCHEMAS.get(kind);
  if (schema === undefined) throw new TypeError(`unknown schema kind: ${String(kind)}; expected ${SCHEMA_KINDS.join(', ')}`);
  return {
    $id: `https://gipkit.dev/schema/${kind}.json`,
    title: `gipkit ${kind === 'rules' ? 'rules file' : kind}`,
    ...z.toJSONSchema(schema, { io: 'input', target: 'draft-2020-12' }),
  };
}
