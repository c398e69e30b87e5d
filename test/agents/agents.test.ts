// Agents on the proxies (issue #11), with a real Redis and real `gipkit agent` processes: each behaviour the
// issue numbers has a test named after it. The agents deploy into simulated guests (--simulate): what is
// checked here is the queue between coordinator and agents; test/netlab/ reaches real guests over SSH.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Queue } from 'bullmq';
import type { GipkitEvent } from '@gipkit/plugin-api';
import { ROOT } from '../cli-harness.js';
import { eventsOf, killAll, runCoordinator, startAgent, startCoordinator, terminalCounts, type AgentProcess } from './agent-harness.js';
import { agentEstate, GUEST_SECRET, SECRET_VARIABLE } from './agent-estate.js';
import { startRedisServer, type RedisServer } from './redis-server.js';

const BUNDLE = join(ROOT, 'examples/bundles/hello-agent');
const SECRET_ENV = { [SECRET_VARIABLE]: GUEST_SECRET };

let redis: RedisServer;
beforeAll(async () => {
  redis = await startRedisServer();
}, 30_000);
afterEach(async () => {
  await killAll();
  const client = redis.client();
  await client.flushall();
  client.disconnect();
});
afterAll(async () => {
  await killAll();
  await redis?.stop();
});

interface Started {
  readonly files: Record<string, string>;
  readonly agents: AgentProcess[];
}

async function agentsFor(files: Record<string, string>, specs: readonly { id: string; servers: string[]; concurrency?: number; lab?: string; env?: Record<string, string> }[]): Promise<Started> {
  const agents = await Promise.all(specs.map((spec) => startAgent(redis, {
    id: spec.id, servers: spec.servers, inventory: files['inventory.json'] ?? '', job: files['job.json'] ?? '', lab: spec.lab ?? files['lab.json'] ?? '',
    ...(spec.concurrency === undefined ? {} : { concurrency: spec.concurrency }), env: spec.env ?? SECRET_ENV,
  })));
  return { files, agents };
}

