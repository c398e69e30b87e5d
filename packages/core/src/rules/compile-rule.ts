import type { FactScope, OperatorFunction, RuleDocument } from '@gipkit/plugin-api';
import { compileCondition, MAX_CONDITION_DEPTH, nestsDeeperThan, type Predicate, type Report } from './compile-conditions.js';
import { widestScope, type FactSlot, type FactTable } from './fact-table.js';
import { closestName, didYouMean } from '../input/closest-name.js';
import { placeholders } from './message-template.js';

/** Where a rule document came from, to point at it in diagnostics. */
export interface RuleOrigin {
  /** The pack or file name. */
  readonly source: string;
  /** Path of the rule inside that file: `add[2]`, `rules[5]`. */
  readonly path: readonly (string | number)[];
  /** Reports a problem at a path relative to the rule. */
  readonly report: Report;
}

export type RuleKind = RuleDocument['event']['type'];

export interface CompiledRule {
  readonly document: RuleDocument;
  readonly name: string;
  readonly kind: RuleKind;
  /** Widest scope of the facts it reads: decides how often it is evaluated. */
  readonly scope: FactScope;
  /** Facts its conditions read (not its message). */
  readonly reads: readonly FactSlot[];
  /** Facts its message names. */
  readonly messageFacts: readonly FactSlot[];
  readonly test: Predicate;
  readonly origin: RuleOrigin;
}

const RULE_KEYS = new Set(['name', 'description', 'source', 'priority', 'conditions', 'event']);
const KINDS: readonly RuleKind[] = ['job-outcome', 'exclude', 'method', 'tier'];
const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

function checkEvent(event: unknown, report: Report): { kind: RuleKind; messages: string[] } | null {
  if (!isRecord(event) || typeof event.type !== 'string' || !KINDS.includes(event.type as RuleKind)) {
    report(['event', 'type'], `event type must be one of ${KINDS.join(', ')}${didYouMean(isRecord(event) ? event.type : undefined, KINDS)}`, isRecord(event) ? event.type : event);
    return null;
  }
  const kind = event.type as RuleKind;
  const params = isRecord(event.params) ? event.params : {};
  const messages: string[] = [];
  const needString = (key: string, optional = false): void => {
    const value = params[key];
    if (typeof value === 'string' && value !== '') messages.push(value);
    else if (!(optional && value === undefined)) {
      const misspelt = value === undefined ? Object.keys(params).find((written) => closestName(written, [key]) === key) : undefined;
      const hint = misspelt === undefined ? '' : `; params.${misspelt} looks like a misspelling of it`;
      report(['event', 'params', key], `${kind === 'exclude' ? 'an' : 'a'} ${kind} rule needs params.${key} (a non-empty string)${hint}`, value);
    }
  };
  if (kind === 'job-outcome') {
    if (params.status !== 'not-required' && params.status !== 'backup-server') {
      report(['event', 'params', 'status'], 'status must be not-required or backup-server', params.status);
    }
    needString('message');
  } else if (kind === 'exclude') {
    needString('message');
  } else if (kind === 'method') {
    if (typeof params.method !== 'string' || params.method === '') report(['event', 'params', 'method'], 'a method rule needs params.method', params.method);
    if (params.kind !== 'network' && params.kind !== 'networkless') report(['event', 'params', 'kind'], 'kind must be network or networkless', params.kind);
    needString('message', true);
  } else if (typeof params.tier !== 'number' || !Number.isFinite(params.tier) || params.tier < 0) {
    report(['event', 'params', 'tier'], 'a tier rule needs params.tier (a number, 0 or more; lower wins)', params.tier);
  }
  return { kind, messages };
}

/** Compiles one rule document; returns null and reports every problem when it cannot. */
export function compileRule(
  document: unknown,
  facts: FactTable,
  operators: ReadonlyMap<string, OperatorFunction>,
  origin: RuleOrigin,
): CompiledRule | null {
  const { report } = origin;
  if (!isRecord(document)) {
    report([], 'a rule must be an object', document);
    return null;
  }
  let ok = true;
  const fail: Report = (path, message, value) => {
    ok = false;
    report(path, message, value);
  };
  for (const key of Object.keys(document)) if (!RULE_KEYS.has(key)) fail([key], `unknown key in a rule${didYouMean(key, RULE_KEYS)}`, key);
  if (typeof document.name !== 'string' || !/^[a-z0-9]+(-[a-z0-9]+)*$/.test(document.name)) fail(['name'], 'name must be kebab-case', document.name);
  if (typeof document.description !== 'string' || document.description.trim() === '') fail(['description'], 'a rule needs a description', document.description);
  if (document.priority !== undefined && !(Number.isInteger(document.priority) && (document.priority as number) >= 1)) {
    fail(['priority'], 'priority must be an integer of 1 or more', document.priority);
  }
  const conditions = document.conditions;
  const reads = new Set<FactSlot>();
  let test: Predicate | null = null;
  if (!isRecord(conditions) || !['all', 'any', 'not'].some((key) => Object.hasOwn(conditions, key))) {
    fail(['conditions'], 'conditions must have all, any or not at the top', conditions);
  } else if (nestsDeeperThan(conditions)) {
    // No value: the tree is too deep to print, and it would repeat the whole rule.
    fail(['conditions'], `conditions nest all, any and not more than ${MAX_CONDITION_DEPTH} levels deep`);
  } else {
    test = compileCondition(conditions, ['conditions'], { facts, operators, report: fail, reads });
  }
  const event = checkEvent(document.event, fail);
  const messageFacts: FactSlot[] = [];
  for (const message of event?.messages ?? []) {
    for (const name of placeholders(message)) {
      const slot = facts.get(name);
      if (slot === undefined) fail(['event', 'params'], `message names an unknown fact {${name}}${didYouMean(name, facts.names)}`, name);
      // A job outcome is decided once for the whole job: there is no server or VM whose value it could show.
      else if (event?.kind === 'job-outcome' && slot.scope !== 'job') {
        fail(['event', 'params', 'message'], `a job-outcome message may name job facts only; {${name}} is a ${slot.scope} fact`, name);
      } else messageFacts.push(slot);
    }
  }
  const scope = widestScope([...reads].map((slot) => slot.scope));
  if (event?.kind === 'job-outcome' && scope !== 'job') {
    fail(['conditions'], `a job-outcome rule may read job facts only; it reads ${[...reads].filter((s) => s.scope !== 'job').map((s) => s.name).join(', ')}`);
  }
  if (!ok || test === null || event === null) return null;
  return {
    document: document as unknown as RuleDocument,
    name: document.name as string,
    kind: event.kind,
    scope,
    reads: [...reads],
    messageFacts,
    test,
    origin,
  };
}
