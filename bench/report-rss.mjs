// Preloaded with `node --import`: writes the process's peak RSS (KiB) to $GIPKIT_BENCH_RSS_FILE at exit.
import { writeFileSync } from 'node:fs';

const file = process.env.GIPKIT_BENCH_RSS_FILE;
if (file) process.on('exit', () => writeFileSync(file, String(process.resourceUsage().maxRSS)));
