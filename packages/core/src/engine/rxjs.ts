import { createRequire } from 'node:module';
import type * as Rxjs from 'rxjs';

let rxjsModule: typeof Rxjs | undefined;

/**
 * rxjs, loaded when the event stream is first used: its Node.js entry requires the whole library (over 300
 * modules), which `gipkit validate` and `gipkit plan` without a subscriber never need. It is the same module
 * instance that `import { … } from 'rxjs'` gives a subscriber.
 */
export function rxjs(): typeof Rxjs {
  return (rxjsModule ??= createRequire(import.meta.url)('rxjs') as typeof Rxjs);
}
