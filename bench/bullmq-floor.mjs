// The floor under the agents benchmark: BullMQ 6 on this machine's Redis with nothing else, one queue, one
// producer adding jobs one by one (as the coordinator does), one worker process with an empty processor. Prints
// jobs per second and CPU per job of each process. Usage: node bench/bullmq-floor.mjs [JOBS]
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import { join } from 'node:path';
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';

const JOBS = Number(process.argv[2] ?? 10_000);
const role = process.env.FLOOR_ROLE;
const cpu = (pid) => {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
};
const connection = () => new Redis({ host: '127.0.0.3', port: Number(process.env.FLOOR_PORT), password: process.env.FLOOR_PASSWORD, maxRetriesPerRequest: null });

if (role === 'worker') {
  let done = 0;
  let from;
  const worker = new Worker('floor', async () => ({ ok: true }), { connection: connection(), concurrency: 16, removeOnComplete: { count: 0 }, drainDelay: 1, skipVersionCheck: true });
  worker.on('completed', () => {
    if (++done === JOBS) {
      const used = process.cpuUsage(from);
      process.send?.({ cpuSeconds: (used.user + used.system) / 1e6 }, () => void worker.close().then(() => process.exit(0)));
    }
  });
  await worker.waitUntilReady();
  from = process.cpuUsage();
  process.send?.('ready');
} else {
  const dir = mkdtempSync(join(os.tmpdir(), 'gipkit-floor-'));
  const port = await new Promise((resolve) => {
    const server = createServer();
    server.listen({ host: '127.0.0.3', port: 0 }, () => {
      const found = server.address().port;
      server.close(() => resolve(found));
    });
  });
  process.env.FLOOR_PASSWORD = randomBytes(18).toString('base64url');
  writeFileSync(join(dir, 'redis.conf'), `bind 127.0.0.3\nport ${port}\nsave ""\nappendonly no\ndir ${dir}\nrequirepass ${process.env.FLOOR_PASSWORD}\n`, { mode: 0o600 });
  const redis = spawn('/usr/bin/redis-server', [join(dir, 'redis.conf')], { stdio: 'ignore' });
  await new Promise((resolve) => setTimeout(resolve, 500));
  process.env.FLOOR_PORT = String(port);
  const worker = spawn(process.execPath, [new URL(import.meta.url).pathname, String(JOBS)], { env: { ...process.env, FLOOR_ROLE: 'worker' }, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  await new Promise((resolve) => worker.once('message', resolve));
  const queue = new Queue('floor', { connection: connection(), skipVersionCheck: true, streams: { events: { maxLen: 100 } } });
  await queue.waitUntilReady();
  const start = { at: performance.now(), self: process.cpuUsage(), redis: cpu(redis.pid) };
  const workerCpu = new Promise((resolve) => worker.on('message', (message) => typeof message === 'object' && resolve(message.cpuSeconds)));
  const adds = [];
  for (let index = 0; index < JOBS; index++) adds.push(queue.add('task', { index, payload: 'x'.repeat(600) }, { removeOnComplete: true, removeOnFail: true, attempts: 1 }));
  await Promise.all(adds);
  const workerSeconds = await workerCpu;
  const seconds = (performance.now() - start.at) / 1000;
  const used = process.cpuUsage(start.self);
  const perJob = (s) => `${((s * 1e6) / JOBS).toFixed(0)} µs`;
  const redisCpu = cpu(redis.pid) - start.redis;
  console.log(`BullMQ alone (one queue, jobs added one by one, one worker of concurrency 16, empty jobs), ${JOBS.toLocaleString('en')} jobs: ${(JOBS / seconds).toFixed(0)} jobs/s; CPU per job: producer ${perJob((used.user + used.system) / 1e6)}, worker ${perJob(workerSeconds)}, Redis ${perJob(redisCpu)}.`);
  await new Promise((resolve) => (worker.exitCode === null ? worker.once('exit', resolve) : resolve()));
  await queue.close();
  redis.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
  process.exit(0);
}
