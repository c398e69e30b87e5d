/**
 * Small readers for messages that crossed Redis: every field is read as an
 * own data property of a plain object (never through the prototype), checked
 * for its type, and a problem names the field and the value found.
 */
export class ShapeProblem extends Error {}

type Plain = Readonly<Record<string, unknown>>;

export function record(value: unknown, where: string, keys: readonly string[]): Plain {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new ShapeProblem(`${where} must be an object (found ${describe(value)})`);
  const prototype = Object.getPrototypeOf(value) as unknown;
  if (prototype !== Object.prototype && prototype !== null) throw new ShapeProblem(`${where} must be a plain object`);
  for (const key of Object.keys(value)) if (!keys.includes(key)) throw new ShapeProblem(`${where} has an unknown field ${JSON.stringify(key)}`);
  return value as Plain;
}

export function own(object: Plain, key: string): unknown {
  return Object.prototype.hasOwnProperty.call(object, key) ? object[key] : undefined;
}

export function text(object: Plain, key: string, where: string, options: { readonly max?: number; readonly pattern?: RegExp; readonly optional?: boolean } = {}): string {
  const value = own(object, key);
  if (value === undefined && options.optional === true) return undefined as never;
  if (typeof value !== 'string') throw new ShapeProblem(`${where}.${key} must be a string (found ${describe(value)})`);
  if (value.length > (options.max ?? 1024)) throw new ShapeProblem(`${where}.${key} is longer than ${options.max ?? 1024} characters`);
  if (options.pattern !== undefined && !options.pattern.test(value)) throw new ShapeProblem(`${where}.${key} is not valid (found ${describe(value)})`);
  return value;
}

export function oneOf<T extends string>(object: Plain, key: string, where: string, values: readonly T[]): T {
  const value = own(object, key);
  if (typeof value !== 'string' || !(values as readonly string[]).includes(value)) {
    throw new ShapeProblem(`${where}.${key} must be one of ${values.join(', ')} (found ${describe(value)})`);
  }
  return value as T;
}

export function integer(object: Plain, key: string, where: string, min: number, max: number, optional = false): number {
  const value = own(object, key);
  if (value === undefined && optional) return undefined as never;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new ShapeProblem(`${where}.${key} must be a whole number from ${min} to ${max} (found ${describe(value)})`);
  }
  return value;
}

export function texts(object: Plain, key: string, where: string, options: { readonly maxItems: number; readonly max?: number; readonly pattern?: RegExp }): readonly string[] {
  const value = own(object, key);
  if (!Array.isArray(value)) throw new ShapeProblem(`${where}.${key} must be a list (found ${describe(value)})`);
  if (value.length > options.maxItems) throw new ShapeProblem(`${where}.${key} has more than ${options.maxItems} entries`);
  return value.map((item: unknown, index) => text({ item }, 'item', `${where}.${key}[${index}]`, options));
}

export function flag(object: Plain, key: string, where: string): boolean | undefined {
  const value = own(object, key);
  if (value === undefined) return undefined;
  if (typeof value !== 'boolean') throw new ShapeProblem(`${where}.${key} must be true or false (found ${describe(value)})`);
  return value;
}

/** A value for a message: short, JSON, never a whole object. */
export function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'an object';
  const json = JSON.stringify(value);
  return json.length > 80 ? `${json.slice(0, 77)}...` : json;
}
