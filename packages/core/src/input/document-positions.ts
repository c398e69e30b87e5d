import type { Diagnostic } from '@gipkit/plugin-api';
import type { DocumentPath } from './document-path.js';

/** A place asked for: the value at `path`, or (for `key`) the key of its last step. */
export interface PositionRequest {
  readonly path: DocumentPath;
  readonly key: boolean;
}

/**
 * The requested paths of one document as a tree, so that one walk over the
 * document finds every position: a step is followed only where a request
 * goes, and the walk stops once every step has been found.
 */
export class PathTree {
  readonly children = new Map<string | number, PathTree>();
  /** Offset of the value (or -1 while not found). */
  valueAt = -1;
  /** Offset of the key that names this step in a mapping (or -1). */
  keyAt = -1;

  static of(requests: readonly PositionRequest[]): { root: PathTree; size: number } {
    const root = new PathTree();
    let size = 1;
    for (const { path } of requests) {
      let node = root;
      for (const step of path) {
        let child = node.children.get(step);
        if (child === undefined) {
          child = new PathTree();
          node.children.set(step, child);
          size++;
        }
        node = child;
      }
    }
    return { root, size };
  }

  /** The offset for a request: its key or value, else the nearest ancestor found. */
  offsetOf(request: PositionRequest): number | undefined {
    const trail: PathTree[] = [this];
    for (const step of request.path) {
      const node = trail[trail.length - 1]?.children.get(step);
      if (node === undefined) break;
      trail.push(node);
    }
    const last = trail[trail.length - 1];
    if (request.key && trail.length === request.path.length + 1 && last !== undefined && last.keyAt >= 0) return last.keyAt;
    for (let index = trail.length - 1; index >= 0; index--) {
      const found = trail[index]?.valueAt ?? -1;
      if (found >= 0) return found;
    }
    return undefined;
  }
}

/** Line and column (1-based) of many offsets, in one pass over the text. */
export function linesAndColumns(text: string, offsets: readonly number[]): Map<number, { line: number; column: number }> {
  const sorted = [...new Set(offsets)].sort((a, b) => a - b);
  const found = new Map<number, { line: number; column: number }>();
  let line = 1;
  let lineStart = 0;
  for (const offset of sorted) {
    for (let next = text.indexOf('\n', lineStart); next !== -1 && next < offset; next = text.indexOf('\n', lineStart)) {
      line++;
      lineStart = next + 1;
    }
    found.set(offset, { line, column: offset - lineStart + 1 });
  }
  return found;
}

/** Line:column of each request, from the offsets a walk recorded in the tree. */
export function positionsOf(text: string, root: PathTree, requests: readonly PositionRequest[]): Map<PositionRequest, { line: number; column: number }> {
  const offsets = new Map<PositionRequest, number>();
  for (const request of requests) {
    const offset = root.offsetOf(request);
    if (offset !== undefined) offsets.set(request, offset);
  }
  const positions = linesAndColumns(text, [...offsets.values()]);
  const found = new Map<PositionRequest, { line: number; column: number }>();
  for (const [request, offset] of offsets) {
    const position = positions.get(offset);
    if (position !== undefined) found.set(request, position);
  }
  return found;
}

/** Where the diagnostics made by one document wait for their line:column. */
export class PendingPositions {
  readonly #requests = new WeakMap<Diagnostic, PositionRequest>();

  constructor(private readonly locate: (requests: readonly PositionRequest[]) => ReadonlyMap<PositionRequest, { line: number; column: number }>) {}

  add(diagnostic: Diagnostic, request: PositionRequest): Diagnostic {
    this.#requests.set(diagnostic, request);
    return diagnostic;
  }

  /** The same problems, those made here with line:column; one lookup for all of them. */
  place(problems: readonly Diagnostic[]): Diagnostic[] {
    const requests: PositionRequest[] = [];
    for (const problem of problems) {
      const request = this.#requests.get(problem);
      if (request !== undefined) requests.push(request);
    }
    if (requests.length === 0) return [...problems];
    const positions = this.locate(requests);
    return problems.map((problem) => {
      const request = this.#requests.get(problem);
      const position = request === undefined ? undefined : positions.get(request);
      if (position === undefined) return problem;
      const { file, path, message, value } = problem;
      return { file, path, ...position, message, ...(value === undefined ? {} : { value }) };
    });
  }
}
