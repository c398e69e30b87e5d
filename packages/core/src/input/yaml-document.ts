import { createRequire } from 'node:module';
import type * as Yaml from 'yaml';
import { PathTree, linesAndColumns, positionsOf, type PositionRequest } from './document-positions.js';
import type { DocumentPath } from './document-path.js';

/** How deep a YAML document may nest: far beyond any input gipkit reads, well within the parser's stack. */
export const MAX_YAML_DEPTH = 256;
/** Aliases may add at least this many nodes to a document (more when the file is longer, in characters). */
export const MIN_ALIAS_EXPANSION = 1_000_000;

type YamlModule = typeof Yaml;
let yamlModule: YamlModule | undefined;
/** The YAML parser, loaded on first use: JSON inputs never need it. */
function yaml(): YamlModule {
  return (yamlModule ??= createRequire(import.meta.url)('yaml') as YamlModule);
}

/** A problem found while reading: where (an offset, or a data path) and what, never echoing the text. */
export interface YamlProblem {
  readonly offset: number;
  readonly path: DocumentPath;
  readonly message: string;
  readonly value?: unknown;
  /** For a repeated key: the offset of its first appearance. */
  readonly first?: number;
}

export interface ParsedYaml {
  readonly data: unknown;
  readonly problems: readonly YamlProblem[];
  /** Line:column for offsets (of problems) and for data paths. */
  readonly lines: (offsets: readonly number[]) => Map<number, { line: number; column: number }>;
  readonly locate: (requests: readonly PositionRequest[]) => Map<PositionRequest, { line: number; column: number }>;
}

/**
 * The parser's messages quote the text (an escape, a tag, a character), which
 * may be a secret written where a reference belongs: each code gets our words.
 */
const MESSAGES: Readonly<Record<string, string>> = {
  ALIAS_PROPS: 'an alias cannot have an anchor or a tag',
  BAD_ALIAS: 'malformed alias',
  BAD_COLLECTION_TYPE: 'the tag does not fit this kind of value',
  BAD_DIRECTIVE: 'malformed directive',
  BAD_DQ_ESCAPE: 'invalid escape sequence in a double-quoted string',
  BAD_INDENT: 'bad indentation',
  BAD_PROP_ORDER: 'an anchor or tag is not where it may stand',
  BAD_SCALAR_START: 'a plain value cannot start with this character (quote it)',
  BLOCK_AS_IMPLICIT_KEY: 'a nested block cannot be a key',
  BLOCK_IN_FLOW: 'a block value cannot stand inside [ ] or { }',
  DUPLICATE_KEY: 'duplicate key',
  IMPOSSIBLE: 'cannot be read as YAML',
  KEY_OVER_1024_CHARS: 'a key longer than 1024 characters must be written with ?',
  MISSING_CHAR: 'a character is missing here (a closing quote or bracket, a comma, a colon or a space)',
  MULTILINE_IMPLICIT_KEY: 'a key cannot span lines',
  MULTIPLE_ANCHORS: 'a value has more than one anchor',
  MULTIPLE_DOCS: 'the file holds more than one document; give one per file',
  MULTIPLE_TAGS: 'a value has more than one tag',
  NON_STRING_KEY: 'a key must be a plain value',
  RESOURCE_EXHAUSTION: 'too complex to read',
  TAB_AS_INDENT: 'a tab cannot indent YAML; use spaces',
  TAG_RESOLVE_FAILED: 'unknown tag',
  UNEXPECTED_TOKEN: 'unexpected text here',
};

interface CstItem {
  readonly key?: unknown;
  readonly value?: unknown;
}
interface CstToken {
  readonly type: string;
  readonly offset: number;
  readonly value?: unknown;
  readonly items?: readonly CstItem[];
}

/** The offset of the first token nested deeper than the limit, walking the syntax tree without recursion. */
function tooDeep(tokens: readonly CstToken[]): number | undefined {
  const pending: [CstToken, number][] = tokens.map((token) => [token, 0]);
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const [token, depth] = next;
    if (depth > MAX_YAML_DEPTH) return token.offset;
    const children: unknown[] = token.type === 'document' ? [token.value] : (token.items ?? []).flatMap((item) => [item.key, item.value]);
    for (const child of children) if (typeof child === 'object' && child !== null) pending.push([child as CstToken, token.type === 'document' ? depth : depth + 1]);
  }
  return undefined;
}