async function until(condition: () => boolean | Promise<boolean>, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`not within ${ms} ms: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function runArgs(files: Record<string, string>, ...more: string[]): string[] {
  return ['--simulate', '--inventory', files['inventory.json'] ?? '', '--job', files['job.json'] ?? '', '--bundle', BUNDLE, ...more];
}

/** The agent named in each VM's events, by server: what did the work where. */
function agentsByServer(events: readonly GipkitEvent[]): Map<string, Set<string>> {
  const found = new Map<string, Set<string>>();
  for (const event of events) {
    if (event.type !== 'deployment.step' && event.type !== 'deployment.succeeded') continue;
    const agent = event.agent ?? '(none)';
    const set = found.get(event.server) ?? new Set<string>();
    set.add(agent);
    found.set(event.server, set);
  }
  return found;
}

/** The most tasks one server ran at once, from each VM's first step to its terminal event. */
function peakPerServer(events: readonly GipkitEvent[]): Map<string, number> {
  const running = new Map<string, number>();
  const peak = new Map<string, number>();
  const open = new Map<string, string>();
  for (const event of events) {
    if (event.type === 'deployment.step' && event.step === 'connect' && !open.has(event.vm)) {
      open.set(event.vm, event.server);
      const now = (running.get(event.server) ?? 0) + 1;
      running.set(event.server, now);
      peak.set(event.server, Math.max(peak.get(event.server) ?? 0, now));
    } else if ((event.type === 'deployment.succeeded' || event.type === 'deployment.failed' || event.type === 'failover.started') && open.has(event.vm)) {
      const server = open.get(event.vm) ?? '';
      open.delete(event.vm);
      running.set(server, (running.get(server) ?? 1) - 1);
    }
  }
  return peak;
}

describe('agents on the proxies, over BullMQ on a real Redis', () => {
  it('1. a task goes only to its server\'s agents; agents of one server share its queue; their concurrency limits the server', async () => {
    // Steps slow enough (a task ≈ 0.6 s) that p1's two agents both hold one even on a loaded machine: an idle worker
    // looks at its queue at least every second.
    const files = agentEstate({ vms: 12, lab: JSON.stringify({ latencyMs: 150, faults: [] }) });
    await agentsFor(files, [
      { id: 'agent-vbr', servers: ['vbr'] },
      { id: 'agent-p1-a', servers: ['p1'], concurrency: 1 },
      { id: 'agent-p1-b', servers: ['p1'], concurrency: 1 },
      { id: 'agent-p2-p3', servers: ['p2', 'p3'], concurrency: 1 },
    ]);
    const run = await runCoordinator(redis, runArgs(files), SECRET_ENV);
    expect(run.stderr).toContain('12 done');
    expect(run.code, run.stderr).toBe(0);
    const by = agentsByServer(run.events);
    expect(by.get('p1')).toEqual(new Set(['agent-p1-a', 'agent-p1-b']));
    expect(by.get('p2')).toEqual(new Set(['agent-p2-p3']));
    expect(by.get('p3')).toEqual(new Set(['agent-p2-p3']));
    const peak = peakPerServer(run.events);
    expect(peak.get('p1')).toBe(2);
    expect(peak.get('p2')).toBe(1);
    expect(peak.get('p3')).toBe(1);
  }, 60_000);

  it('2. a connect failure reported by a proxy\'s agent fails over to the backup server, exactly as in process', async () => {
    const lab = JSON.stringify({ latencyMs: 0, faults: [{ server: 'p2', fault: 'refuse' }] });
    const files = agentEstate({ lab });
    await agentsFor(files, [{ id: 'agent-vbr', servers: ['vbr'] }, { id: 'agent-proxies', servers: ['p1', 'p2', 'p3'] }]);
    const remote = await runCoordinator(redis, runArgs(files), SECRET_ENV);
    const local = spawnSync(process.execPath, [join(ROOT, 'packages/cli/dist/bin.js'), 'run', '--events', 'ndjson', ...runArgs(files, '--lab', files['lab.json'] ?? '')], {
      cwd: ROOT, encoding: 'utf8', env: { ...process.env, ...SECRET_ENV }, timeout: 120_000,
    });
    expect(local.status, local.stderr).toBe(0);
    expect(remote.code, remote.stderr).toBe(0);
    const localEvents = local.stdout.split('\n').filter((line) => line !== '').map((line) => JSON.parse(line) as GipkitEvent);
    const shape = (events: readonly GipkitEvent[], vm: string): string[] => eventsOf(events, vm).map((event) => `${event.type}${'server' in event ? ` ${String(event.server)}` : ''}`);
    for (const vm of ['w1', 'w2', 'w3', 'w4', 'w5', 'w6', 'w7', 'w8', 'w9']) expect(shape(remote.events, vm), vm).toEqual(shape(localEvents, vm));
    const failovers = remote.events.filter((event) => event.type === 'failover.started');
    expect(failovers.map((event) => event.vm).sort()).toEqual(['w2', 'w5', 'w8']);
    // The backup server's agent did the failed-over work; the proxy's agent reported the refusal.
    for (const vm of ['w2', 'w5', 'w8']) {
      const succeeded = eventsOf(remote.events, vm).find((event) => event.type === 'deployment.succeeded');
      expect(succeeded).toMatchObject({ server: 'vbr', agent: 'agent-vbr', failedOver: true });
      expect(eventsOf(remote.events, vm).find((event) => event.type === 'connection.failed')).toMatchObject({ server: 'p2', agent: 'agent-proxies' });
    }
  }, 60_000);

  it('3. a server with no live agent (never registered) fails over with the cause "no agent for SERVER"', async () => {
    const files = agentEstate();
    await agentsFor(files, [{ id: 'agent-vbr', servers: ['vbr'] }, { id: 'agent-p1-p2', servers: ['p1', 'p2'] }]);
    const run = await runCoordinator(redis, runArgs(files), SECRET_ENV);
    expect(run.code, run.stderr).toBe(0);
    const failovers = run.events.filter((event) => event.type === 'failover.started');
    expect(failovers.map((event) => event.vm).sort()).toEqual(['w3', 'w6', 'w9']);
    for (const failover of failovers) expect(failover.cause).toEqual({ code: 'GIPKIT_AGENT_UNAVAILABLE', message: 'no agent for p3' });
    expect(run.stderr).toContain('3 failed over to the backup server (3 of them done)');
  }, 60_000);

  it('3. a server whose agent stopped beating (no heartbeat for --agent-timeout) fails over; its waiting tasks do not wait for ever', async () => {
    const files = agentEstate();
    const { agents } = await agentsFor(files, [{ id: 'agent-vbr', servers: ['vbr'] }, { id: 'agent-p1-p2', servers: ['p1', 'p2'] }, { id: 'agent-p3', servers: ['p3'] }]);
    // Frozen: registered, but silent from now on.
    agents[2]?.signal('SIGSTOP');
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const run = await runCoordinator(redis, runArgs(files, '--agent-timeout', '1000'), SECRET_ENV);
    expect(run.code, run.stderr).toBe(0);
    const failovers = run.events.filter((event) => event.type === 'failover.started');
    expect(failovers.map((event) => event.vm).sort()).toEqual(['w3', 'w6', 'w9']);
    for (const failover of failovers) expect(failover.cause.message).toBe('no agent for p3');
  }, 60_000);

  it('4. an agent killed mid-task (SIGKILL): another agent of its server takes the task over; one terminal event per VM', async () => {
    const files = agentEstate({ lab: JSON.stringify({ latencyMs: 250, faults: [] }) });
    const { agents } = await agentsFor(files, [
      { id: 'agent-rest', servers: ['vbr', 'p2', 'p3'] },
      { id: 'agent-p1-a', servers: ['p1'], concurrency: 1 },
      { id: 'agent-p1-b', servers: ['p1'], concurrency: 1 },
    ]);
    const run = startCoordinator(redis, runArgs(files, '--agent-timeout', '1000'), SECRET_ENV);
    const held = await run.waitFor((event) => event.type === 'deployment.step' && event.step === 'upload' && event.agent === 'agent-p1-a');
    agents[1]?.signal('SIGKILL');
    expect(await run.exited(), run.stderr()).toBe(0);
    const vm = 'vm' in held ? held.vm : '';
    const events = eventsOf(run.events, vm);
    expect(events.find((event) => event.type === 'connection.failed')).toMatchObject({
      server: 'p1', reconnect: true, cause: { code: 'GIPKIT_AGENT_UNAVAILABLE', message: expect.stringMatching(/^agent agent-p1-a of p1 stopped while it held the task .*; another agent of p1 takes it over$/) as unknown },
    });
    expect(events.at(-1)).toMatchObject({ type: 'deployment.succeeded', server: 'p1', agent: 'agent-p1-b', failedOver: false });
    expect([...terminalCounts(run.events).values()]).toEqual(Array.from({ length: 9 }, () => 1));
    expect(run.events.find((event) => event.type === 'cleanup.completed')).toMatchObject({ removed: 9, failures: [] });
  }, 60_000);

  it('4. an agent killed mid-task with no other agent for its server: the task fails over to the backup server, whose agent also removes the partial deployment', async () => {
    const files = agentEstate({ lab: JSON.stringify({ latencyMs: 250, faults: [] }) });
    const { agents } = await agentsFor(files, [
      { id: 'agent-rest', servers: ['vbr', 'p2', 'p3'] },
      { id: 'agent-p1', servers: ['p1'], concurrency: 1 },
    ]);
    const run = startCoordinator(redis, runArgs(files, '--agent-timeout', '1000'), SECRET_ENV);
    const held = await run.waitFor((event) => event.type === 'deployment.step' && event.step === 'upload' && event.agent === 'agent-p1');
    agents[1]?.signal('SIGKILL');
    expect(await run.exited(), run.stderr()).toBe(0);
    const vm = 'vm' in held ? held.vm : '';
    const failovers = run.events.filter((event) => event.type === 'failover.started');
    expect(failovers.map((event) => event.vm).sort()).toEqual(['w1', 'w4', 'w7']);
    expect(failovers.find((event) => event.vm === vm)?.cause).toMatchObject({ code: 'GIPKIT_AGENT_UNAVAILABLE', message: expect.stringMatching(/^agent agent-p1 of p1 stopped while it held the task/) as unknown });
    for (const other of ['w1', 'w4', 'w7'].filter((name) => name !== vm)) expect(failovers.find((event) => event.vm === other)?.cause.message).toBe('no agent for p1');
    for (const name of ['w1', 'w4', 'w7']) expect(eventsOf(run.events, name).at(-1)).toMatchObject({ type: 'deployment.succeeded', server: 'vbr', agent: 'agent-rest', failedOver: true });
    expect([...terminalCounts(run.events).values()]).toEqual(Array.from({ length: 9 }, () => 1));
    // Nine deployments and the partial one the killed agent began: all removed, the partial one by the backup server.
    expect(run.events.find((event) => event.type === 'cleanup.completed')).toMatchObject({ removed: 10, failures: [] });
  }, 60_000);

  it('8. the coordinator\'s events carry every step of every VM in order, with the agent that did it, and one terminal event per VM', async () => {
    const files = agentEstate();
    await agentsFor(files, [{ id: 'agent-vbr', servers: ['vbr'] }, { id: 'agent-proxies', servers: ['p1', 'p2', 'p3'] }]);
    const run = await runCoordinator(redis, runArgs(files), SECRET_ENV);
    expect(run.code, run.stderr).toBe(0);
    expect([...terminalCounts(run.events).values()]).toEqual(Array.from({ length: 9 }, () => 1));
    for (let index = 1; index <= 9; index++) {
      const steps = eventsOf(run.events, `w${index}`).filter((event) => event.type === 'deployment.step');
      expect(steps.map((event) => event.type === 'deployment.step' && event.step)).toEqual(['connect', 'upload', 'start', 'health']);
      expect(new Set(steps.map((event) => event.agent))).toEqual(new Set(['agent-proxies']));
      const last = eventsOf(run.events, `w${index}`).at(-1);
      expect(last).toMatchObject({ type: 'deployment.succeeded', agent: 'agent-proxies' });
    }
    expect(run.events.find((event) => event.type === 'cleanup.completed')).toMatchObject({ removed: 9, failures: [] });
  }, 60_000);

  it('9. tasks carry secret references only: after a run no Redis key holds the secret, and the run left no keys of its own', async () => {
    const files = agentEstate();
    await agentsFor(files, [{ id: 'agent-vbr', servers: ['vbr'] }, { id: 'agent-proxies', servers: ['p1', 'p2', 'p3'] }]);
    const run = await runCoordinator(redis, runArgs(files), SECRET_ENV);
    expect(run.code, run.stderr).toBe(0);
    const dump = await redis.dump();
    expect(dump.size).toBeGreaterThan(0);
    for (const [key, value] of dump) {
      expect(`${key} ${value}`).not.toContain(GUEST_SECRET);
      expect(`${key} ${value}`).not.toContain(redis.password);
    }
    expect([...dump.keys()].filter((key) => key.includes(':run:'))).toEqual([]);
  }, 60_000);

  it('9. an agent without the secret fails the VMs it works on, naming the reference, never another machine\'s value', async () => {
    const files = agentEstate();
    await agentsFor(files, [{ id: 'agent-vbr', servers: ['vbr'] }, { id: 'agent-proxies', servers: ['p1', 'p2', 'p3'], env: {} }]);
    const run = await runCoordinator(redis, runArgs(files), SECRET_ENV);
    expect(run.code).toBe(1);
    const failed = run.events.filter((event) => event.type === 'deployment.failed');
    expect(failed).toHaveLength(9);
    for (const event of failed) {
      expect(event.cause.code).toBe('GIPKIT_CONNECTOR_SECRET');
      expect(event.cause.message).toContain(`environment variable ${SECRET_VARIABLE}`);
      expect(event.agent).toBe('agent-proxies');
    }
  }, 60_000);
  it('12. with --queue, plan and explain take each server\'s load from its live agents (the inventory\'s runningTasks stays the fallback), and explain says where it came from', async () => {
    const files = agentEstate({ lab: JSON.stringify({ latencyMs: 1500, faults: [] }) });
    await agentsFor(files, [{ id: 'agent-vbr', servers: ['vbr'] }, { id: 'agent-p1', servers: ['p1'], concurrency: 4 }]);
    // A run keeps p1's agent busy with its three VMs (p2 and p3 have no agent: their VMs fail over to vbr).
    const busy = startCoordinator(redis, runArgs(files), SECRET_ENV);
    const client = redis.client();
    await until(async () => {
      const record = await client.hget('gipkit:agent-records', 'agent-p1');
      return record !== null && (JSON.parse(record) as { running: [string, number][] }).running.some(([server, count]) => server === 'p1' && count === 3);
    }, 20_000, 'agent-p1 reports three running tasks');
    client.disconnect();
    const cli = (...args: string[]) => spawnSync(process.execPath, [join(ROOT, 'packages/cli/dist/bin.js'), ...args, '--queue', redis.url, '--inventory', files['inventory.json'] ?? '', '--job', files['job.json'] ?? ''], {
      cwd: ROOT, encoding: 'utf8', env: { ...process.env, GIPKIT_QUEUE_PASSWORD: redis.password }, timeout: 60_000,
    });
    const planned = cli('plan', '--format', 'json');
    expect(planned.status, planned.stderr).toBe(0);
    const decisions = (JSON.parse(planned.stdout) as { decisions: { vm: string; proxy: string; load: number }[] }).decisions;
    // p1 counts its three live tasks: the first VMs go to p2 and p3 (load 0 from the inventory).
    expect(decisions.slice(0, 3).map((decision) => [decision.vm, decision.proxy, decision.load])).toEqual([['w1', 'p2', 0], ['w2', 'p3', 0], ['w3', 'p2', 1]]);
    expect(decisions.find((decision) => decision.proxy === 'p1')?.load).toBe(3);
    const explained = cli('explain', '--vm', 'w1');
    expect(explained.status, explained.stderr).toBe(0);
    expect(explained.stdout).toMatch(/^p1\s+\S+\s+\S+\s+3 \(agents\)/m);
    expect(explained.stdout).toMatch(/^p2\s+\S+\s+\S+\s+0 \(inventory\)/m);
    busy.signal('SIGTERM');
    await busy.exited();
  }, 90_000);
});

describe('messages on the queue are checked before anything runs', () => {
  const RUN = '0c7a3a52-4e8e-4f8e-9d1a-6d3f4a1b2c3d';
  const target = { vm: 'w1', host: 'esx', platform: 'vmware', family: 'windows', addresses: ['10.0.1.1'], account: 'CORP\\backup' };
  const timeouts = { connect: 1000, upload: 1000, install: 1000, start: 1000, health: 1000, remove: 1000 };
  const task = { kind: 'deploy', runId: RUN, server: 'p1', target, methods: ['lan'], mode: 'non-persistent', bundle: { name: 'hello-agent', version: '1.0.0' }, timeouts };

  /** Puts forged jobs on p1's queue for a run that beats, and returns what the agent wrote to that run's reports. */
  async function forge(jobs: readonly { id: string; data: unknown }[]): Promise<{ task: string; kind: string; body: string }[]> {
    const files = agentEstate();
    const { agents } = await agentsFor(files, [{ id: 'agent-p1', servers: ['p1'] }]);
    const client = redis.client();
    await client.set(`gipkit:run:${RUN}:beat`, '1', 'PX', 60_000);
    const queue = new Queue(`server.${Buffer.from('p1').toString('base64url')}`, { connection: { host: redis.address, port: redis.port, password: redis.password }, prefix: 'gipkit' });
    for (const job of jobs) await queue.add('deploy', job.data, { jobId: job.id, removeOnComplete: true, removeOnFail: true });
    const deadline = Date.now() + 10_000;
    const left = async (): Promise<number> => Object.values(await queue.getJobCounts('waiting', 'active')).reduce((sum, count) => sum + count, 0);
    while (Date.now() < deadline && await left() > 0) await new Promise((resolve) => setTimeout(resolve, 50));
    await new Promise((resolve) => setTimeout(resolve, 300));
    const entries = await client.xrange(`gipkit:run:${RUN}:reports`, '-', '+');
    await queue.close();
    client.disconnect();
    await agents[0]?.stop();
    return entries.map(([, fields]) => {
      const at = (name: string): string => fields[fields.indexOf(name) + 1] ?? '';
      return { task: at('t'), kind: at('k'), body: at('b') };
    });
  }

  it('11. an agent rejects a malformed task, a task for a server it does not serve, and a bundle whose digest does not match, and runs none of them', async () => {
    const digest = 'a'.repeat(64);
    const client = redis.client();
    await client.set(`gipkit:bundle:${digest}`, 'not the bundle those bytes are named after');
    client.disconnect();
    const entries = await forge([
      { id: `${RUN}.1`, data: { v: 1, taskId: `${RUN}.1`, task: { ...task, extra: 'field' }, bundle: { digest, size: 10 } } },
      { id: `${RUN}.2`, data: { v: 1, taskId: `${RUN}.2`, task: { ...task, server: 'p2' }, bundle: { digest, size: 10 } } },
      { id: `${RUN}.3`, data: { v: 1, taskId: `${RUN}.3`, task, bundle: { digest, size: 43 } } },
      { id: `${RUN}.4`, data: JSON.parse(`{"v":1,"taskId":"${RUN}.4","task":${JSON.stringify(task)},"bundle":{"digest":"${digest}","size":1},"__proto__":{"polluted":true}}`) as unknown },
      { id: `${RUN}.5`, data: { v: 1, taskId: `${RUN}.5`, task: { ...task, target: { ...target, secret: { env: 'A', file: '/etc/shadow' } } }, bundle: { digest, size: 10 } } },
      { id: `${RUN}.6`, data: { v: 1, taskId: `${RUN}.6`, task: { ...task, timeouts: { ...timeouts, connect: -1 } }, bundle: { digest, size: 10 } } },
    ]);
    const reasons = new Map(entries.filter((entry) => entry.kind === 'rejected').map((entry) => [entry.task, (JSON.parse(entry.body) as { reason: string }).reason]));
    expect(reasons.get(`${RUN}.1`)).toBe('task has an unknown field "extra"');
    expect(reasons.get(`${RUN}.2`)).toBe('the task is for "p2", but came on the queue of p1');
    expect(reasons.get(`${RUN}.3`)).toMatch(/^the bundle's SHA-256 is [0-9a-f]{64}, not the a{64} the task names$/);
    expect(reasons.get(`${RUN}.4`)).toBe('message has an unknown field "__proto__"');
    expect(reasons.get(`${RUN}.5`)).toBe('task.target.secret must have exactly one kind, such as {"env": "NAME"}');
    expect(reasons.get(`${RUN}.6`)).toBe('task.timeouts.connect must be a whole number from 1 to 2147483647 (found -1)');
    // Nothing ran: no step, no outcome, for any of them.
    expect(entries.filter((entry) => entry.kind === 'report' || entry.kind === 'outcome')).toEqual([]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  }, 60_000);

  it('11. a job whose id is not a task id gets no answer and runs nothing', async () => {
    const entries = await forge([{ id: 'not-a-task', data: { v: 1, taskId: 'not-a-task', task } }]);
    expect(entries).toEqual([]);
  }, 60_000);
});
