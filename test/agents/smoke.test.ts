import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGipkit } from '@gipkit/core';
import { linuxDeployerPlugin } from '@gipkit/deployer-linux';
import { windowsDeployerPlugin } from '@gipkit/deployer-windows';
import { bullmqDispatcherPlugin, parseQueueUrl, QueueAgent } from '@gipkit/dispatcher-bullmq';
import { SimulatedLab } from '@gipkit/simulated-lab';
import { BUNDLE, estate, EventLog } from '../run/run-fixture.js';
import { startRedisServer, type RedisServer } from './redis-server.js';

let redis: RedisServer;
beforeAll(async () => {
  redis = await startRedisServer();
});
afterAll(async () => {
  await redis?.stop();
});

describe('smoke', () => {
  it('runs through agents', async () => {
    process.env.GIPKIT_TEST_GUEST_SECRET = 'hunter2-secret';
    const input = estate({ vms: 4, proxies: 2 });
    const connection = { ...parseQueueUrl(redis.url), password: redis.password };
    const lab = new SimulatedLab(input.inventory);
    const agentEngine = createGipkit({ plugins: [lab.plugin(), linuxDeployerPlugin(), windowsDeployerPlugin()] });
    const agents = ['vbr', 'p1', 'p2'].map((server) => new QueueAgent({
      connection, servers: [server], performer: (bundle) => agentEngine.guestAgent(bundle), methods: ['vmware/lan'], version: 'test', heartbeatMs: 200,
    }));
    await Promise.all(agents.map((agent) => agent.start()));
    const coordinator = createGipkit({ plugins: [lab.plugin(), linuxDeployerPlugin(), windowsDeployerPlugin(), bullmqDispatcherPlugin({ connection, heartbeatMs: 200 })] });
    const log = new EventLog(coordinator);
    const result = await coordinator.run(input, { bundle: BUNDLE, dispatcher: 'bullmq' });
    await Promise.all(agents.map((agent) => agent.stop()));
    console.log(log.events.map((event) => `${event.type} ${'vm' in event ? event.vm : ''} ${'agent' in event ? event.agent : ''}`).join('\n'));
    expect(result.counts).toMatchObject({ succeeded: 4 });
    const dump = await redis.dump();
    console.log([...dump.keys()]);
    expect([...dump.values()].some((value) => value.includes('hunter2'))).toBe(false);
  }, 60_000);
});
