// Loaded with `node --expose-gc --import` into the processes of bench/agents.mjs: on SIGUSR2 it collects all
// garbage and appends "epoch-milliseconds live-heap-bytes" to $GIPKIT_HEAP_PROBE_DIR/<pid>.log. The live heap
// after a full collection is what the process retains; RSS also counts heap the collector has not returned yet.
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';

const dir = process.env.GIPKIT_HEAP_PROBE_DIR;
if (dir !== undefined && typeof globalThis.gc === 'function') {
  const file = join(dir, `${process.pid}.log`);
  process.on('SIGUSR2', () => {
    globalThis.gc();
    appendFileSync(file, `${Date.now()} ${process.memoryUsage().heapUsed}\n`);
  });
}
