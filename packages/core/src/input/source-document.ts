import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type * as Yaml from 'yaml';
import type { Diagnostic } from '@gipkit/plugin-api';
import { jsonErrorOffset } from './json-error-offset.js';

export type DocumentPath = readonly (string | number)[];

/**
 * A parsed input file that can say where a path lies in it. JSON files take
 * the fast path (JSON.parse); positions are found with the YAML parser (JSON
 * is YAML) only when a problem must be reported.
 */
export interface SourceDocument {
  readonly file: string;
  /** The parsed data, or undefined when the file could not be parsed. */
  readonly data: unknown;
  /** Syntax problems; when not empty, `data` is undefined. */
  readonly problems: readonly Diagnostic[];
  /** Diagnostic for a problem at `path`, with line:column when known. */
  at(path: DocumentPath, message: string, value?: unknown): Diagnostic;
  /** The same, pointing at the key of the last path step (for unknown keys). */
  atKey(path: DocumentPath, message: string, value?: unknown): Diagnostic;
}

export function formatPath(path: DocumentPath): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else if (/^[A-Za-z_$][\w$-]*$/.test(part)) out += out === '' ? part : `.${part}`;
    else out += `[${JSON.stringify(part)}]`;
  }
  return out;
}

interface Located {
  readonly document: Yaml.Document.Parsed;
  readonly lines: Yaml.LineCounter;
}

type YamlModule = typeof Yaml;
let yamlModule: YamlModule | undefined;
/** The YAML parser, loaded on first use: JSON inputs without problems never need it. */
function yaml(): YamlModule {
  return (yamlModule ??= createRequire(import.meta.url)('yaml') as YamlModule);
}

function parseYaml(text: string): Located {
  const { LineCounter: Lines, parseDocument } = yaml();
  const lines = new Lines();
  const document = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  return { document, lines };
}

function positionOf(located: Located, path: DocumentPath, key = false): { line: number; column: number } | undefined {
  const last = path[path.length - 1];
  if (key && last !== undefined) {
    const parent = located.document.getIn(path.slice(0, -1), true) as { items?: { key?: { value?: unknown; range?: [number, number, number] } }[] } | undefined;
    const found = parent?.items?.find((item) => item.key?.value === last)?.key?.range;
    if (found !== undefined) {
      const { line, col } = located.lines.linePos(found[0]);
      return { line, column: col };
    }
  }
  for (let length = path.length; length >= 0; length--) {
    const node = located.document.getIn(path.slice(0, length), true) as { range?: [number, number, number] } | undefined;
    if (node !== undefined && node !== null && Array.isArray(node.range)) {
      const { line, col } = located.lines.linePos(node.range[0]);
      return { line, column: col };
    }
  }
  return undefined;
}

function positionAt(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset);
  return { line: before.split('\n').length, column: offset - before.lastIndexOf('\n') };
}

export function readSourceDocument(file: string, readText: (file: string) => string = (f) => readFileSync(f, 'utf8')): SourceDocument {
  let text: string;
  try {
    text = readText(file);
  } catch (error) {
    const reason = error instanceof Error && 'code' in error ? String(error.code) : String(error);
    return documentWithProblems(file, [{ file, path: '', message: `cannot read the file (${reason})` }]);
  }
  return parseSourceText(file, text);
}

export function parseSourceText(file: string, source: string): SourceDocument {
  // Editors on Windows may save a byte order mark; it is not part of the document.
  const text = source.charCodeAt(0) === 0xfeff ? source.slice(1) : source;
  const isJson = file.toLowerCase().endsWith('.json');
  let located: Located | undefined;
  const locate = (): Located => (located ??= parseYaml(text));
  const diagnostic = (key: boolean) => (path: DocumentPath, message: string, value?: unknown): Diagnostic => {
    const position = positionOf(locate(), path, key);
    return {
      file,
      path: formatPath(path),
      ...(position === undefined ? {} : position),
      message,
      ...(value === undefined ? {} : { value }),
    };
  };
  const at = diagnostic(false);
  const atKey = diagnostic(true);
  if (isJson) {
    try {
      return { file, data: JSON.parse(text) as unknown, problems: [], at, atKey };
    } catch {
      const offset = jsonErrorOffset(text);
      const found = offset >= text.length ? 'end of file' : `${JSON.stringify(text[offset])}`;
      const message = `invalid JSON: unexpected ${found}`;
      return documentWithProblems(file, [{ file, path: '', ...positionAt(text, Math.max(offset, 0)), message }]);
    }
  }
  const parsed = locate();
  if (parsed.document.errors.length > 0) {
    return documentWithProblems(
      file,
      parsed.document.errors.map((error) => {
        const { line, col } = parsed.lines.linePos(error.pos[0]);
        return { file, path: '', line, column: col, message: `invalid YAML: ${error.message.split('\n')[0] ?? error.code}` };
      }),
    );
  }
  return { file, data: parsed.document.toJS({ maxAliasCount: 1000 }) as unknown, problems: [], at, atKey };
}

function documentWithProblems(file: string, problems: readonly Diagnostic[]): SourceDocument {
  const at = (path: DocumentPath, message: string, value?: unknown): Diagnostic => ({ file, path: formatPath(path), message, ...(value === undefined ? {} : { value }) });
  return { file, data: undefined, problems, at, atKey: at };
}
