import type { DocumentPath } from './document-path.js';

/** The JSON text is not valid at `offset` (the text length for a premature end). */
export class JsonSyntaxError extends Error {
  constructor(readonly offset: number) {
    super(`invalid JSON at offset ${offset}`);
  }
}

/** What a scan reports, in document order. Returning true from `value` stops the scan. */
export interface JsonVisitor {
  /** A value starts at `offset`; `path` is where it lies (read it, do not keep it). */
  value?(offset: number, path: DocumentPath): boolean;
  /** A mapping's key, at its opening quote; `path` is the mapping's. */
  key?(offset: number, key: string, path: DocumentPath): void;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const LIST = 0;
const MAPPING = 1;

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
/** What ends a run of plain string characters. */
const STRING_STOP = /["\\\u0000-\u001f]/g;
const HEX4 = /[0-9a-fA-F]{4}/y;

function isSpace(code: number): boolean {
  return code === 0x20 || code === 0x0a || code === 0x0d || code === 0x09;
}

/**
 * Walks a JSON text once, without recursion, so that a deeply nested document
 * costs no stack: validates it (throwing JsonSyntaxError at the first
 * offending character) and tells a visitor where each value and key lies.
 */
export function scanJson(text: string, visitor: JsonVisitor = {}): void {
  const length = text.length;
  const path: (string | number)[] = [];
  const open: number[] = [];
  let i = 0;
  const skipSpace = (): void => {
    while (i < length && isSpace(text.charCodeAt(i))) i++;
  };
  const fail = (at: number): never => {
    throw new JsonSyntaxError(Math.min(at, length));
  };
  /** From an opening quote to just after the closing one. */
  const skipString = (): void => {
    let at = i + 1;
    for (;;) {
      STRING_STOP.lastIndex = at;
      const stop = STRING_STOP.exec(text);
      if (stop === null) fail(length);
      at = stop?.index ?? length;
      const code = text.charCodeAt(at);
      if (code === QUOTE) {
        i = at + 1;
        return;
      }
      if (code !== BACKSLASH) fail(at);
      const escape = text[at + 1];
      if (escape === 'u') {
        HEX4.lastIndex = at + 2;
        if (!HEX4.test(text)) {
          let bad = at + 2;
          while (bad < at + 6 && /[0-9a-fA-F]/.test(text[bad] ?? '')) bad++;
          fail(bad);
        }
        at += 6;
      } else if (escape !== undefined && '"\\/bfnrt'.includes(escape)) at += 2;
      else fail(at + 1);
    }
  };
  const literal = (word: string): void => {
    for (let k = 0; k < word.length; k++, i++) if (text[i] !== word[k]) fail(i);
  };

  // Each turn reads one value, then what follows it up to the next value.
  for (;;) {
    skipSpace();
    if (visitor.value?.(i, path) === true) return;
    const code = text.charCodeAt(i);
    if (code === OPEN_BRACE || code === OPEN_BRACKET) {
      i++;
      skipSpace();
      const close = code === OPEN_BRACE ? CLOSE_BRACE : CLOSE_BRACKET;
      if (text.charCodeAt(i) === close) i++;
      else if (code === OPEN_BRACKET) {
        open.push(LIST);
        path.push(0);
        continue;
      } else {
        open.push(MAPPING);
        readKey();
        continue;
      }
    } else if (code === QUOTE) skipString();
    else if (code === 0x74) literal('true');
    else if (code === 0x66) literal('false');
    else if (code === 0x6e) literal('null');
    else {
      NUMBER.lastIndex = i;
      const match = NUMBER.exec(text);
      if (match === null) fail(i);
      i += match?.[0].length ?? 0;
    }
    // After a value: a comma and the next item, or the end of containers.
    for (;;) {
      skipSpace();
      const kind = open[open.length - 1];
      if (kind === undefined) {
        if (i < length) fail(i);
        return;
      }
      const next = text.charCodeAt(i);
      if (next === COMMA) {
        i++;
        if (kind === LIST) path[path.length - 1] = (path[path.length - 1] as number) + 1;
        else {
          path.pop();
          readKey();
        }
        break;
      }
      if (next === (kind === LIST ? CLOSE_BRACKET : CLOSE_BRACE)) {
        i++;
        open.pop();
        path.pop();
        continue;
      }
      fail(i);
    }
  }

  /** A key and its colon; the key joins the path. */
  function readKey(): void {
    skipSpace();
    if (text.charCodeAt(i) !== QUOTE) fail(i);
    const start = i;
    skipString();
    const raw = text.slice(start + 1, i - 1);
    const key = raw.includes('\\') ? (JSON.parse(`"${raw}"`) as string) : raw;
    visitor.key?.(start, key, path);
    path.push(key);
    skipSpace();
    if (text.charCodeAt(i) !== COLON) fail(i);
    i++;
  }
}

/** A string's closing quote, then white space, then a colon: a key written `"key" : value`. */
const SPACE_BEFORE_COLON = /"[\t\n\r ]+:/;

/**
 * Whether a valid JSON text may write a key twice in one mapping, given the
 * number of own keys of its parsed data (`countDataKeys`): JSON.parse keeps
 * the last of repeated keys, so the data holds fewer keys than the text writes
 * exactly when one repeats.
 *
 * First a quick count of `":` (a key's closing quote and its colon, once per
 * key when no key has white space before its colon; an escaped quote in a
 * string adds more, never fewer): when it equals the data's keys, no key
 * repeats. Only otherwise are the strings of the text walked (`countJsonKeys`).
 */
export function mayRepeatKeys(text: string, dataKeys: number): boolean {
  let quick = 0;
  for (let at = text.indexOf('":'); at !== -1; at = text.indexOf('":', at + 2)) quick++;
  if (quick === dataKeys && !SPACE_BEFORE_COLON.test(text)) return false;
  return countJsonKeys(text) !== dataKeys;
}

/**
 * Counts the keys written in a valid JSON text, without parsing it: a string
 * followed by a colon is a key. With the keys of the parsed data, this tells
 * cheaply whether a mapping repeats a key (JSON.parse keeps the last).
 */
export function countJsonKeys(text: string): number {
  let count = 0;
  let start = text.indexOf('"');
  while (start !== -1) {
    let end = text.indexOf('"', start + 1);
    for (;;) {
      let backslashes = 0;
      while (text.charCodeAt(end - 1 - backslashes) === BACKSLASH) backslashes++;
      if (backslashes % 2 === 0) break;
      end = text.indexOf('"', end + 1);
    }
    if (end === -1) break;
    let next = end + 1;
    while (isSpace(text.charCodeAt(next))) next++;
    if (text.charCodeAt(next) === COLON) count++;
    start = text.indexOf('"', next);
  }
  return count;
}

/** Counts the own keys of every mapping in parsed JSON data, without recursion. */
export function countDataKeys(data: unknown): number {
  let count = 0;
  const pending: unknown[] = [data];
  while (pending.length > 0) {
    const value = pending.pop();
    if (typeof value !== 'object' || value === null) continue;
    if (Array.isArray(value)) {
      for (const item of value) if (typeof item === 'object' && item !== null) pending.push(item);
      continue;
    }
    for (const key in value) {
      count++;
      const item = (value as Record<string, unknown>)[key];
      if (typeof item === 'object' && item !== null) pending.push(item);
    }
  }
  return count;
}

/** A key written twice in one mapping: where, and both offsets. */
export interface DuplicateKey {
  readonly path: DocumentPath;
  readonly key: string;
  readonly first: number;
  readonly again: number;
}

/** Every repeated key of a valid JSON text, in document order. */
export function findDuplicateJsonKeys(text: string): DuplicateKey[] {
  const duplicates: DuplicateKey[] = [];
  const seen: (Map<string, number> | undefined)[] = [];
  scanJson(text, {
    value(offset, path) {
      if (text.charCodeAt(offset) === OPEN_BRACE) seen[path.length] = undefined;
      return false;
    },
    key(offset, key, path) {
      const keys = (seen[path.length] ??= new Map<string, number>());
      const first = keys.get(key);
      if (first === undefined) keys.set(key, offset);
      else duplicates.push({ path: [...path, key], key, first, again: offset });
    },
  });
  return duplicates;
}
