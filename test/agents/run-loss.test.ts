// Agents on the proxies (issue #11), behaviours 5 and 6: a cancelled run reaches its agents, and a coordinator
// that dies leaves nothing behind. Real Redis; the coordinator is a real `gipkit run --queue` process. For 6 the
// agents run in this process (QueueAgent with a simulated lab), so that their guests can be looked at afterwards.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { createGipkit, type Gipkit } from '@gipkit/core';
import { linuxDeployerPlugin } from '@gipkit/deployer-linux';
import { windowsDeployerPlugin } from '@gipkit/deployer-windows';
import { parseQueueUrl, QueueAgent } from '@gipkit/dispatcher-bullmq';
import { SimulatedLab } from '@gipkit/simulated-lab';
import { ROOT } from '../cli-harness.js';
import { leftovers } from '../run/run-fixture.js';
import { killAll, startAgent, startCoordinator, terminalCounts } from './agent-harness.js';
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
  await redis?.stop();
});

function runArgs(files: Record<string, string>, ...more: string[]): string[] {
  return ['--simulate', '--inventory', files['inventory.json'] ?? '', '--job', files['job.json'] ?? '', '--bundle', BUNDLE, ...more];
}

async function until(condition: () => boolean | Promise<boolean>, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`not within ${ms} ms: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('a run that stops early, with its agents elsewhere', () => {
  it('5. cancelling the run (SIGTERM at the coordinator) reaches the agents: running tasks stop, what they deployed is removed, one terminal event per VM', async () => {
    const files = agentEstate({ lab: JSON.stringify({ latencyMs: 150, faults: [] }) });
    for (const [id, servers] of [['agent-vbr', ['vbr']], ['agent-proxies', ['p1', 'p2', 'p3']]] as const) {
      await startAgent(redis, { id, servers: [...servers], inventory: files['inventory.json'] ?? '', job: files['job.json'] ?? '', lab: files['lab.json'] ?? '', concurrency: 2, env: SECRET_ENV });
    }
    const run = startCoordinator(redis, runArgs(files), SECRET_ENV);
    await run.waitFor((event) => event.type === 'deployment.step' && event.step === 'upload');
    run.signal('SIGTERM');
    expect(await run.exited(), run.stderr()).toBe(1);
    const { events } = run;
    expect([...terminalCounts(events).values()]).toEqual(Array.from({ length: 9 }, () => 1));
    const cancelled = events.filter((event) => event.type === 'deployment.failed' && event.cause.code === 'GIPKIT_RUN_CANCELLED');
    expect(cancelled.length).toBeGreaterThan(0);
    // Every deployment made (whole or partial) was removed by the agents; none failed to go.
    const completed = events.find((event) => event.type === 'job.completed');
    expect(completed).toMatchObject({ cancelled: true, accepted: false });
    const cleanup = events.find((event) => event.type === 'cleanup.completed');
    expect(cleanup).toMatchObject({ failures: [] });
    const made = new Set(events.filter((event) => event.type === 'deployment.step' && event.step === 'upload').map((event) => 'vm' in event ? event.vm : ''));
    expect(cleanup?.type === 'cleanup.completed' ? cleanup.removed : -1).toBe(made.size);
  }, 60_000);

  it('6. the coordinator killed mid-run: its agents notice that the run stopped beating, remove what they deployed for it, and drop its waiting tasks', async () => {
    const files = agentEstate({ vms: 12 });
    process.env[SECRET_VARIABLE] = GUEST_SECRET;
    const input = createGipkit().loadInput({ inventory: files['inventory.json'] ?? '', job: files['job.json'] ?? '' });
    const lab = new SimulatedLab(input.inventory, { latencyMs: 120 });
    const engines: Gipkit[] = [];
    const agents = ['vbr', 'p1', 'p2', 'p3'].map((server) => {
      const engine = createGipkit({ plugins: [lab.plugin(), linuxDeployerPlugin(), windowsDeployerPlugin()] });
      engines.push(engine);
      return new QueueAgent({
        connection: { ...parseQueueUrl(redis.url), password: redis.password }, servers: [server], concurrency: 1,
        performer: (bundle) => engine.guestAgent(bundle), methods: ['vmware/lan'], version: 'test', heartbeatMs: 200, agentId: `agent-${server}`,
      });
    });
    try {
      await Promise.all(agents.map((agent) => agent.start()));
      const run = startCoordinator(redis, runArgs(files, '--agent-timeout', '1000'), SECRET_ENV);
      // One VM per proxy done, the next ones under way, the rest still waiting in the queues.
      await run.waitFor((event) => event.type === 'deployment.succeeded');
      await until(() => Object.keys(leftovers(lab)).length >= 3, 10_000, 'three guests deployed into');
      run.signal('SIGKILL');
      await run.exited();
      // The run's beat expires (3 s), then the agents undo their work for it.
      await until(() => Object.keys(leftovers(lab)).length === 0 && lab.openSessions() === 0, 15_000, `every guest emptied: ${JSON.stringify(leftovers(lab))}`);
      expect(leftovers(lab)).toEqual({});
      // Its waiting tasks were dropped, not run: VMs that never started stayed untouched, and no queue holds work.
      const client = redis.client();
      await until(async () => {
        const keys = await client.keys('gipkit:server.*:wait');
        let waiting = 0;
        for (const key of keys) waiting += await client.llen(key);
        const active = await client.keys('gipkit:server.*:active');
        let running = 0;
        for (const key of active) running += await client.llen(key);
        return waiting + running === 0;
      }, 15_000, 'the queues emptied');
      const runKeys = await client.keys('gipkit:run:*');
      for (const key of runKeys) expect(await client.pttl(key), key).toBeGreaterThan(0);
      expect(runKeys.some((key) => key.endsWith(':beat'))).toBe(false);
      client.disconnect();
    } finally {
      await Promise.all(agents.map((agent) => agent.stop()));
      for (const engine of engines) engine.dispose();
    }
  }, 60_000);

  it('7. Redis unreachable mid-run: the run ends with a clear error (exit 1) after --queue-timeout, never hangs; the agents reconnect when Redis returns', async () => {
    const files = agentEstate({ lab: JSON.stringify({ latencyMs: 200, faults: [] }) });
    for (const [id, servers] of [['agent-vbr', ['vbr']], ['agent-proxies', ['p1', 'p2', 'p3']]] as const) {
      await startAgent(redis, { id, servers: [...servers], inventory: files['inventory.json'] ?? '', job: files['job.json'] ?? '', lab: files['lab.json'] ?? '', concurrency: 1, env: SECRET_ENV });
    }
    const run = startCoordinator(redis, runArgs(files, '--queue-timeout', '2000'), SECRET_ENV);
    await run.waitFor((event) => event.type === 'deployment.step');
    await redis.pause();
    const started = Date.now();
    expect(await run.exited(), run.stderr()).toBe(1);
    expect(Date.now() - started).toBeLessThan(20_000);
    const failed = run.events.filter((event) => event.type === 'deployment.failed');
    expect(failed.length).toBeGreaterThan(0);
    expect(failed.some((event) => event.cause.code === 'GIPKIT_QUEUE_UNAVAILABLE' && /^the queue at redis:\/\/127\.0\.0\.3:\d+\/0 was unreachable for more than 2 s$/.test(event.cause.message))).toBe(true);
    expect([...terminalCounts(run.events).values()]).toEqual(Array.from({ length: 9 }, () => 1));
    expect(run.events.at(-1)).toMatchObject({ type: 'job.completed', accepted: false });
    // Redis returns (empty: no persistence): the same agents register again and serve the next run.
    await redis.resume();
    const client = redis.client();
    await until(async () => (await client.zcard('gipkit:agents')) === 2, 15_000, 'both agents registered again');
    client.disconnect();
    const again = startCoordinator(redis, runArgs(files), SECRET_ENV);
    expect(await again.exited(), again.stderr()).toBe(0);
    expect(again.stderr()).toContain('9 done');
  }, 90_000);

  it('7. an agent told to stop while Redis does not answer (frozen: no connection closes) finishes its guest work, waits a grace, and exits by itself', async () => {
    const files = agentEstate({ lab: JSON.stringify({ latencyMs: 200, faults: [] }) });
    await startAgent(redis, { id: 'agent-vbr', servers: ['vbr'], inventory: files['inventory.json'] ?? '', job: files['job.json'] ?? '', lab: files['lab.json'] ?? '', concurrency: 1, env: SECRET_ENV });
    const proxies = await startAgent(redis, { id: 'agent-proxies', servers: ['p1', 'p2', 'p3'], inventory: files['inventory.json'] ?? '', job: files['job.json'] ?? '', lab: files['lab.json'] ?? '', concurrency: 1, env: SECRET_ENV });
    const run = startCoordinator(redis, runArgs(files, '--queue-timeout', '2000'), SECRET_ENV);
    await run.waitFor((event) => event.type === 'deployment.step' && event.agent === 'agent-proxies');
    process.kill(redis.pid, 'SIGSTOP');
    try {
      const asked = Date.now();
      proxies.signal('SIGTERM');
      // Its tasks' guest work (a few 200 ms steps), then 5 s of grace for the queue, then it lets go and exits 0.
      expect(await proxies.exited()).toBe(0);
      expect(Date.now() - asked).toBeLessThan(15_000);
      expect(proxies.output()).toContain('the queue did not answer while stopping');
      expect(await run.exited(), run.stderr()).toBe(1);
    } finally {
      process.kill(redis.pid, 'SIGCONT');
    }
  }, 90_000);
});
