import { createRequire } from 'node:module';
import type * as Zod from 'zod';

let zodModule: typeof Zod | undefined;

/**
 * zod, loaded on first use: valid inputs take the fast path, and 95 modules are not worth loading for them
 * (`gipkit validate` on a small file starts in about the time of `node -e 0`).
 */
export function zod(): typeof Zod {
  return (zodModule ??= createRequire(import.meta.url)('zod') as typeof Zod);
}