interface Anchored {
  value: unknown;
  /** Nodes the value stands for, counting what its own aliases expand to; -1 while it is being built. */
  size: number;
}

/**
 * Builds the data of a parsed YAML document in one pass, without recursion.
 * Aliases share what their anchor built; the nodes they stand for are
 * counted against a budget, so an alias bomb is refused instead of expanded
 * by whatever reads the data next. An alias to an anchor not defined before
 * it, or to a node that contains it, is a problem at the alias; keys repeated
 * in a mapping are problems naming the key and where it was first.
 */
function buildData(document: Yaml.Document.Parsed, budget: number): { data: unknown; problems: YamlProblem[] } {
  const { isAlias, isMap, isScalar, isSeq } = yaml();
  const problems: YamlProblem[] = [];
  const anchors = new Map<string, Anchored>();
  let expanded = 0;

  interface Frame {
    readonly node: Yaml.YAMLMap | Yaml.YAMLSeq;
    readonly out: Record<string, unknown> | unknown[];
    readonly path: (string | number)[];
    readonly anchored: Anchored | undefined;
    readonly keys: Map<string, number> | undefined;
    index: number;
    size: number;
  }
  const frames: Frame[] = [];
  let result: unknown = null;
  let over = false;

  const start = (node: unknown): number => (node as { range?: [number, number, number] } | null)?.range?.[0] ?? 0;
  /** A finished value goes into its parent (or becomes the result), counting its size. */
  const put = (value: unknown, size: number, key: string | number | undefined): void => {
    const parent = frames[frames.length - 1];
    if (parent === undefined) {
      result = value;
      return;
    }
    parent.size += size;
    if (Array.isArray(parent.out)) parent.out.push(value);
    else if (key === '__proto__') Object.defineProperty(parent.out, key, { value, enumerable: true, writable: true, configurable: true });
    else parent.out[key as string] = value;
  };
  /** Converts one node; collections open a frame and are finished when their items are. */
  const visit = (node: unknown, path: (string | number)[], key: string | number | undefined): void => {
    if (node === null || node === undefined) return put(null, 1, key);
    if (isAlias(node)) {
      const target = anchors.get(node.source);
      if (target === undefined) {
        problems.push({ offset: start(node), path, message: 'alias to an anchor not defined before it' });
        return put(null, 1, key);
      }
      if (target.size < 0) {
        problems.push({ offset: start(node), path, message: 'alias to a value that contains it' });
        return put(null, 1, key);
      }
      expanded += target.size;
      if (expanded > budget) {
        problems.push({ offset: start(node), path, message: `aliases expand the document beyond ${budget} values` });
        over = true;
        return undefined;
      }
      return put(target.value, target.size, key);
    }
    const anchor = (node as { anchor?: string }).anchor;
    if (isScalar(node)) {
      if (anchor !== undefined) anchors.set(anchor, { value: node.value, size: 1 });
      return put(node.value, 1, key);
    }
    if (isMap(node) || isSeq(node)) {
      const anchored: Anchored | undefined = anchor === undefined ? undefined : { value: undefined, size: -1 };
      if (anchor !== undefined && anchored !== undefined) anchors.set(anchor, anchored);
      const out = isSeq(node) ? [] : {};
      if (anchored !== undefined) anchored.value = out;
      frames.push({ node, out, path, anchored, keys: isMap(node) ? new Map() : undefined, index: 0, size: 1 });
      return undefined;
    }
    problems.push({ offset: start(node), path, message: 'not a value gipkit can read' });
    return put(null, 1, key);
  };

  visit(document.contents, [], undefined);
  while (frames.length > 0 && !over) {
    const frame = frames[frames.length - 1] as Frame;
    const items = frame.node.items as unknown[];
    if (frame.index >= items.length) {
      frames.pop();
      if (frame.anchored !== undefined) frame.anchored.size = frame.size;
      put(frame.out, frame.size, frame.path[frame.path.length - 1]);
      continue;
    }
    const index = frame.index++;
    const item = items[index];
    if (frame.keys === undefined) {
      visit(item, [...frame.path, index], index);
      continue;
    }
    const pair = item as Yaml.Pair;
    const keyNode: unknown = pair.key;
    // An alias as a key stands for a plain value its anchor named before.
    const aliased = isAlias(keyNode) ? anchors.get(keyNode.source) : undefined;
    const plain = aliased !== undefined && (typeof aliased.value !== 'object' || aliased.value === null);
    if (keyNode !== null && keyNode !== undefined && !isScalar(keyNode) && !plain) {
      problems.push({ offset: start(pair.key), path: frame.path, message: 'a key must be a plain value, not a list, a mapping or an alias to one' });
      continue;
    }
    const raw = isScalar(keyNode) ? keyNode.value : plain ? aliased?.value : null;
    const name = raw === null || raw === undefined ? '' : String(raw);
    const first = frame.keys.get(name);
    if (first !== undefined) {
      problems.push({ offset: start(pair.key), path: [...frame.path, name], message: 'duplicate key', value: name, first });
      continue;
    }
    frame.keys.set(name, start(pair.key));
    visit(pair.value, [...frame.path, name], name);
  }
  return { data: result, problems };
}

