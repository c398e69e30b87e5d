import type { OperatorFunction } from '@gipkit/plugin-api';
import type { FactSlot, FactTable, Frames } from './fact-table.js';
import { closestName, didYouMean } from '../input/closest-name.js';
import { BUILT_IN_OPERATORS, OPERATOR_DECORATORS } from './operators.js';

export type Predicate = (frames: Frames) => boolean;
type Getter = (frames: Frames) => unknown;
type PathPart = string | number;
export type Report = (path: readonly PathPart[], message: string, value?: unknown) => void;

export interface CompileContext {
  readonly facts: FactTable;
  readonly operators: ReadonlyMap<string, OperatorFunction>;
  readonly report: Report;
  /** Collects every fact the conditions read. */
  readonly reads: Set<FactSlot>;
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Parses the plain JSONPath subset gipkit compiles: `$`, `.name`, `[0]`, `['name']`. */
export function parseJsonPath(path: string): PathPart[] | null {
  if (!path.startsWith('$')) return null;
  const parts: PathPart[] = [];
  const token = /\.([A-Za-z_$][\w$-]*)|\[(\d+)\]|\['([^']*)'\]|\["([^"]*)"\]/y;
  token.lastIndex = 1;
  while (token.lastIndex < path.length) {
    const match = token.exec(path);
    if (match === null) return null;
    parts.push(match[2] === undefined ? (match[1] ?? match[3] ?? match[4] ?? '') : Number(match[2]));
  }
  return parts;
}

/**
 * As json-rules-engine: a path applies only to a fact whose value is an
 * object; each step reads an own property (as jsonpath-plus does, so a string
 * step gives a character or `length`); a missing step gives undefined.
 */
function withPath(getter: Getter, parts: readonly PathPart[]): Getter {
  if (parts.length === 0) return getter;
  return (frames) => {
    let value = getter(frames);
    if (value === null || typeof value !== 'object') return value;
    for (const part of parts) {
      if (value === null || value === undefined || !Object.prototype.hasOwnProperty.call(value, part)) return undefined;
      value = (value as Record<PathPart, unknown>)[part];
    }
    return value;
  };
}

function factGetter(name: unknown, path: unknown, at: readonly PathPart[], context: CompileContext): Getter | null {
  if (typeof name !== 'string') {
    context.report([...at, 'fact'], 'fact must be a string naming a fact', name);
    return null;
  }
  const slot = context.facts.get(name);
  if (slot === undefined) {
    context.report([...at, 'fact'], `unknown fact${didYouMean(name, context.facts.names)}`, name);
    return null;
  }
  context.reads.add(slot);
  const { scope, index } = slot;
  const getter: Getter = (frames) => frames[scope][index];
  if (path === undefined) return getter;
  const parts = typeof path === 'string' ? parseJsonPath(path) : null;
  if (parts === null) {
    context.report([...at, 'path'], 'unsupported path; use a plain JSONPath such as $.a.b or $.list[0]', path);
    return null;
  }
  return withPath(getter, parts);
}

/** An operator, or one decorator on an operator (`not:contains`); decorators do not chain (`not:not:equal`). */
export function resolveOperator(name: string, operators: ReadonlyMap<string, OperatorFunction>): OperatorFunction | null {
  const direct = operators.get(name) ?? BUILT_IN_OPERATORS.get(name);
  if (direct !== undefined) return direct;
  const colon = name.indexOf(':');
  if (colon <= 0) return null;
  const decorate = OPERATOR_DECORATORS.get(name.slice(0, colon));
  const innerName = name.slice(colon + 1);
  const inner = operators.get(innerName) ?? BUILT_IN_OPERATORS.get(innerName);
  return decorate === undefined || inner === undefined ? null : decorate(inner);
}

/** Why an operator name does not resolve: a chain of decorators, or an unknown name (with the closest known one). */
function operatorProblem(name: string, operators: ReadonlyMap<string, OperatorFunction>): string {
  const parts = name.split(':');
  if (parts.length > 2 && OPERATOR_DECORATORS.has(parts[0] ?? '') && OPERATOR_DECORATORS.has(parts[1] ?? '')) {
    return `operator decorators do not chain: use at most one (${[...OPERATOR_DECORATORS.keys()].map((key) => `${key}:`).join(', ')})`;
  }
  const names = [...BUILT_IN_OPERATORS.keys(), ...operators.keys()];
  const colon = name.indexOf(':');
  if (colon > 0) {
    // `not:equl`: the decorator and the operator are suggested on their own.
    const decorator = name.slice(0, colon);
    const inner = name.slice(colon + 1);
    const knownDecorator = OPERATOR_DECORATORS.has(decorator) ? decorator : closestName(decorator, OPERATOR_DECORATORS.keys());
    const knownInner = names.includes(inner) ? inner : closestName(inner, names);
    return knownDecorator === undefined || knownInner === undefined ? 'unknown operator' : `unknown operator; did you mean ${JSON.stringify(`${knownDecorator}:${knownInner}`)}?`;
  }
  return `unknown operator${didYouMean(name, names)}`;
}

