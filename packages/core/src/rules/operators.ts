import type { OperatorDefinition, OperatorFunction } from '@gipkit/plugin-api';

/**
 * json-rules-engine's built-in operators, with its exact semantics (including
 * its fact-value validators), so that compiled rules and the engine agree.
 * Where the engine would throw (`in` against a non-list), these return false.
 */
const isArray = (value: unknown): value is unknown[] => Array.isArray(value);
const isNumeric = (value: unknown): boolean => Number.parseFloat(value as string).toString() !== 'NaN';
const indexOf = (list: unknown, item: unknown): number =>
  typeof (list as { indexOf?: unknown } | null)?.indexOf === 'function' ? (list as unknown[]).indexOf(item) : Number.NaN;

export const BUILT_IN_OPERATORS: ReadonlyMap<string, OperatorFunction> = new Map<string, OperatorFunction>([
  ['equal', (a, b) => a === b],
  ['notEqual', (a, b) => a !== b],
  ['in', (a, b) => indexOf(b, a) > -1],
  ['notIn', (a, b) => indexOf(b, a) === -1],
  ['contains', (a, b) => isArray(a) && a.indexOf(b) > -1],
  ['doesNotContain', (a, b) => isArray(a) && a.indexOf(b) === -1],
  ['lessThan', (a, b) => isNumeric(a) && (a as number) < (b as number)],
  ['lessThanInclusive', (a, b) => isNumeric(a) && (a as number) <= (b as number)],
  ['greaterThan', (a, b) => isNumeric(a) && (a as number) > (b as number)],
  ['greaterThanInclusive', (a, b) => isNumeric(a) && (a as number) >= (b as number)],
]);

type Next = OperatorFunction;
/** json-rules-engine's operator decorators: `not:contains`, `someFact:equal`, ... */
export const OPERATOR_DECORATORS: ReadonlyMap<string, (next: Next) => OperatorFunction> = new Map<string, (next: Next) => OperatorFunction>([
  ['someFact', (next) => (a, b) => isArray(a) && a.some((item) => next(item, b))],
  ['everyFact', (next) => (a, b) => isArray(a) && a.every((item) => next(item, b))],
  ['someValue', (next) => (a, b) => isArray(b) && b.some((item) => next(a, item))],
  ['everyValue', (next) => (a, b) => isArray(b) && b.every((item) => next(a, item))],
  ['swap', (next) => (a, b) => next(b, a)],
  ['not', (next) => (a, b) => !next(a, b)],
]);

const versionCache = new Map<string, readonly number[] | null>();

/** Numeric parts of a version: "2012 R2" → [2012, 2], "9.4" → [9, 4]. Memoised: versions repeat. */
function versionParts(value: unknown): readonly number[] | null {
  if (typeof value !== 'string' && typeof value !== 'number') return null;
  const text = String(value);
  let parts = versionCache.get(text);
  if (parts === undefined) {
    parts = text.match(/\d+/g)?.map(Number) ?? null;
    if (versionCache.size < 10_000) versionCache.set(text, parts);
  }
  return parts;
}

function compareVersions(left: readonly number[], right: readonly number[]): number {
  for (let i = 0; i < Math.max(left.length, right.length); i++) {
    const difference = (left[i] ?? 0) - (right[i] ?? 0);
    if (difference !== 0) return difference;
  }
  return 0;
}

/** gipkit's own operators, registered with json-rules-engine too for the reference runs. */
export const DEFAULT_OPERATORS: readonly OperatorDefinition[] = [
  {
    name: 'versionAtLeast',
    description: 'The fact is a version (string or number) whose numeric parts compare at or above the value: "2012 R2" ≥ "2012", "9.4" ≥ "9". False when either has no digits.',
    evaluate: (fact, value) => {
      const left = versionParts(fact);
      const right = versionParts(value);
      return left !== null && right !== null && compareVersions(left, right) >= 0;
    },
  },
  {
    name: 'containsAll',
    description: 'The fact is a list that contains every item of the value list.',
    evaluate: (fact, value) => isArray(fact) && isArray(value) && value.every((item) => fact.includes(item)),
  },
  {
    name: 'intersects',
    description: 'The fact and the value are lists with at least one item in common.',
    evaluate: (fact, value) => isArray(fact) && isArray(value) && fact.some((item) => value.includes(item)),
  },
];
