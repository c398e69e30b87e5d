// `pnpm bench`: generates the synthetic estates, times `gipkit plan` end to end (read, validate,
// plan, write JSON) in a fresh process, the planner alone in this process, and the naive approach
// (json-rules-engine Engine.run per (VM, server) pair) on a sample, extrapolated.
// --write-docs rewrites the results section of docs/benchmarks.md. --quick: fewer runs.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeEstate } from './generate-estate.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const quick = process.argv.includes('--quick');
const RUNS = quick ? 2 : 5;
const ESTATES = [
  { vms: 10_000, servers: 500, target: null },
  { vms: 100_000, servers: 1_000, target: { seconds: 1.5, mib: 1024 } },
];

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const fmt = (n, digits = 2) => n.toFixed(digits);

function planProcess(files) {
  const scratch = mkdtempSync(join(os.tmpdir(), 'gipkit-bench-'));
  const rssFile = join(scratch, 'rss');
  const out = join(scratch, 'plan.json');
  const args = ['--import', join(root, 'bench/report-rss.mjs'), join(root, 'packages/cli/dist/bin.js'), 'plan', '--inventory', files.inventory, '--job', files.job, '--format', 'json'];
  const started = process.hrtime.bigint();
  const result = spawnSync(process.execPath, args, { env: { ...process.env, GIPKIT_BENCH_RSS_FILE: rssFile }, stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 1 << 30 });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (result.status !== 0) throw new Error(`gipkit plan exited ${result.status}: ${String(result.stderr).slice(-2000)}`);
  writeFileSync(out, result.stdout);
  const rssKiB = Number(readFileSync(rssFile, 'utf8'));
  const plan = JSON.parse(result.stdout);
  rmSync(scratch, { recursive: true, force: true });
  return { seconds, rssMiB: rssKiB / 1024, summary: plan.summary };
}

async function plannerAlone(files) {
  const { createGipkit } = await import(join(root, 'packages/core/dist/index.js'));
  const gipkit = createGipkit();
  const input = gipkit.loadInput(files);
  gipkit.plan(input); // warm-up
  const times = [];
  for (let run = 0; run < RUNS; run++) {
    const started = performance.now();
    gipkit.plan(input);
    times.push(performance.now() - started);
  }
  return { ms: median(times), gipkit, input };
}

async function naivePerPair({ gipkit, input }, samplePairs) {
  const { Engine } = await import('json-rules-engine');
  const engine = new Engine([], { allowUndefinedFacts: false });
  for (const operator of gipkit.operators) engine.addOperator(operator.name, operator.evaluate);
  for (const rule of gipkit.rules) engine.addRule({ name: rule.name, conditions: rule.conditions, event: rule.event, priority: rule.priority ?? 1 });
  const vms = input.job.vms;
  const servers = input.inventory.servers;
  let seed = 7;
  const next = (n) => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff), seed % n);
  const pairs = Array.from({ length: samplePairs }, () => gipkit.factsFor(input, vms[next(vms.length)], servers[next(servers.length)].id));
  const started = performance.now();
  for (const facts of pairs) await engine.run(facts);
  const perPairMs = (performance.now() - started) / samplePairs;
  return { perPairUs: perPairMs * 1000, extrapolatedHours: (perPairMs * vms.length * servers.length) / 3_600_000 };
}