const BOOLEAN_KEYS = ['all', 'any', 'not'] as const;

/**
 * How deep all, any and not may nest, the top-level condition counting as 1.
 * Compiling recurses once per level; deeper trees are refused before it starts.
 */
export const MAX_CONDITION_DEPTH = 64;

/**
 * Whether all, any and not nest deeper than `limit`. Iterative, so that no
 * depth can overflow the stack; it stops at the first node beyond the limit,
 * and a cycle (possible in data built in code, or through YAML aliases) is
 * refused as too deep.
 */
export function nestsDeeperThan(conditions: unknown, limit: number = MAX_CONDITION_DEPTH): boolean {
  const nodes: unknown[] = [conditions];
  const depths: number[] = [1];
  while (nodes.length > 0) {
    const node = nodes.pop();
    const depth = depths.pop() ?? 1;
    if (!isRecord(node)) continue;
    for (const key of BOOLEAN_KEYS) {
      if (!Object.hasOwn(node, key)) continue;
      if (depth > limit) return true;
      const children = node[key];
      if (key === 'not') {
        nodes.push(children);
        depths.push(depth + 1);
      } else if (Array.isArray(children)) {
        for (const child of children as unknown[]) {
          nodes.push(child);
          depths.push(depth + 1);
        }
      }
    }
  }
  return false;
}

/** Compiles a json-rules-engine condition tree into one synchronous predicate. */
export function compileCondition(node: unknown, at: readonly PathPart[], context: CompileContext): Predicate | null {
  if (!isRecord(node)) {
    context.report(at, 'a condition must be an object with all, any, not, or fact/operator/value', node);
    return null;
  }
  const keys = BOOLEAN_KEYS.filter((key) => Object.hasOwn(node, key));
  if (keys.length > 1) {
    context.report(at, `a condition has exactly one of all, any, not; found ${keys.join(' and ')}`);
    return null;
  }
  const [key] = keys;
  if (key === 'all' || key === 'any') {
    const children = node[key];
    if (!Array.isArray(children)) {
      context.report([...at, key], `${key} must be a list of conditions`, children);
      return null;
    }
    const compiled = children.map((child, i) => compileCondition(child, [...at, key, i], context));
    if (compiled.some((predicate) => predicate === null)) return null;
    const predicates = compiled as Predicate[];
    if (key === 'all') return (frames) => predicates.every((predicate) => predicate(frames));
    // json-rules-engine: an empty `any` is true, like an empty `all`.
    return predicates.length === 0 ? () => true : (frames) => predicates.some((predicate) => predicate(frames));
  }
  if (key === 'not') {
    const inner = compileCondition(node.not, [...at, 'not'], context);
    return inner === null ? null : (frames) => !inner(frames);
  }
  if (Object.hasOwn(node, 'condition')) {
    context.report([...at, 'condition'], 'shared condition references are not supported; write the condition inline', node.condition);
    return null;
  }
  return compileFactCondition(node, at, context);
}

function compileFactCondition(node: Record<string, unknown>, at: readonly PathPart[], context: CompileContext): Predicate | null {
  const left = factGetter(node.fact, node.path, at, context);
  const operatorName = node.operator;
  let operator: OperatorFunction | null = null;
  if (typeof operatorName !== 'string') context.report([...at, 'operator'], 'operator must be a string', operatorName);
  else {
    operator = resolveOperator(operatorName, context.operators);
    if (operator === null) context.report([...at, 'operator'], operatorProblem(operatorName, context.operators), operatorName);
  }
  const hasValue = Object.hasOwn(node, 'value');
  if (!hasValue) context.report(at, 'a fact condition needs a value');
  const value = node.value;
  let right: Getter | null;
  if (isRecord(value) && Object.prototype.hasOwnProperty.call(value, 'fact')) {
    right = factGetter(value.fact, value.path, [...at, 'value'], context);
  } else {
    if ((operatorName === 'in' || operatorName === 'notIn') && !Array.isArray(value)) {
      context.report([...at, 'value'], `${operatorName} needs a list value`, value);
    }
    right = () => value;
  }
  if (left === null || right === null || operator === null || !hasValue) return null;
  const compare = operator;
  const factValue = left;
  const compareTo = right;
  return (frames) => compare(factValue(frames), compareTo(frames));
}