/**
 * Reads a YAML text: the syntax tree first (checked for depth, since the
 * parser's later stages recurse), then the document, then the data.
 */
export function parseYamlText(text: string): ParsedYaml {
  const { Composer, Parser } = yaml();
  const lines = (offsets: readonly number[]): Map<number, { line: number; column: number }> => linesAndColumns(text, offsets);
  const noData = (problems: YamlProblem[]): ParsedYaml => ({ data: undefined, problems, lines, locate: () => new Map() });
  const tokens = [...new Parser().parse(text)] as unknown as CstToken[];
  const deep = tooDeep(tokens);
  if (deep !== undefined) return noData([{ offset: deep, path: [], message: `nested more than ${MAX_YAML_DEPTH} levels deep` }]);
  const composer = new Composer({ prettyErrors: false, uniqueKeys: false });
  const documents = [...composer.compose(tokens as unknown as Iterable<never>, true, text.length)] as Yaml.Document.Parsed[];
  const [document, second] = documents;
  if (document === undefined) return { data: null, problems: [], lines, locate: () => new Map() };
  const problems: YamlProblem[] = document.errors.map((error) => ({ offset: error.pos[0], path: [], message: MESSAGES[error.code] ?? 'cannot be read as YAML' }));
  if (second !== undefined) problems.push({ offset: second.range[0], path: [], message: MESSAGES.MULTIPLE_DOCS as string });
  if (problems.length > 0) return noData(problems);
  const built = buildData(document, Math.max(MIN_ALIAS_EXPANSION, text.length));
  if (built.problems.length > 0) return noData(built.problems);
  return { data: built.data, problems: [], lines, locate: (requests) => locateYamlPaths(document, text, requests) };
}

/** Line:column of the requested paths, following only the requested steps through the document's nodes. */
function locateYamlPaths(document: Yaml.Document.Parsed, text: string, requests: readonly PositionRequest[]): Map<PositionRequest, { line: number; column: number }> {
  const { isMap, isSeq } = yaml();
  const { root } = PathTree.of(requests);
  const start = (node: unknown): number => (node as { range?: [number, number, number] } | null)?.range?.[0] ?? -1;
  const pending: [PathTree, unknown][] = [[root, document.contents]];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const [tree, node] = next;
    tree.valueAt = start(node);
    if (tree.children.size === 0) continue;
    if (isSeq(node)) {
      for (const [step, child] of tree.children) if (typeof step === 'number' && step < node.items.length) pending.push([child, node.items[step]]);
    } else if (isMap(node)) {
      for (const pair of node.items as Yaml.Pair[]) {
        const key = (pair.key as { value?: unknown } | null)?.value;
        const child = tree.children.get(key === null || key === undefined ? '' : String(key));
        if (child === undefined || child.keyAt >= 0) continue;
        child.keyAt = start(pair.key);
        // A key without a value (`a:`) is found at its key.
        pending.push([child, pair.value ?? pair.key]);
      }
    }
  }
  return positionsOf(text, root, requests);
}
