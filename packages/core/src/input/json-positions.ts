import { PathTree, positionsOf, type PositionRequest } from './document-positions.js';
import { scanJson } from './json-scan.js';

/**
 * Finds the line:column of every requested path in a valid JSON text in one
 * pass that builds nothing but the requested paths, and stops once all are
 * found: a problem in a large file costs no second document.
 */
export function locateJsonPaths(text: string, requests: readonly PositionRequest[]): Map<PositionRequest, { line: number; column: number }> {
  const { root, size } = PathTree.of(requests);
  let remaining = size;
  const trail: (PathTree | undefined)[] = [];
  scanJson(text, {
    value(offset, path) {
      const depth = path.length;
      const step = path[depth - 1];
      const node = depth === 0 ? root : step === undefined ? undefined : trail[depth - 1]?.children.get(step);
      trail[depth] = node;
      if (node !== undefined && node.valueAt < 0) {
        node.valueAt = offset;
        remaining--;
      }
      return remaining === 0;
    },
    key(offset, key, path) {
      const node = trail[path.length]?.children.get(key);
      if (node !== undefined && node.keyAt < 0) node.keyAt = offset;
    },
  });
  return positionsOf(text, root, requests);
}
