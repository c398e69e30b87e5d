import type { OperatorFunction } from '@gipkit/plugin-api';
import { parseJsonPath, resolveOperator } from './compile-conditions.js';
import { formatFactValue } from './message-template.js';

/** Reads a fact by name, in full (as the planner's message reader does). */
export type FactReader = (fact: string) => unknown;

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** What an operator needs, for `{fact} is {actual} (needs …)`. */
const NEEDS: ReadonlyMap<string, (expected: string) => string> = new Map([
  ['equal', (v) => v],
  ['notEqual', (v) => `anything but ${v}`],
  ['in', (v) => `one of ${v}`],
  ['notIn', (v) => `none of ${v}`],
  ['contains', (v) => `a list containing ${v}`],
  ['doesNotContain', (v) => `a list without ${v}`],
  ['containsAll', (v) => `all of ${v}`],
  ['intersects', (v) => `at least one of ${v}`],
  ['lessThan', (v) => `less than ${v}`],
  ['lessThanInclusive', (v) => `${v} or less`],
  ['greaterThan', (v) => `more than ${v}`],
  ['greaterThanInclusive', (v) => `${v} or more`],
  ['versionAtLeast', (v) => `${v} or later`],
]);

/** The same, after `not:`. */
const NEEDS_NOT: ReadonlyMap<string, (expected: string) => string> = new Map([
  ['equal', (v) => `anything but ${v}`],
  ['notEqual', (v) => v],
  ['in', (v) => `none of ${v}`],
  ['notIn', (v) => `one of ${v}`],
  ['contains', (v) => `a list without ${v}`],
  ['containsAll', (v) => `not all of ${v}`],
  ['intersects', (v) => `none of ${v}`],
  ['versionAtLeast', (v) => `older than ${v}`],
]);

function needs(operator: string, expected: string): string {
  const negated = operator.startsWith('not:') ? NEEDS_NOT.get(operator.slice(4)) : undefined;
  const phrase = negated ?? NEEDS.get(operator);
  return phrase === undefined ? `${operator} ${expected}` : phrase(expected);
}

function quoted(value: unknown): string {
  const text = formatFactValue(value);
  return text === '' ? '""' : text;
}

function readPath(value: unknown, path: unknown): unknown {
  if (path === undefined) return value;
  const parts = typeof path === 'string' ? parseJsonPath(path) : null;
  if (parts === null || value === null || typeof value !== 'object') return value;
  let current: unknown = value;
  for (const part of parts) {
    if (current === null || current === undefined || !Object.prototype.hasOwnProperty.call(current, part)) return undefined;
    current = (current as Record<string | number, unknown>)[part];
  }
  return current;
}

interface Evaluated {
  readonly held: boolean;
  /** Why it did not hold, naming each fact and its actual value; empty when it held. */
  readonly why: string;
}

/**
 * Why a condition tree does not hold, in words that name every fact that
 * failed, its actual value and what the rule needs: `vm.hostVersion 2012 R2
 * is older than 2016`. An `all` names only its failed children; an `any`
 * names each alternative (`neither … nor …`).
 */
export function describeFailedConditions(conditions: unknown, read: FactReader, operators: ReadonlyMap<string, OperatorFunction> = new Map()): string {
  const result = evaluate(conditions, read, operators);
  return result.held ? '' : result.why;
}

/**
 * The same, one entry per failed child of a top-level `all` (each of them alone
 * makes the rule fail); a single entry for any other tree; none when it holds.
 */
export function failedParts(conditions: unknown, read: FactReader, operators: ReadonlyMap<string, OperatorFunction> = new Map()): string[] {
  if (isRecord(conditions) && Array.isArray(conditions.all)) {
    return (conditions.all as unknown[]).map((child) => evaluate(child, read, operators)).filter((child) => !child.held).map((child) => child.why);
  }
  const result = evaluate(conditions, read, operators);
  return result.held ? [] : [result.why];
}

/** Whether a rule's top-level `all` holds a `vm.platform` condition that fails: the rule is for another platform. */
export function isForAnotherPlatform(conditions: unknown, read: FactReader, operators: ReadonlyMap<string, OperatorFunction> = new Map()): boolean {
  if (!isRecord(conditions) || !Array.isArray(conditions.all)) return false;
  return (conditions.all as unknown[]).some((child) => isRecord(child) && child.fact === 'vm.platform' && !evaluate(child, read, operators).held);
}

function evaluate(node: unknown, read: FactReader, operators: ReadonlyMap<string, OperatorFunction>): Evaluated {
  if (!isRecord(node)) return { held: false, why: 'an invalid condition' };
  if (Array.isArray(node.all)) {
    const failed = (node.all as unknown[]).map((child) => evaluate(child, read, operators)).filter((child) => !child.held);
    return failed.length === 0 ? { held: true, why: '' } : { held: false, why: failed.map((child) => child.why).join(', and ') };
  }
  if (Array.isArray(node.any)) {
    const children = (node.any as unknown[]).map((child) => evaluate(child, read, operators));
    if (children.length === 0 || children.some((child) => child.held)) return { held: true, why: '' };
    if (children.length === 1) return { held: false, why: children[0]?.why ?? '' };
    return { held: false, why: children.map((child) => child.why).join(', and ') };
  }
  if (Object.hasOwn(node, 'not')) {
    const inner = evaluate(node.not, read, operators);
    return inner.held ? { held: false, why: describeLeafHeld(node.not, read) } : { held: true, why: '' };
  }
  return leaf(node, read, operators);
}

function sides(node: Record<string, unknown>, read: FactReader): { fact: string; actual: unknown; expected: unknown; expectedText: string } {
  const fact = String(node.fact);
  const actual = readPath(read(fact), node.path);
  const value = node.value;
  if (isRecord(value) && typeof value.fact === 'string') {
    const expected = readPath(read(value.fact), value.path);
    return { fact, actual, expected, expectedText: `${value.fact} ${quoted(expected)}` };
  }
  return { fact, actual, expected: value, expectedText: quoted(value) };
}

function leaf(node: Record<string, unknown>, read: FactReader, operators: ReadonlyMap<string, OperatorFunction>): Evaluated {
  const name = typeof node.operator === 'string' ? node.operator : '';
  const operator = resolveOperator(name, operators);
  const { fact, actual, expected, expectedText } = sides(node, read);
  if (operator === null) return { held: false, why: `${fact} is ${quoted(actual)} (unknown operator ${name})` };
  if (operator(actual, expected)) return { held: true, why: '' };
  return { held: false, why: `${fact} is ${quoted(actual)} (needs ${needs(name, expectedText)})` };
}

function describeLeafHeld(node: unknown, read: FactReader): string {
  if (!isRecord(node) || typeof node.fact !== 'string') return 'the inner condition holds';
  const { fact, actual, expectedText } = sides(node, read);
  const name = typeof node.operator === 'string' ? node.operator : '';
  return `${fact} is ${quoted(actual)} (needs ${needs(name.startsWith('not:') ? name.slice(4) : `not:${name}`, expectedText)})`;
}
