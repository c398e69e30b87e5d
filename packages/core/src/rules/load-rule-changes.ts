import { RuleError, type Diagnostic, type RuleChanges, type RuleDocument } from '@gipkit/plugin-api';
import type { ReadInputOptions } from '../input/read-input-file.js';
import { readSourceDocument } from '../input/source-document.js';
import type { LocatedChanges } from './assemble-rules.js';
import { didYouMean } from '../input/closest-name.js';

const KEYS = new Set(['add', 'replace', 'disable']);

/**
 * Reads an organisation's rules file (YAML or JSON): `add` and `replace` (lists
 * of rule documents) and `disable` (rule names). The rule documents themselves
 * are checked when the engine compiles them, with positions in this file.
 * The file is read like an inventory: a regular file of at most `maxInputBytes`.
 */
export function loadRuleChanges(file: string, options: ReadInputOptions = {}): LocatedChanges {
  const { changes, problems } = readRuleChanges(file, options);
  if (problems.length > 0 || changes === undefined) throw new RuleError('invalid rules file:', problems);
  return changes;
}

/**
 * The same, without throwing: the problems of the file's layout, and the parts
 * that can still be compiled (a list under a misspelt key is left out, the
 * other lists are kept), so that their rules' problems are reported too.
 * `changes` is undefined when the file cannot be read or parsed.
 */
export function readRuleChanges(file: string, options: ReadInputOptions = {}): { changes?: LocatedChanges; problems: Diagnostic[] } {
  const document = readSourceDocument(file, options);
  if (document.problems.length > 0) return { problems: [...document.problems] };
  const data = document.data;
  const problems: Diagnostic[] = [];
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    return { problems: document.place([document.at([], 'a rules file is a mapping with add, replace and/or disable', data)]) };
  }
  const record = data as Record<string, unknown>;
  for (const key of Object.keys(record)) if (!KEYS.has(key)) problems.push(document.at([key], `unknown key; expected add, replace or disable${didYouMean(key, KEYS)}`, key));
  const lists: Partial<Record<'add' | 'replace' | 'disable', unknown[]>> = {};
  for (const key of ['add', 'replace', 'disable'] as const) {
    const value = record[key];
    if (value === undefined) continue;
    if (Array.isArray(value)) lists[key] = value;
    else problems.push(document.at([key], `${key} must be a list`, value));
  }
  const disable: string[] = [];
  (lists.disable ?? []).forEach((name, index) => {
    if (typeof name === 'string') disable.push(name);
    else problems.push(document.at(['disable', index], 'disable lists rule names', name));
  });
  const changes: RuleChanges = {
    origin: file,
    ...(lists.add === undefined ? {} : { add: lists.add as readonly RuleDocument[] }),
    ...(lists.replace === undefined ? {} : { replace: lists.replace as readonly RuleDocument[] }),
    ...(lists.disable === undefined ? {} : { disable }),
  };
  return { changes: { changes, locate: document.at, place: document.place }, problems: document.place(problems) };
}
