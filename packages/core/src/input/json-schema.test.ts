import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { rulesFileSchema } from '../rules/rules-file-schema.js';
import { SCHEMA_KINDS, toJsonSchema } from './json-schema.js';

const PACKAGE = join(import.meta.dirname, '../..');
const ROOT = join(PACKAGE, '../..');

/** The path of every property, anywhere in a JSON Schema, whose schema has no description. */
function undescribed(node: unknown, at: string): string[] {
  if (Array.isArray(node)) return node.flatMap((item, index) => undescribed(item, `${at}[${index}]`));
  if (typeof node !== 'object' || node === null) return [];
  const record = node as Record<string, unknown>;
  const missing: string[] = [];
  const properties = record.properties;
  if (typeof properties === 'object' && properties !== null) {
    for (const [name, property] of Object.entries(properties)) {
      const description = (property as { description?: unknown }).description;
      if (typeof description !== 'string' || description.trim() === '') missing.push(`${at}.properties.${name}`);
    }
  }
  for (const [key, value] of Object.entries(record)) missing.push(...undescribed(value, `${at}.${key}`));
  return missing;
}

/** Every local `$ref` (`#/...`) anywhere in a schema whose JSON pointer does not lead to a schema in it. */
function danglingRefs(schema: Record<string, unknown>): string[] {
  const resolve = (pointer: string): unknown =>
    pointer
      .slice(2)
      .split('/')
      .map((part) => part.replaceAll('~1', '/').replaceAll('~0', '~'))
      .reduce<unknown>((node, part) => (typeof node === 'object' && node !== null && Object.hasOwn(node, part) ? (node as Record<string, unknown>)[part] : undefined), schema);
  const refs = [...JSON.stringify(schema).matchAll(/"\$ref":"([^"]*)"/g)].map((match) => match[1] ?? '');
  return refs.filter((ref) => !ref.startsWith('#/') || typeof resolve(ref) !== 'object');
}

describe('gipkit schema: every property of every schema has a description', () => {
  it.each(SCHEMA_KINDS)('every property of the %s schema has a description, so editors show help on hover', (kind) => {
    const schema = toJsonSchema(kind);
    expect(typeof schema.description).toBe('string');
    expect(undescribed(schema, kind)).toEqual([]);
  });

  it.each(SCHEMA_KINDS)('every $ref of the %s schema leads to a definition in it, so an editor can follow it', (kind) => {
    expect(danglingRefs(toJsonSchema(kind))).toEqual([]);
  });

  it('the ref check finds a reference to a missing definition', () => {
    expect(danglingRefs({ $defs: { a: { type: 'string' } }, properties: { x: { $ref: '#/$defs/a' }, y: { $ref: '#/$defs/b' } } })).toEqual(['#/$defs/b']);
  });

  it('the walk finds a property without a description', () => {
    const schema = { properties: { a: { description: 'A', type: 'object', properties: { b: { type: 'string' } } } } };
    expect(undescribed(schema, 'x')).toEqual(['x.properties.a.properties.b']);
  });
});

describe('gipkit schema rules: the JSON Schema of organisation rules files', () => {
  it('describes add, replace and disable, and refuses other keys', () => {
    const schema = toJsonSchema('rules');
    expect(schema.$id).toBe('https://gipkit.dev/schema/rules.json');
    expect(Object.keys(schema.properties as object)).toEqual(['add', 'replace', 'disable']);
    expect(schema.additionalProperties).toBe(false);
    expect(JSON.stringify(schema)).toContain('"enum":["network","networkless"]');
    expect(Object.keys(schema.$defs as object).sort()).toEqual(['allCondition', 'condition']);
    const refs = [...JSON.stringify(schema).matchAll(/"\$ref":"([^"]+)"/g)].map((match) => match[1]);
    expect(refs.length).toBeGreaterThan(0);
    for (const ref of refs) expect(['#/$defs/allCondition', '#/$defs/condition']).toContain(ref);
  });

  it('accepts every rule of the default pack and of the example rules file (an editor never flags a file gipkit accepts)', () => {
    const pack = JSON.parse(readFileSync(join(PACKAGE, 'rules/default.rules.json'), 'utf8')) as { rules: unknown[] };
    expect(pack.rules.length).toBeGreaterThan(10);
    expect(rulesFileSchema().safeParse({ add: pack.rules }).error?.issues ?? []).toEqual([]);
    const example: unknown = parse(readFileSync(join(ROOT, 'examples/lab/org-rules.yaml'), 'utf8'));
    expect(rulesFileSchema().safeParse(example).error?.issues ?? []).toEqual([]);
  });

  it('flags what the loader refuses: an unknown key, a rule without conditions, an unknown event type', () => {
    expect(rulesFileSchema().safeParse({ ad: [] }).success).toBe(false);
    const rule = { name: 'r', description: 'A rule.', conditions: { all: [] }, event: { type: 'exclude', params: { message: 'm' } } };
    expect(rulesFileSchema().safeParse({ add: [rule] }).success).toBe(true);
    expect(rulesFileSchema().safeParse({ add: [{ ...rule, conditions: undefined }] }).success).toBe(false);
    expect(rulesFileSchema().safeParse({ add: [{ ...rule, event: { type: 'prefer', params: {} } }] }).success).toBe(false);
    expect(rulesFileSchema().safeParse({ add: [{ ...rule, name: 'Not Kebab' }] }).success).toBe(false);
  });
});
