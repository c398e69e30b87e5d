// Preloaded with `node --import`: writes the process's peak RSS (KiB) to $GIPKIT_BENCH_RSS_FILE at exit.
// On Linux it is VmHWM of /proc/self/status: the peak of this program's own memory. getrusage's maxRSS is not
// used there, because it carries over the high-water mark of the process it was forked from (the benchmark).
import { readFileSync, writeFileSync } from 'node:fs';

function peakKiB() {
  try {
    const match = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync('/proc/self/status', 'utf8'));
    if (match !== null) return Number(match[1]);
  } catch {
    // Not Linux: getrusage's figure.
  }
  return process.resourceUsage().maxRSS;
}

const file = process.env.GIPKIT_BENCH_RSS_FILE;
if (file) process.on('exit', () => writeFileSync(file, String(peakKiB())));
