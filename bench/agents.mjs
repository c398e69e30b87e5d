// The agents at scale (issue #11): 10,000 VMs over 200 servers, their agents as several `gipkit agent` processes
// each serving many server ids (simulated guests), a real Redis (Debian's redis-server) on loopback, and the
// coordinator `gipkit run --queue`. At zero latency: tasks per second end to end and the coordinator's CPU per VM;
// at 20 ms per step: the run's time against the bound its limits allow; both: coordinator and agent memory over
// the run (RSS sampled every 250 ms, first quarter against last; the live heap probed at 10 % and 90 % of the
// deployments). The agents (4 processes, and one per core) are warmed up by a first run. --quick: 2,000 VMs.
// --write-docs rewrites the agents section of docs/benchmarks.md. Skipped, saying so, when redis-server is not installed.
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const BIN = join(root, 'packages/cli/dist/bin.js');
const quick = process.argv.includes('--quick');
const VMS = quick ? 2_000 : 10_000;
const SERVERS = 200;
const AGENT_PROCESSES = 4;
const PER_SERVER = 4;
const TOTAL = 256;
const fmt = (n, digits = 1) => n.toFixed(digits);
// --profile DIR: the coordinator and the agents write V8 CPU profiles there (node --cpu-prof).
const profileAt = process.argv.indexOf('--profile');
const profile = [...(profileAt > 0 ? ['--cpu-prof', '--cpu-prof-dir', process.argv[profileAt + 1]] : []), '--expose-gc', '--import', join(root, 'bench/heap-probe.mjs')];

if (!existsSync('/usr/bin/redis-server')) {
  console.log('agents benchmark: skipped, /usr/bin/redis-server is not installed (apt-get install redis-server)');
  process.exit(0);
}

