import { z } from 'zod';
import { inventorySchema, jobSchema } from './schema.js';

export type SchemaKind = 'inventory' | 'job';

/** JSON Schema (draft 2020-12) of the inventory or the job, as written (defaults optional). */
export function toJsonSchema(kind: SchemaKind): Record<string, unknown> {
  const schema = kind === 'inventory' ? inventorySchema : jobSchema;
  return {
    $id: `https://gipkit.dev/schema/${kind}.json`,
    title: `gipkit ${kind}`,
    ...z.toJSONSchema(schema, { io: 'input', target: 'draft-2020-12' }),
  };
}
