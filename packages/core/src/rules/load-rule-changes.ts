import { RuleError, type RuleChanges, type RuleDocument } from '@gipkit/plugin-api';
import type { ReadInputOptions } from '../input/read-input-file.js';
import { readSourceDocument } from '../input/source-document.js';
import type { LocatedChanges } from './assemble-rules.js';

const KEYS = new Set(['add', 'replace', 'disable']);

/**
 * Reads an organisation's rules file (YAML or JSON): `add` and `replace` (lists
 * of rule documents) and `disable` (rule names). The rule documents themselves
 * are checked when the engine compiles them, with positions in this file.
 * The file is read like an inventory: a regular file of at most `maxInputBytes`.
 */
export function loadRuleChanges(file: string, options: ReadInputOptions = {}): LocatedChanges {
  const document = readSourceDocument(file, options);
  if (document.problems.length > 0) throw new RuleError('invalid rules file:', document.problems);
  const data = document.data;
  const problems = [];
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw new RuleError('invalid rules file:', document.place([document.at([], 'a rules file is a mapping with add, replace and/or disable', data)]));
  }
  const record = data as Record<string, unknown>;
  for (const key of Object.keys(record)) if (!KEYS.has(key)) problems.push(document.at([key], 'unknown key; expected add, replace or disable', key));
  for (const key of ['add', 'replace', 'disable']) {
    if (record[key] !== undefined && !Array.isArray(record[key])) problems.push(document.at([key], `${key} must be a list`, record[key]));
  }
  if (Array.isArray(record.disable)) {
    record.disable.forEach((name, index) => {
      if (typeof name !== 'string') problems.push(document.at(['disable', index], 'disable lists rule names', name));
    });
  }
  if (problems.length > 0) throw new RuleError('invalid rules file:', document.place(problems));
  const changes: RuleChanges = {
    origin: file,
    ...(record.add === undefined ? {} : { add: record.add as readonly RuleDocument[] }),
    ...(record.replace === undefined ? {} : { replace: record.replace as readonly RuleDocument[] }),
    ...(record.disable === undefined ? {} : { disable: record.disable as string[] }),
  };
  return { changes, locate: document.at, place: document.place };
}