const scratch = mkdtempSync(join(os.tmpdir(), 'gipkit-bench-agents-'));
const address = '127.0.0.3';
const port = await new Promise((resolve) => {
  const server = createServer();
  server.listen({ host: address, port: 0 }, () => {
    const found = server.address().port;
    server.close(() => resolve(found));
  });
});
const password = randomBytes(18).toString('base64url');
writeFileSync(join(scratch, 'redis.conf'), [`bind ${address}`, `port ${port}`, 'save ""', 'appendonly no', `dir ${scratch}`, `requirepass ${password}`, 'logfile ""'].join('\n') + '\n');
const children = new Set();
function start(args, options = {}) {
  const child = spawn(args[0], args.slice(1), { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], ...options });
  children.add(child);
  child.output = '';
  child.stdout.on('data', (chunk) => void (child.output += chunk.toString().slice(-100_000)));
  child.stderr.on('data', (chunk) => void (child.output += chunk.toString().slice(-100_000)));
  child.once('exit', () => children.delete(child));
  return child;
}
const until = async (condition, ms, what) => {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`not within ${ms} ms: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
};
const rssMiB = (pid) => {
  try {
    const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((entry) => entry.startsWith('VmRSS:'));
    return Number(line?.split(/\s+/)[1] ?? 0) / 1024;
  } catch {
    return Number.NaN;
  }
};
const cpuSeconds = (pid) => {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime + stime, in clock ticks of 1/100 s
  } catch {
    return Number.NaN;
  }
};

// The estate: one site, the backup server and 199 proxies, 10,000 Windows VMs.
const servers = [{ id: 'vbr', os: { family: 'windows' }, addresses: ['10.0.0.2'], roles: ['backup-server'] }];
for (let index = 1; index < SERVERS; index++) servers.push({ id: `p${index}`, os: { family: 'windows' }, addresses: [`10.0.${Math.floor(index / 250)}.${(index % 250) + 3}`], roles: ['vmware-proxy'] });
const vms = Array.from({ length: VMS }, (_, index) => ({ id: `w${index + 1}`, host: 'esx', guest: { family: 'windows' }, addresses: [`10.1.${Math.floor(index / 250)}.${(index % 250) + 1}`] }));
writeFileSync(join(scratch, 'inventory.json'), JSON.stringify({ backupServer: 'vbr', networks: [{ id: 'lan', cidrs: ['10.0.0.0/8'] }], hosts: [{ id: 'esx', platform: 'vmware', version: '8.0' }], servers, vms }));
writeFileSync(join(scratch, 'warm-job.json'), JSON.stringify({ id: 'warm-up', vms: vms.slice(0, 1_000).map((vm) => vm.id), guestProcessing: { applicationAware: true }, credentials: { kind: 'standard', account: 'CORP\\backup' } }));
writeFileSync(join(scratch, 'job.json'), JSON.stringify({ id: 'nightly', vms: vms.map((vm) => vm.id), guestProcessing: { applicationAware: true }, credentials: { kind: 'standard', account: 'CORP\\backup' } }));
const env = { ...process.env, GIPKIT_QUEUE_PASSWORD: password };
const envFor = (heapDir) => ({ ...env, GIPKIT_HEAP_PROBE_DIR: heapDir });
const queue = `redis://${address}:${port}/0`;

/** One VM deployed and removed in process (no queue) on the lab: the time a task takes at this latency. */
function singleVmSeconds(latencyMs) {
  writeFileSync(join(scratch, 'one-inventory.json'), JSON.stringify({ backupServer: 'vbr', networks: [{ id: 'lan', cidrs: ['10.0.0.0/8'] }], hosts: [{ id: 'esx', platform: 'vmware', version: '8.0' }], servers: servers.slice(0, 2), vms: vms.slice(0, 1) }));
  writeFileSync(join(scratch, 'one-job.json'), JSON.stringify({ id: 'one', vms: [vms[0].id], guestProcessing: { applicationAware: true }, credentials: { kind: 'standard', account: 'CORP\\backup' } }));
  writeFileSync(join(scratch, 'one-lab.json'), JSON.stringify({ latencyMs, faults: [] }));
  const result = spawnSync(process.execPath, [BIN, 'run', '--simulate', '--lab', join(scratch, 'one-lab.json'), '--inventory', join(scratch, 'one-inventory.json'), '--job', join(scratch, 'one-job.json'),
    '--bundle', join(root, 'examples/bundles/hello-agent'), '--events', 'ndjson'], { cwd: root, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`the single-VM run exited ${result.status}: ${result.stderr}`);
  const completed = result.stdout.split('\n').filter((line) => line.includes('"type":"job.completed"')).map((line) => JSON.parse(line))[0];
  return completed.durationMs / 1000;
}

/** The live heap (after a full collection) of each process at each probe, MiB: the probes' order, mean over the processes. */
function liveHeap(dir, pids) {
  const series = pids.map((pid) => {
    try {
      return readFileSync(join(dir, `${pid}.log`), 'utf8').trim().split('\n').map((line) => Number(line.split(' ')[1]) / 2 ** 20);
    } catch {
      return [];
    }
  });
  const probes = Math.min(...series.map((list) => list.length));
  return Array.from({ length: probes }, (_, index) => series.reduce((sum, list) => sum + list[index], 0) / series.length);
}

async function scenario(latencyMs, processes = AGENT_PROCESSES) {
  writeFileSync(join(scratch, 'lab.json'), JSON.stringify({ latencyMs, faults: [] }));
  const heapDir = join(scratch, `heap-${latencyMs}-${processes}`);
  mkdirSync(heapDir);
  const redis = start(['/usr/bin/redis-server', join(scratch, 'redis.conf')]);
  await until(() => /Ready to accept connections/.test(redis.output), 10_000, 'redis-server ready');
  const agents = [];
  for (let index = 0; index < processes; index++) {
    const served = servers.filter((_, position) => position % processes === index).flatMap((server) => ['--server', server.id]);
    agents.push(start([process.execPath, ...profile, BIN, 'agent', '--queue', queue, '--agent-id', `bench-${index}`, '--concurrency', String(PER_SERVER), '--log-level', 'error',
      '--simulate', '--inventory', join(scratch, 'inventory.json'), '--job', join(scratch, 'job.json'), '--lab', join(scratch, 'lab.json'), ...served], { env: envFor(heapDir) }));
  }
  await until(() => agents.every((agent) => agent.output.includes(': serving ')), 60_000, 'every agent serving');
  // Agents are long-running services: a first, smaller run (1,000 VMs of the same estate) warms them up (their
  // code compiled by V8, their connections busy) before the measured one. The coordinator is new for each run, as
  // `gipkit run` is.
  const warm = start([process.execPath, BIN, 'run', '--queue', queue, '--simulate', '--inventory', join(scratch, 'inventory.json'), '--job', join(scratch, 'warm-job.json'),
    '--bundle', join(root, 'examples/bundles/hello-agent'), '--concurrency', String(TOTAL), '--events', 'ndjson'], { env });
  warm.stdout.resume();
  const warmCode = await new Promise((resolve) => warm.once('exit', resolve));
  if (warmCode !== 0) throw new Error(`the warm-up run exited ${warmCode}: ${warm.output.slice(-3000)}`);
  if (process.argv.includes('--redis-stats')) spawnSync('redis-cli', ['-h', address, '-p', String(port), 'CONFIG', 'RESETSTAT'], { env: { ...process.env, REDISCLI_AUTH: password } });
  for (const agent of agents) agent.startCpu = cpuSeconds(agent.pid);
  const redisStartCpu = cpuSeconds(redis.pid);
  const coordinator = start([process.execPath, ...profile, BIN, 'run', '--queue', queue, '--simulate', '--inventory', join(scratch, 'inventory.json'), '--job', join(scratch, 'job.json'),
    '--bundle', join(root, 'examples/bundles/hello-agent'), '--concurrency', String(TOTAL), '--events', 'ndjson'], { env: envFor(heapDir) });
  const samples = [];
  let lastCpu = 0;
  const sampler = setInterval(() => {
    lastCpu = cpuSeconds(coordinator.pid) || lastCpu;
    samples.push({ coordinator: rssMiB(coordinator.pid), agents: agents.map((agent) => rssMiB(agent.pid)) });
  }, 250);
  // Events come on stdout: only the times of the run's milestones are kept (not every line).
  const times = {};
  let pending = '';
  let succeeded = 0;
  coordinator.stdout.on('data', (chunk) => {
    pending += chunk.toString();
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) {
      if (line.includes('"type":"deployment.succeeded"')) {
        succeeded++;
        // Live heap probes at 10 % and at 90 % of the deployments: every process collects and writes its heap.
        if (succeeded === VMS / 10 || succeeded === (VMS * 9) / 10) for (const child of [coordinator, ...agents]) child.kill('SIGUSR2');
        continue;
      }
      if (!line.includes('"type":"job.') && !line.includes('"type":"cleanup.')) continue;
      // A third probe for the agents once every deployment is removed (the simulated guests hold their files until then).
      if (line.includes('"type":"cleanup.completed"')) for (const agent of agents) agent.kill('SIGUSR2');
      const event = JSON.parse(line);
      times[event.type] = event;
    }
  });
  const code = await new Promise((resolve) => coordinator.once('exit', resolve));
  clearInterval(sampler);
  if (code !== 0) throw new Error(`gipkit run --queue exited ${code}: ${coordinator.output.slice(-3000)}`);
  const agentCpu = agents.reduce((sum, agent) => sum + cpuSeconds(agent.pid) - agent.startCpu, 0);
  const redisCpu = cpuSeconds(redis.pid) - redisStartCpu;
  if (process.argv.includes('--redis-stats')) {
    // Which commands Redis ran and what they cost it (the password through REDISCLI_AUTH, not the command line).
    const stats = spawnSync('redis-cli', ['-h', address, '-p', String(port), 'INFO', 'commandstats'], { encoding: 'utf8', env: { ...process.env, REDISCLI_AUTH: password } });
    const rows = stats.stdout.split('\n').filter((line) => line.startsWith('cmdstat_')).map((line) => {
      const [name, rest] = line.slice('cmdstat_'.length).split(':');
      const fields = Object.fromEntries(rest.split(',').map((pair) => pair.split('=')));
      return { name, calls: Number(fields.calls), usec: Number(fields.usec) };
    }).sort((a, b) => b.usec - a.usec);
    console.log(`Redis at ${latencyMs} ms per step, ${processes} agent processes, per VM: ` + rows.slice(0, 15).map((row) => `${row.name} ${fmt(row.calls / VMS, 2)} calls ${fmt(row.usec / VMS, 0)} µs`).join('; '));
  }
  for (const agent of agents) agent.kill('SIGTERM');
  await Promise.all(agents.map((agent) => new Promise((resolve) => (agent.exitCode === null ? agent.once('exit', resolve) : resolve()))));
  redis.kill('SIGKILL');
  await new Promise((resolve) => (redis.exitCode === null ? redis.once('exit', resolve) : resolve()));
  const started = Date.parse(times['job.started'].at);
  const cleaned = Date.parse(times['cleanup.completed'].at);
  const deployedSeconds = (cleaned - started) / 1000 - times['cleanup.completed'].durationMs / 1000;
  const wholeSeconds = times['job.completed'].durationMs / 1000;
  const quarter = Math.max(1, Math.floor(samples.length / 4));
  const avg = (list) => list.reduce((sum, value) => sum + value, 0) / list.length;
  const coordinatorHeap = liveHeap(heapDir, [coordinator.pid]);
  const agentHeap = liveHeap(heapDir, agents.map((agent) => agent.pid));
  const coordinatorRss = [avg(samples.slice(0, quarter).map((s) => s.coordinator)), avg(samples.slice(-quarter).map((s) => s.coordinator))];
  const agentRss = [avg(samples.slice(0, quarter).map((s) => avg(s.agents))), avg(samples.slice(-quarter).map((s) => avg(s.agents)))];
  return {
    latencyMs,
    processes,
    counts: times['job.completed'].counts,
    deployedSeconds,
    wholeSeconds,
    tasksPerSecond: (2 * VMS) / wholeSeconds,
    deploysPerSecond: VMS / deployedSeconds,
    coordinatorCpuMsPerVm: (lastCpu * 1000) / VMS,
    agentCpuMsPerVm: (agentCpu * 1000) / VMS,
    redisCpuMsPerVm: (redisCpu * 1000) / VMS,
    coordinatorRss,
    agentRss,
    coordinatorHeap,
    agentHeap,
  };
}

try {
  const zero = await scenario(0);
  if (process.argv.includes('--zero-only')) {
    console.log(JSON.stringify(zero));
    process.exit(0);
  }
  // The same at zero latency with one agent process per core: fewer processes share the 2 cores better.
  const perCore = await scenario(0, os.cpus().length);
  const slow = await scenario(20);
  // The bound at 20 ms per step: one VM's whole run (deployment and cleanup) in process, on the same lab, times the
  // waves the run's limit allows (TOTAL at once; the agents allow 4 × 200 = 800).
  const single = singleVmSeconds(20);
  // The floor under both: what BullMQ itself costs per job on this machine, nothing of gipkit's.
  const floor = spawnSync(process.execPath, [join(root, 'bench/bullmq-floor.mjs'), String(VMS * 2)], { cwd: root, encoding: 'utf8' });
  if (floor.status !== 0) throw new Error(`bench/bullmq-floor.mjs exited ${floor.status}: ${floor.stderr}`);
  const bound = Math.ceil(VMS / TOTAL) * single;
  const machine = `${os.cpus()[0]?.model ?? 'unknown CPU'}, ${os.cpus().length} cores, ${fmt(os.totalmem() / 2 ** 30, 0)} GiB, Node ${process.version}, Redis ${'7'}`;
  const rows = [
    '| scenario | VMs × servers | deployed | tasks/s end to end (deploy + remove) | CPU per VM: coordinator, agents, Redis | coordinator RSS first → last quarter | agent RSS (mean over the agents) first → last | live heap at 10 % → 90 % of the deployments: coordinator; agents (mean), and after cleanup |',
    '|---|---|---|---|---|---|---|---|',
    ...[zero, perCore, slow].map((result) => `| ${result.latencyMs} ms per step, ${result.processes} agent processes | ${VMS.toLocaleString('en')} × ${SERVERS} | ${result.counts.succeeded} in ${fmt(result.deployedSeconds, 2)} s, whole run ${fmt(result.wholeSeconds, 2)} s | ${fmt(result.tasksPerSecond, 0)} | ${fmt(result.coordinatorCpuMsPerVm, 2)}, ${fmt(result.agentCpuMsPerVm, 2)}, ${fmt(result.redisCpuMsPerVm, 2)} ms | ${fmt(result.coordinatorRss[0])} → ${fmt(result.coordinatorRss[1])} MiB | ${fmt(result.agentRss[0])} → ${fmt(result.agentRss[1])} MiB | ${fmt(result.coordinatorHeap[0])} → ${fmt(result.coordinatorHeap[1])}; ${fmt(result.agentHeap[0])} → ${fmt(result.agentHeap[1])} → ${fmt(result.agentHeap[2])} MiB |`),
  ];
  const report = [
    `Machine: ${machine}. ${AGENT_PROCESSES} agent processes serving ${SERVERS / AGENT_PROCESSES} servers each (or one per core) (\`--concurrency ${PER_SERVER}\`), the coordinator with \`--concurrency ${TOTAL}\`, Redis on loopback; targets: ≥ 2,000 tasks/s at zero latency, within 15 % of the bound at 20 ms per step, memory flat. The agents are warmed up by a run of 1,000 VMs first (they are long-running services); each measured run has a coordinator of its own, as \`gipkit run\` does.`,
    '',
    ...rows,
    '',
    floor.stdout.trim(),
    '',
    `At 20 ms per step the bound the limits allow is ${fmt(bound, 2)} s (${Math.ceil(VMS / TOTAL)} waves of ${TOTAL} tasks × ${fmt(single, 3)} s, one VM's deployment and cleanup in process on the same lab): the run took ${fmt(slow.wholeSeconds, 2)} s, ${fmt((slow.wholeSeconds / bound - 1) * 100, 0)} % over it.`,
  ].join('\n');
  console.log(report);
  if (process.argv.includes('--write-docs')) {
    const page = join(root, 'docs/benchmarks.md');
    const text = readFileSync(page, 'utf8');
    const START = '<!-- bench-agents:start -->';
    const END = '<!-- bench-agents:end -->';
    const from = text.indexOf(START);
    const to = text.indexOf(END);
    if (from < 0 || to < 0) throw new Error(`${page}: agents markers not found`);
    writeFileSync(page, `${text.slice(0, from + START.length)}\n${report}\n${text.slice(to)}`);
  }
} finally {
  for (const child of children) child.kill('SIGKILL');
  rmSync(scratch, { recursive: true, force: true });
}
