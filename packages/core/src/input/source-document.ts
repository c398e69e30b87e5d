import type { Diagnostic, InputDigest } from '@gipkit/plugin-api';
import { PendingPositions, linesAndColumns, type PositionRequest } from './document-positions.js';
import { formatPath, type DocumentPath } from './document-path.js';
import { locateJsonPaths } from './json-positions.js';
import { JsonSyntaxError, countDataKeys, findDuplicateJsonKeys, mayRepeatKeys, scanJson } from './json-scan.js';
import { readInputFile, type ReadInputOptions } from './read-input-file.js';
import { parseYamlText } from './yaml-document.js';

export { formatPath, type DocumentPath } from './document-path.js';

/**
 * A parsed input file that can say where a path lies in it. JSON files take
 * the fast path (JSON.parse); their positions are found by one scan of the
 * text, for all the problems at once, only when there are problems to report.
 */
export interface SourceDocument {
  readonly file: string;
  /** The parsed data, or undefined when the file could not be parsed. */
  readonly data: unknown;
  /** Syntax problems; when not empty, `data` is undefined. */
  readonly problems: readonly Diagnostic[];
  /** The bytes read, when the document came from a file: what a plan records it was made from. */
  readonly digest?: InputDigest;
  /** Diagnostic for a problem at `path`; `place` gives it its line:column. */
  at(path: DocumentPath, message: string, value?: unknown): Diagnostic;
  /** The same, pointing at the key of the last path step (for unknown keys). */
  atKey(path: DocumentPath, message: string, value?: unknown): Diagnostic;
  /**
   * The same problems, those made by `at` and `atKey` with line:column when
   * known: one pass over the file for all of them. Others pass unchanged.
   */
  place(problems: readonly Diagnostic[]): Diagnostic[];
}

/**
 * Reads and parses an input file (YAML, or JSON by extension). A file that
 * cannot be read (missing, not a regular file, over `maxInputBytes`) gives a
 * document whose one problem says so: it is reported with the others.
 */
export function readSourceDocument(file: string, options: ReadInputOptions = {}): SourceDocument {
  const read = readInputFile(file, options);
  if ('problem' in read) return documentWithProblems(file, [{ file, path: '', message: read.problem }]);
  return { ...parseSourceText(file, read.text), digest: { file, sha256: read.sha256, bytes: read.bytes } };
}

function positionAt(text: string, offset: number): { line: number; column: number } {
  return linesAndColumns(text, [offset]).get(offset) ?? { line: 1, column: 1 };
}

type Locate = (requests: readonly PositionRequest[]) => ReadonlyMap<PositionRequest, { line: number; column: number }>;

/** A document whose data was read: its diagnostics wait for `place` to find their positions. */
function documentWithData(file: string, data: unknown, locate: Locate): SourceDocument {
  const pending = new PendingPositions(locate);
  const diagnostic = (key: boolean) => (path: DocumentPath, message: string, value?: unknown): Diagnostic =>
    pending.add({ file, path: formatPath(path), message, ...(value === undefined ? {} : { value }) }, { path: [...path], key });
  return { file, data, problems: [], at: diagnostic(false), atKey: diagnostic(true), place: (problems) => pending.place(problems) };
}

export function parseSourceText(file: string, source: string): SourceDocument {
  // Editors on Windows may save a byte order mark; it is not part of the document.
  const text = source.charCodeAt(0) === 0xfeff ? source.slice(1) : source;
  return file.toLowerCase().endsWith('.json') ? parseJsonText(file, text) : parseYaml(file, text);
}

/** Positions in a JSON text that is known valid (for in-memory data written out as JSON). */
export function jsonDocument(file: string, data: unknown, text: () => string): SourceDocument {
  return documentWithData(file, data, (requests) => {
    let written: string;
    try {
      written = text();
    } catch {
      // Data JSON cannot write (a cycle, a bigint) has no positions; its problems still have paths.
      return new Map();
    }
    return locateJsonPaths(written, requests);
  });
}

function parseJsonText(file: string, text: string): SourceDocument {
  let data: unknown;
  try {
    data = JSON.parse(text) as unknown;
  } catch {
    let offset = 0;
    try {
      scanJson(text);
    } catch (error) {
      if (error instanceof JsonSyntaxError) offset = error.offset;
    }
    const found = offset >= text.length ? 'end of file' : JSON.stringify(text[offset]);
    return documentWithProblems(file, [{ file, path: '', ...positionAt(text, offset), message: `invalid JSON: unexpected ${found}` }]);
  }
  // JSON.parse keeps the last of repeated keys: counting keys tells cheaply whether any repeats.
  if (mayRepeatKeys(text, countDataKeys(data))) {
    const duplicates = findDuplicateJsonKeys(text);
    const positions = linesAndColumns(text, duplicates.flatMap(({ first, again }) => [first, again]));
    return documentWithProblems(
      file,
      duplicates.map(({ path, key, first, again }) => {
        const before = positions.get(first);
        return { file, path: formatPath(path), ...positions.get(again), message: `duplicate key; first at line ${before?.line}, column ${before?.column}`, value: key };
      }),
    );
  }
  return documentWithData(file, data, (requests) => locateJsonPaths(text, requests));
}

function parseYaml(file: string, text: string): SourceDocument {
  const parsed = parseYamlText(text);
  if (parsed.problems.length === 0) return documentWithData(file, parsed.data, parsed.locate);
  const positions = parsed.lines(parsed.problems.flatMap((problem) => (problem.first === undefined ? [problem.offset] : [problem.offset, problem.first])));
  // One line per YAML error: the parser often reports one mistake several times
  // (a missing bracket, then the lines it swallows); the first report on a line stands for it.
  const seenLines = new Set<number>();
  const problems = parsed.problems.filter((problem) => {
    if (problem.path.length > 0) return true;
    const line = positions.get(problem.offset)?.line ?? -1;
    if (seenLines.has(line)) return false;
    seenLines.add(line);
    return true;
  });
  return documentWithProblems(
    file,
    problems.map((problem) => {
      const first = problem.first === undefined ? undefined : positions.get(problem.first);
      const message = first === undefined ? problem.message : `${problem.message}; first at line ${first.line}, column ${first.column}`;
      const invalid = problem.path.length === 0 ? `invalid YAML: ${message}` : message;
      return { file, path: formatPath(problem.path), ...positions.get(problem.offset), message: invalid, ...(problem.value === undefined ? {} : { value: problem.value }) };
    }),
  );
}

function documentWithProblems(file: string, problems: readonly Diagnostic[]): SourceDocument {
  const at = (path: DocumentPath, message: string, value?: unknown): Diagnostic => ({ file, path: formatPath(path), message, ...(value === undefined ? {} : { value }) });
  return { file, data: undefined, problems, at, atKey: at, place: (list) => [...list] };
}
