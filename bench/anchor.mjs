// Side by side with the near-limit reference planner of ../shared/anchor-bench (issue #10): the same
// generated estates planned by `gipkit plan --format json` and by `ref-fast.mjs --json`, interleaved, each in
// a fresh process writing its JSON to a pipe; medians, ratios, peak RSS, and a check that every VM got the same
// decision. Then the scaling curve (VMs 10k → 1M, servers 100 → 10k, with a plot), start-up times and explain.
// --quick: fewer runs and no curve. --write-docs: rewrites the anchor section of docs/benchmarks.md and the plot.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const anchor = resolve(root, '../shared/anchor-bench');
const quick = process.argv.includes('--quick');
const RUNS = quick ? 2 : 5;
const BIN = join(root, 'packages/cli/dist/bin.js');
const RSS = join(root, 'bench/report-rss.mjs');
const OUT = join(root, 'bench/out/anchor');

if (!existsSync(join(anchor, 'ref-fast.mjs'))) {
  console.error(`${anchor}: not found; the side-by-side comparison needs ../shared/anchor-bench beside the repository`);
  process.exit(0);
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const fmt = (n, digits = 2) => n.toFixed(digits);
const label = (n) => (n >= 1_000_000 ? `${n / 1_000_000}M` : n >= 1000 ? `${n / 1000}k` : String(n));

/** A generated estate (cached under bench/out/anchor): the reference's own generator, 20 sites, seed 42. */
function estate(vms, servers) {
  const folder = join(OUT, `${vms}x${servers}`);
  if (!existsSync(join(folder, 'job.json'))) {
    const made = spawnSync(process.execPath, [join(anchor, 'gen.mjs'), '--vms', String(vms), '--servers', String(servers), '--sites', '20', '--out', folder], { encoding: 'utf8' });
    if (made.status !== 0) throw new Error(`gen.mjs: ${made.stderr}`);
  }
  return { folder, inventory: join(folder, 'inventory.json'), job: join(folder, 'job.json') };
}

/** One planner process: wall time from spawn to exit, peak RSS, and what it wrote. */
function timed(args) {
  const scratch = mkdtempSync(join(os.tmpdir(), 'gipkit-anchor-'));
  const rssFile = join(scratch, 'rss');
  const started = process.hrtime.bigint();
  const result = spawnSync(process.execPath, ['--import', RSS, ...args], { env: { ...process.env, GIPKIT_BENCH_RSS_FILE: rssFile }, stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 2 ** 31 });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (result.status !== 0) throw new Error(`${args.join(' ')} exited ${result.status}: ${String(result.stderr).slice(-2000)}`);
  const rssMiB = Number(readFileSync(rssFile, 'utf8')) / 1024;
  rmSync(scratch, { recursive: true, force: true });
  return { seconds, rssMiB, stdout: result.stdout };
}

const gipkitPlan = (files) => timed([BIN, 'plan', '--inventory', files.inventory, '--job', files.job, '--format', 'json']);
const referencePlan = (files) => timed([join(anchor, 'ref-fast.mjs'), files.folder, '--json']);

/** VMs whose decision differs between the two outputs (vm, status, proxy, tier, connection). */
function differences(ours, reference) {
  const a = JSON.parse(ours).decisions;
  const b = JSON.parse(reference).decisions;
  if (a.length !== b.length) return Math.max(a.length, b.length);
  let count = 0;
  for (let i = 0; i < a.length; i++) {
    const d = a[i];
    const mine = d.proxy === null ? { vm: d.vm, status: d.status, proxy: null } : { vm: d.vm, status: d.status, proxy: d.proxy, tier: d.tier, connection: d.connection };
    if (JSON.stringify(mine) !== JSON.stringify(b[i])) count++;
  }
  return count;
}

const machine = `${os.cpus()[0]?.model ?? 'unknown CPU'}, ${os.cpus().length} cores, ${fmt(os.totalmem() / 2 ** 30, 1)} GiB, Node ${process.version}, ${os.platform()} ${os.release()}`;
const lines = [`Machine: ${machine}. Date: ${new Date().toISOString().slice(0, 10)}. Medians of ${RUNS} runs each, gipkit and the reference interleaved.`, ''];

// 1. Side by side.
const SIDE_BY_SIDE = [
  { vms: 10_000, servers: 1_000, target: null },
  { vms: 100_000, servers: 1_000, target: 1.2 },
  { vms: 400_000, servers: 1_000, target: 1.2 },
  { vms: 100_000, servers: 5_000, target: 0.8 },
];
lines.push('| estate (VMs × servers) | gipkit plan | reference | ratio (target) | peak RSS gipkit / reference (ratio, target ≤ 1.3) | decisions that differ |', '|---|---|---|---|---|---|');
let base100k;
for (const { vms, servers, target } of SIDE_BY_SIDE) {
  const files = estate(vms, servers);
  gipkitPlan(files);
  referencePlan(files); // warm-up: file cache, both
  const ours = [];
  const theirs = [];
  for (let run = 0; run < RUNS; run++) {
    ours.push(gipkitPlan(files));
    theirs.push(referencePlan(files));
  }
  const differ = differences(ours[0].stdout, theirs[0].stdout);
  const g = median(ours.map((r) => r.seconds));
  const r = median(theirs.map((x) => x.seconds));
  const gm = Math.max(...ours.map((x) => x.rssMiB));
  const rm = Math.max(...theirs.map((x) => x.rssMiB));
  if (vms === 100_000 && servers === 1_000) base100k = g;
  const verdict = target === null ? '—' : `≤ ${target}: ${g / r <= target ? 'met' : '**missed**'}`;
  const memory = `${fmt(gm, 0)} / ${fmt(rm, 0)} MiB (${fmt(gm / rm)}, ${gm / rm <= 1.3 ? 'met' : '**missed**'})`;
  lines.push(`| ${label(vms)} × ${label(servers)} | ${fmt(g)} s | ${fmt(r)} s | ${fmt(g / r)} (${verdict}) | ${memory} | ${differ} |`);
  console.error(`${label(vms)} x ${label(servers)}: gipkit ${fmt(g)} s, reference ${fmt(r)} s, ratio ${fmt(g / r)}; RSS ${fmt(gm, 0)} / ${fmt(rm, 0)} MiB; ${differ} decisions differ`);
}

// 2. A million VMs in one process.
const million = estate(1_000_000, 10_000);
const big = gipkitPlan(million);
lines.push(
  '',
  `1,000,000 VMs × 10,000 servers, one \`gipkit plan --format json\`: ${fmt(big.seconds)} s (${fmt(big.seconds / base100k, 1)}× the 100k × 1k median; target ≤ 11×: ${big.seconds / base100k <= 11 ? 'met' : '**missed**'}), peak RSS ${fmt(big.rssMiB, 0)} MiB (target < 1,229 MiB: ${big.rssMiB < 1229 ? 'met' : '**missed**'}).`,
);
console.error(`1M x 10k: ${fmt(big.seconds)} s, ${fmt(big.rssMiB, 0)} MiB`);

// 3. Start-up and explain.
const small = { inventory: join(root, 'test/fixtures/startup/inventory.json'), job: join(root, 'test/fixtures/startup/job.json') };
const startRuns = quick ? 3 : 9;
const wall = (args) => median(Array.from({ length: startRuns }, () => timed(args).seconds));
const nodeAlone = wall(['-e', '0']);
const help = wall([BIN, '--help']);
const validate = wall([BIN, 'validate', '--inventory', small.inventory, '--job', small.job]);
const files100k = estate(100_000, 1_000);
const explainLast = median(Array.from({ length: RUNS }, () => timed([BIN, 'explain', '--inventory', files100k.inventory, '--job', files100k.job, '--vm', 'vm-99999']).seconds));
lines.push(
  '',
  '| command | time, median | ratio | target |',
  '|---|---|---|---|',
  `| \`node -e 0\` | ${fmt(nodeAlone, 3)} s | 1 | — |`,
  `| \`gipkit --help\` | ${fmt(help, 3)} s | ${fmt(help / nodeAlone)} to \`node -e 0\` | ≤ 2: ${help / nodeAlone <= 2 ? 'met' : '**missed**'} |`,
  `| \`gipkit validate\`, 20 VMs in JSON | ${fmt(validate, 3)} s | ${fmt(validate / nodeAlone)} to \`node -e 0\` | ≤ 2: ${validate / nodeAlone <= 2 ? 'met' : '**missed**'} |`,
  `| \`gipkit explain\` of the last VM of 100k × 1k | ${fmt(explainLast)} s | ${fmt(explainLast / base100k)} to \`plan\` of the same job | ≤ 1: ${explainLast <= base100k ? 'met' : '**missed**'} |`,
);

// 4. The scaling curve.
let svg;
if (!quick) {
  const VMS = [10_000, 100_000, 1_000_000];
  const SERVERS = [100, 1_000, 10_000];
  const points = [];
  for (const servers of SERVERS) {
    for (const vms of VMS) {
      const run = gipkitPlan(estate(vms, servers));
      points.push({ vms, servers, seconds: run.seconds, rssMiB: run.rssMiB });
      console.error(`curve ${label(vms)} x ${label(servers)}: ${fmt(run.seconds)} s, ${fmt(run.rssMiB, 0)} MiB`);
    }
  }
  lines.push(
    '',
    'Scaling, one `gipkit plan --format json` per estate (time, peak RSS):',
    '',
    `| servers \\ VMs | ${VMS.map(label).join(' | ')} |`,
    `|---|${VMS.map(() => '---').join('|')}|`,
    ...SERVERS.map((servers) => `| ${label(servers)} | ${VMS.map((vms) => points.find((p) => p.vms === vms && p.servers === servers)).map((p) => `${fmt(p.seconds)} s, ${fmt(p.rssMiB, 0)} MiB`).join(' | ')} |`),
    '',
    '![gipkit plan time against VMs, one line per server count](benchmarks-scaling.svg)',
  );
  svg = plot(points, VMS, SERVERS);
}

const report = lines.join('\n');
console.log(report);
if (process.argv.includes('--write-docs')) {
  const page = join(root, 'docs/benchmarks.md');
  const text = readFileSync(page, 'utf8');
  const START = '<!-- bench-anchor:start -->';
  const END = '<!-- bench-anchor:end -->';
  const start = text.indexOf(START);
  const end = text.indexOf(END);
  if (start < 0 || end < 0) throw new Error(`${page}: ${START} … ${END} not found`);
  writeFileSync(page, `${text.slice(0, start + START.length)}\n${report}\n${text.slice(end)}`);
  if (svg !== undefined) writeFileSync(join(root, 'docs/benchmarks-scaling.svg'), svg);
}

/** A log–log plot: seconds against VMs, one line per server count. */
function plot(points, vmsAxis, serversAxis) {
  const W = 640;
  const H = 400;
  const M = { left: 70, right: 130, top: 30, bottom: 50 };
  const xs = vmsAxis.map(Math.log10);
  const seconds = points.map((p) => p.seconds);
  const yMin = Math.floor(Math.log10(Math.min(...seconds)) * 2) / 2;
  const yMax = Math.ceil(Math.log10(Math.max(...seconds)) * 2) / 2;
  const x = (vms) => M.left + ((Math.log10(vms) - xs[0]) / (xs.at(-1) - xs[0])) * (W - M.left - M.right);
  const y = (s) => H - M.bottom - ((Math.log10(s) - yMin) / (yMax - yMin)) * (H - M.top - M.bottom);
  const colours = ['#1f77b4', '#d62728', '#2ca02c'];
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${W / 2}" y="18" text-anchor="middle" font-size="14">gipkit plan, end to end (log–log)</text>`,
  ];
  for (const vms of vmsAxis) parts.push(`<line x1="${x(vms)}" y1="${M.top}" x2="${x(vms)}" y2="${H - M.bottom}" stroke="#ddd"/><text x="${x(vms)}" y="${H - M.bottom + 18}" text-anchor="middle">${label(vms)}</text>`);
  for (let e = yMin; e <= yMax + 1e-9; e += 0.5) {
    const s = 10 ** e;
    parts.push(`<line x1="${M.left}" y1="${y(s)}" x2="${W - M.right}" y2="${y(s)}" stroke="#ddd"/><text x="${M.left - 8}" y="${y(s) + 4}" text-anchor="end">${s < 1 ? fmt(s, 2) : fmt(s, 1)} s</text>`);
  }
  parts.push(`<text x="${(M.left + W - M.right) / 2}" y="${H - 12}" text-anchor="middle">VMs in the job</text>`);
  serversAxis.forEach((servers, i) => {
    const line = vmsAxis.map((vms) => points.find((p) => p.vms === vms && p.servers === servers));
    parts.push(`<polyline fill="none" stroke="${colours[i % colours.length]}" stroke-width="2" points="${line.map((p) => `${fmt(x(p.vms), 1)},${fmt(y(p.seconds), 1)}`).join(' ')}"/>`);
    for (const p of line) parts.push(`<circle cx="${fmt(x(p.vms), 1)}" cy="${fmt(y(p.seconds), 1)}" r="3" fill="${colours[i % colours.length]}"/>`);
    parts.push(`<text x="${W - M.right + 10}" y="${M.top + 20 + i * 18}" fill="${colours[i % colours.length]}">${label(servers)} servers</text>`);
  });
  parts.push('</svg>', '');
  return parts.join('\n');
}

