// Part of `pnpm bench`: what a problem in a large input costs (issue #7, point 15). `gipkit
// validate` on the 100,000 × 1,000 estate as generated, then with one malformed address near the
// end of its inventory: time and peak RSS of each, side by side; and what the check for keys
// given twice adds to reading the valid file. --quick: fewer runs.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeEstate } from './generate-estate.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const RUNS = process.argv.includes('--quick') ? 3 : 7;
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

const folder = join(root, 'bench/out', '100000x1000');
const files = existsSync(join(folder, 'job.json')) ? { inventory: join(folder, 'inventory.json'), job: join(folder, 'job.json') } : writeEstate({ vms: 100_000, servers: 1_000, seed: 1 }, folder);
const scratch = mkdtempSync(join(os.tmpdir(), 'gipkit-bench-input-'));
const text = readFileSync(files.inventory, 'utf8');
const data = JSON.parse(text);
const vm = data.vms.length - 10;
data.vms[vm].addresses = ['10.1.2.999'];
const broken = join(scratch, 'inventory.json');
// Written as the generator writes it, so that both files are the same size.
const indent = /^\{\n( +)/.exec(text)?.[1].length;
writeFileSync(broken, JSON.stringify(data, null, indent));

function validate(inventory) {
  const rssFile = join(scratch, 'rss');
  const args = ['--import', join(root, 'bench/report-rss.mjs'), join(root, 'packages/cli/dist/bin.js'), 'validate', '--inventory', inventory, '--job', files.job];
  const started = process.hrtime.bigint();
  const result = spawnSync(process.execPath, args, { env: { ...process.env, GIPKIT_BENCH_RSS_FILE: rssFile }, encoding: 'utf8' });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return { seconds, rssMiB: Number(readFileSync(rssFile, 'utf8')) / 1024, code: result.status, stderr: result.stderr };
}

validate(files.inventory);
validate(broken);
const valid = [];
const problem = [];
for (let run = 0; run < RUNS; run++) {
  valid.push(validate(files.inventory));
  problem.push(validate(broken));
}
if (valid.some((run) => run.code !== 0)) throw new Error(`the valid estate did not validate: ${valid[0].stderr}`);
if (problem.some((run) => run.code !== 2 || !run.stderr.includes(`vms[${vm}].addresses[0]`))) throw new Error(`the broken estate was not reported: ${problem[0].stderr}`);

// The check for keys given twice, on the valid file, in this process.
const { countJsonKeys, countDataKeys } = await import(join(root, 'packages/core/dist/lib/input/json-scan.js'));
const timed = (work) => {
  const times = [];
  for (let run = 0; run < RUNS; run++) {
    const started = performance.now();
    work();
    times.push(performance.now() - started);
  }
  return median(times);
};
const parseMs = timed(() => JSON.parse(text));
const countMs = timed(() => countJsonKeys(text) === countDataKeys(data));
rmSync(scratch, { recursive: true, force: true });

const machine = `${os.cpus()[0]?.model ?? 'unknown CPU'}, ${os.cpus().length} cores, Node ${process.version}`;
const s = (runs) => `${median(runs.map((run) => run.seconds)).toFixed(2)} s, ${Math.max(...runs.map((run) => run.rssMiB)).toFixed(0)} MiB`;
const ratio = median(problem.map((run) => run.seconds)) / median(valid.map((run) => run.seconds));
const memory = Math.max(...problem.map((run) => run.rssMiB)) / Math.max(...valid.map((run) => run.rssMiB));
const report = [
    `Input problems, 100,000 VMs × 1,000 servers (inventory ${(text.length / 2 ** 20).toFixed(0)} MiB of JSON), \`gipkit validate\`, median of ${RUNS}, peak RSS:`,
    '',
    '| inventory | time, peak RSS | ratio to the valid run (time, memory) | target |',
    '|---|---|---|---|',
    `| valid | ${s(valid)} | 1 | — |`,
    `| one malformed address, VM ${vm.toLocaleString('en')} | ${s(problem)} | ${ratio.toFixed(2)}, ${memory.toFixed(2)} | ≤ 2, ≤ 2: ${ratio <= 2 && memory <= 2 ? 'met' : '**missed**'} |`,
    '',
    `Checking the valid file for keys given twice: ${countMs.toFixed(0)} ms, next to ${parseMs.toFixed(0)} ms for JSON.parse of it.`,
    '',
    `Machine: ${machine}. Date: ${new Date().toISOString().slice(0, 10)}.`,
  ].join('\n');
console.log(report);

if (process.argv.includes('--write-docs')) {
  const page = join(root, 'docs/benchmarks.md');
  const START = '<!-- bench-input:start -->';
  const END = '<!-- bench-input:end -->';
  const doc = readFileSync(page, 'utf8');
  const start = doc.indexOf(START);
  const end = doc.indexOf(END);
  if (start < 0 || end < 0) throw new Error(`${page}: markers ${START} ${END} not found`);
  writeFileSync(page, `${doc.slice(0, start + START.length)}\n${report}\n${doc.slice(end)}`);
}