const machine = `${os.cpus()[0]?.model ?? 'unknown CPU'}, ${os.cpus().length} cores, ${fmt(os.totalmem() / 2 ** 30, 1)} GiB, Node ${process.version}, ${os.platform()} ${os.release()}`;
const rows = [];
for (const estate of ESTATES) {
  const folder = join(root, 'bench/out', `${estate.vms}x${estate.servers}`);
  const files = existsSync(join(folder, 'job.json'))
    ? { inventory: join(folder, 'inventory.json'), job: join(folder, 'job.json') }
    : writeEstate({ vms: estate.vms, servers: estate.servers, seed: 1 }, folder);
  planProcess(files); // warm-up (file cache)
  const runs = Array.from({ length: RUNS }, () => planProcess(files));
  const seconds = runs.map((run) => run.seconds);
  const peak = Math.max(...runs.map((run) => run.rssMiB));
  const alone = await plannerAlone(files);
  const naive = await naivePerPair(alone, quick ? 300 : 2000);
  const { summary } = runs[0];
  rows.push({ estate, seconds, peak, alone: alone.ms, naive, summary });
  console.error(`${estate.vms} x ${estate.servers}: median ${fmt(median(seconds))} s, peak ${fmt(peak, 0)} MiB, planner ${fmt(alone.ms, 0)} ms`);
}

const table = [
  '| estate (VMs × servers) | `gipkit plan` end to end, median of ' + RUNS + ' (min–max) | peak RSS | planner alone (in process) | naive json-rules-engine per pair (extrapolated) | target |',
  '|---|---|---|---|---|---|',
  ...rows.map(({ estate, seconds, peak, alone, naive }) => {
    const target = estate.target === null ? '—' : `< ${estate.target.seconds} s, < ${estate.target.mib} MiB: ${median(seconds) < estate.target.seconds && peak < estate.target.mib ? 'met' : '**missed**'}`;
    return `| ${estate.vms.toLocaleString('en')} × ${estate.servers.toLocaleString('en')} | ${fmt(median(seconds))} s (${fmt(Math.min(...seconds))}–${fmt(Math.max(...seconds))}) | ${fmt(peak, 0)} MiB | ${fmt(alone, 0)} ms | ${fmt(naive.perPairUs, 1)} µs/pair → ${fmt(naive.extrapolatedHours, 1)} h | ${target} |`;
  }),
];
const outcomes = rows.map(({ estate, summary }) => `- ${estate.vms.toLocaleString('en')} × ${estate.servers.toLocaleString('en')}: ${summary.assigned} assigned, ${summary.unassigned} unassigned, ${Object.keys(summary.perProxy).length} servers used.`);
const report = [`Machine: ${machine}. Date: ${new Date().toISOString().slice(0, 10)}.`, '', ...table, '', 'Decisions in those runs:', '', ...outcomes].join('\n');
console.log(report);

if (process.argv.includes('--write-docs')) {
  const page = join(root, 'docs/benchmarks.md');
  const text = readFileSync(page, 'utf8');
  const START = '<!-- bench:start -->';
  const END = '<!-- bench:end -->';
  const start = text.indexOf(START);
  const end = text.indexOf(END);
  if (start < 0 || end < 0) throw new Error(`${page}: markers not found`);
  writeFileSync(page, `${text.slice(0, start + START.length)}\n${report}\n${text.slice(end)}`);
}

// Side by side with the reference planner of ../shared/anchor-bench (issue #10), when it is there.
const anchor = spawnSync(process.execPath, [join(root, 'bench/anchor.mjs'), ...process.argv.slice(2)], { stdio: 'inherit' });
if (anchor.status !== 0) process.exit(anchor.status ?? 1);

// Next: what a problem in a large input costs.
const input = spawnSync(process.execPath, [join(root, 'bench/input-problems.mjs'), ...process.argv.slice(2)], { stdio: 'inherit' });
if (input.status !== 0) process.exit(input.status ?? 1);

// Third part: the deployment orchestrator on the simulated lab (same flags).
const deploy = spawnSync(process.execPath, ['--expose-gc', join(root, 'bench/deploy.mjs'), ...process.argv.slice(2)], { stdio: 'inherit' });
if (deploy.status !== 0) process.exit(deploy.status ?? 1);

const agents = spawnSync(process.execPath, [join(root, 'bench/agents.mjs'), ...process.argv.slice(2)], { stdio: 'inherit' });
if (agents.status !== 0) process.exit(agents.status ?? 1);
