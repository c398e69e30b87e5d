import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** How far up from a module its package's root may be (src/a/b.ts, dist/lib/a/b.js, dist/chunks/c.js). */
const MAX_LEVELS = 6;

/**
 * A file of the package `name`, from one of its own modules: the nearest
 * folder above `moduleUrl` (its `import.meta.url`) whose package.json names
 * that package, joined with `path`. The same call works from src/ (tests),
 * tsc's dist/lib/ and a bundle or its chunks, at whatever depth each lies.
 */
export function packageFile(moduleUrl: string, name: string, path: string): string {
  let folder = dirname(fileURLToPath(moduleUrl));
  for (let level = 0; level < MAX_LEVELS; level++) {
    const manifest = join(folder, 'package.json');
    if (existsSync(manifest) && nameOf(manifest) === name) return join(folder, path);
    const parent = dirname(folder);
    if (parent === folder) break;
    folder = parent;
  }
  throw new Error(`${fileURLToPath(moduleUrl)}: no package.json of ${name} in the ${MAX_LEVELS} folders above it`);
}

function nameOf(manifest: string): unknown {
  try {
    const data: unknown = JSON.parse(readFileSync(manifest, 'utf8'));
    return typeof data === 'object' && data !== null ? (data as { name?: unknown }).name : undefined;
  } catch {
    return undefined;
  }
}
