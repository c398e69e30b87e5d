import type { z } from 'zod';
import { zod } from './zod.js';

/**
 * gipkit's words for zod's issues, in the style of the schema's own messages
 * ("unknown OS family; expected windows or linux"): what was expected, never
 * zod's "Invalid input: expected array, received string". A message written in
 * the schema (`min(1, 'a network needs at least one CIDR')`) wins over these.
 * Passed to every parse as its error map.
 */
export function shapeMessage(issue: z.core.$ZodRawIssue): string | undefined {
  switch (issue.code) {
    case 'invalid_type': {
      const expected = EXPECTED[issue.expected] ?? `a value of type ${issue.expected}`;
      const found = kindOf(issue.input);
      return found === undefined ? `expected ${expected}` : `expected ${expected}, not ${found}`;
    }
    case 'too_small':
      return tooSmall(issue.origin, Number(issue.minimum), issue.inclusive !== false);
    case 'too_big':
      return tooBig(issue.origin, Number(issue.maximum), issue.inclusive !== false);
    case 'invalid_value':
      return `unknown value; expected ${issue.values.length === 1 ? JSON.stringify(issue.values[0]) : `one of ${issue.values.map(String).join(', ')}`}`;
    case 'invalid_format':
      return `not a valid ${issue.format}`;
    case 'not_multiple_of':
      return `expected a multiple of ${String(issue.divisor)}`;
    case 'invalid_union':
      return 'matches none of the forms this value may take';
    case 'invalid_key':
      return 'invalid key';
    case 'invalid_element':
      return 'invalid item';
    default:
      return undefined;
  }
}

const EXPECTED: Readonly<Record<string, string>> = {
  array: 'a list',
  object: 'a mapping',
  record: 'a mapping',
  string: 'a string',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
  null: 'null',
};

/** What a non-scalar value is (a scalar is shown as `(found "a")` by the diagnostic itself). */
function kindOf(value: unknown): string | undefined {
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object' && value !== null) return 'a mapping';
  return undefined;
}

function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

function tooSmall(origin: string, minimum: number, inclusive: boolean): string {
  if (origin === 'string') return minimum <= 1 ? 'must not be empty' : `too short; expected at least ${plural(minimum, 'character')}`;
  if (origin === 'array' || origin === 'set') return minimum <= 1 ? 'must not be empty; expected at least 1 item' : `too few items; expected at least ${minimum}`;
  return `too small; expected ${inclusive ? `${minimum} or more` : `more than ${minimum}`}`;
}

function tooBig(origin: string, maximum: number, inclusive: boolean): string {
  if (origin === 'string') return `too long; expected at most ${plural(maximum, 'character')}`;
  if (origin === 'array' || origin === 'set') return `too many items; expected at most ${maximum}`;
  return `too big; expected ${inclusive ? `${maximum} or less` : `less than ${maximum}`}`;
}

const schemaKeys = new WeakMap<z.ZodType, Record<string, unknown>>();
const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

function alternatives(node: unknown): Record<string, unknown>[] {
  if (!isRecord(node)) return [];
  const options = [node.anyOf, node.oneOf, node.allOf].flatMap((list) => (Array.isArray(list) ? (list as unknown[]) : []));
  return options.length === 0 ? [node] : options.flatMap(alternatives);
}

/** The keys a mapping at `path` may have, from the schema: for "did you mean" on an unknown key. */
export function keysAt(schema: z.ZodType, path: readonly (string | number)[]): string[] {
  let root = schemaKeys.get(schema);
  if (root === undefined) {
    root = zod().z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
    schemaKeys.set(schema, root);
  }
  let nodes = alternatives(root);
  for (const part of path) {
    nodes = nodes.flatMap((node) => {
      if (typeof part === 'number') return alternatives(node.items);
      const properties = isRecord(node.properties) ? node.properties : {};
      return alternatives(Object.hasOwn(properties, part) ? properties[part] : node.additionalProperties);
    });
  }
  return [...new Set(nodes.flatMap((node) => (isRecord(node.properties) ? Object.keys(node.properties) : [])))];
}
