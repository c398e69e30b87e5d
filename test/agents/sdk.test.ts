// The agents in code: a product embeds the coordinator (bullmqDispatcherPlugin) and runs QueueAgent where its
// proxies are, each with its own engine's connectors and deployers. Real Redis; one process here.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGipkit } from '@gipkit/core';
import { linuxDeployerPlugin } from '@gipkit/deployer-linux';
import { windowsDeployerPlugin } from '@gipkit/deployer-windows';
import { BULLMQ_DISPATCHER, bullmqDispatcherPlugin, parseQueueUrl, QueueAgent } from '@gipkit/dispatcher-bullmq';
import { SimulatedLab } from '@gipkit/simulated-lab';
import { BUNDLE, estate, EventLog, leftovers } from '../run/run-fixture.js';
import { startRedisServer, type RedisServer } from './redis-server.js';

let redis: RedisServer;
beforeAll(async () => {
  redis = await startRedisServer();
}, 30_000);
afterAll(async () => {
  await redis?.stop();
});

describe('agents in code (SDK)', () => {
  it('a run with the bullmq dispatcher deploys through QueueAgents into their own engine\'s guests, and cleans up there', async () => {
    process.env.GIPKIT_TEST_GUEST_SECRET = 'sdk-guest-secret';
    const input = estate({ vms: 4, proxies: 2 });
    const connection = { ...parseQueueUrl(redis.url), password: redis.password };
    // The proxies' side: one engine with the lab's guests, three agents.
    const lab = new SimulatedLab(input.inventory);
    const agentEngine = createGipkit({ plugins: [lab.plugin(), linuxDeployerPlugin(), windowsDeployerPlugin()] });
    const agents = ['vbr', 'p1', 'p2'].map((server) => new QueueAgent({
      connection, servers: [server], performer: (bundle) => agentEngine.guestAgent(bundle), methods: ['vmware/lan'], version: 'test', heartbeatMs: 200, agentId: `agent-${server}`,
    }));
    await Promise.all(agents.map((agent) => agent.start()));
    // The coordinator's side: its own lab only says what the connectors reach; nothing is deployed through it.
    const reach = new SimulatedLab(input.inventory);
    reach.inject({ fault: 'refuse' });
    const coordinator = createGipkit({ plugins: [reach.plugin(), linuxDeployerPlugin(), windowsDeployerPlugin(), bullmqDispatcherPlugin({ connection, heartbeatMs: 200 })] });
    const log = new EventLog(coordinator);
    const result = await coordinator.run(input, { bundle: BUNDLE, dispatcher: BULLMQ_DISPATCHER });
    await Promise.all(agents.map((agent) => agent.stop()));
    coordinator.dispose();
    agentEngine.dispose();
    expect(result.counts).toMatchObject({ succeeded: 4, failed: 0 });
    expect(result.cleanup).toMatchObject({ removed: 4, failures: [] });
    expect(log.of('deployment.succeeded').map((event) => [event.vm, event.agent])).toEqual(expect.arrayContaining([['w1', 'agent-p1'], ['w2', 'agent-p2']]));
    // The agents' guests were deployed into and emptied again (the coordinator's refuse every connection: unused).
    expect(leftovers(lab)).toEqual({});
    expect(lab.openSessions()).toBe(0);
  }, 60_000);
});
