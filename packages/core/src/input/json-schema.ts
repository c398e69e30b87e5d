import type { z } from 'zod';
import { RULES_DEFINITION_NAMES, rulesFileSchema } from '../rules/rules-file-schema.js';
import { inputSchemas } from './schema.js';
import { zod } from './zod.js';

export type SchemaKind = 'inventory' | 'job' | 'rules';

/** The kinds `toJsonSchema` knows, in the order `gipkit schema` lists them. */
export const SCHEMA_KINDS: readonly SchemaKind[] = ['inventory', 'job', 'rules'];

const SCHEMAS = new Map<SchemaKind, () => z.ZodType>([
  ['inventory', () => inputSchemas().inventorySchema],
  ['job', () => inputSchemas().jobSchema],
  ['rules', rulesFileSchema],
]);

/**
 * JSON Schema (draft 2020-12) of the inventory, the job or an organisation's
 * rules file, as written (defaults optional). Every property has a description.
 */
export function toJsonSchema(kind: SchemaKind): Record<string, unknown> {
  const schemaOf = SCHEMAS.get(kind);
  if (schemaOf === undefined) throw new TypeError(`unknown schema kind: ${String(kind)}; expected ${SCHEMA_KINDS.join(', ')}`);
  const json = zod().z.toJSONSchema(schemaOf(), { io: 'input', target: 'draft-2020-12' }) as Record<string, unknown>;
  return {
    $id: `https://gipkit.dev/schema/${kind}.json`,
    title: `gipkit ${kind === 'rules' ? 'rules file' : kind}`,
    ...nameDefinitions(json, RULES_DEFINITION_NAMES),
  };
}

/** Renames zod's generated `$defs` (`__schema0`) after their description, and every `$ref` to them. */
function nameDefinitions(json: Record<string, unknown>, names: ReadonlyMap<string, string>): Record<string, unknown> {
  const defs = json.$defs;
  if (typeof defs !== 'object' || defs === null) return json;
  const renamed = new Map<string, string>();
  for (const [key, definition] of Object.entries(defs as Record<string, { description?: unknown }>)) {
    const name = typeof definition.description === 'string' ? names.get(definition.description) : undefined;
    if (name !== undefined && !Object.hasOwn(defs, name)) renamed.set(`#/$defs/${key}`, `#/$defs/${name}`);
  }
  if (renamed.size === 0) return json;
  const rename = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(rename);
    if (typeof node !== 'object' || node === null) return node;
    const copy: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(node)) copy[key] = key === '$ref' && typeof value === 'string' ? (renamed.get(value) ?? value) : rename(value);
    return copy;
  };
  const named = rename(json) as Record<string, unknown>;
  named.$defs = Object.fromEntries(
    Object.entries(named.$defs as Record<string, unknown>).map(([key, value]) => [(renamed.get(`#/$defs/${key}`) ?? `#/$defs/${key}`).slice('#/$defs/'.length), value]),
  );
  return named;
}
