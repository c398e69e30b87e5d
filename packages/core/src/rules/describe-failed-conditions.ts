import type { OperatorFunction } from '@gipkit/plugin-api';
import { parseJsonPath, resolveOperator } from './compile-conditions.js';
import { formatFactValue } from './message-template.js';

/** Reads a fact by name, in full (as the planner's message reader does). */
export type FactReader = (fact: string) => unknown;

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** How an operator's failure reads: `{fact} {actual} <phrase> {expected}`. */
const FAILED: ReadonlyMap<string, string> = new Map([
  ['equal', 'is not'],
  ['notEqual', 'is'],
  ['in', 'is not one of'],
  ['notIn', 'is one of'],
  ['contains', 'does not contain'],
  ['doesNotContain', 'contains'],
  ['containsAll', 'does not contain all of'],
  ['intersects', 'has nothing in common with'],
  ['lessThan', 'is not less than'],
  ['lessThanInclusive', 'is more than'],
  ['greaterThan', 'is not more than'],
  ['greaterThanInclusive', 'is less than'],
  ['versionAtLeast', 'is older than'],
]);

/** The same, for a `not:` operator: what holds when its inner operator held. */
const HELD: ReadonlyMap<string, string> = new Map([
  ['equal', 'is'],
  ['notEqual', 'is not'],
  ['in', 'is one of'],
  ['notIn', 'is not one of'],
  ['contains', 'contains'],
  ['doesNotContain', 'does not contain'],
  ['containsAll', 'contains all of'],
  ['intersects', 'has items in common with'],
  ['versionAtLeast', 'is at least'],
]);

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
    return inner.held ? { held: false, why: `not expected: ${describeLeafHeld(node.not, read)}` } : { held: true, why: '' };
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
  if (operator === null) return { held: false, why: `${fact} (unknown operator ${name})` };
  if (operator(actual, expected)) return { held: true, why: '' };
  if (name === 'equal' && typeof expected === 'boolean') return { held: false, why: `${fact} is ${quoted(actual)} (needs ${String(expected)})` };
  const negated = name.startsWith('not:') ? HELD.get(name.slice(4)) : undefined;
  const phrase = negated ?? FAILED.get(name) ?? `fails ${name}`;
  return { held: false, why: `${fact} ${quoted(actual)} ${phrase} ${expectedText}` };
}

function describeLeafHeld(node: unknown, read: FactReader): string {
  if (!isRecord(node) || typeof node.fact !== 'string') return 'the inner condition holds';
  const { fact, actual, expectedText } = sides(node, read);
  const name = typeof node.operator === 'string' ? node.operator : '';
  return `${fact} ${quoted(actual)} ${HELD.get(name) ?? name} ${expectedText}`;
}
