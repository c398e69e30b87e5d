// What a dispatcher may declare and what core then does (for remote agents, issue #11): open before the first
// task and close after cleanup, whoever limits a server's tasks, the failover flag, a deployment into a named
// folder, and a leftover whose server cannot reach the guest any more, removed by the backup server.
import { describe, expect, it } from 'vitest';
import {
  API_VERSION, GUEST_AGENT,
  type Dispatcher, type DispatchOptions, type GuestAgent, type GuestTask, type Plugin, type TaskOutcome,
} from '@gipkit/plugin-api';
import { estate, leftovers, rig } from './run-fixture.js';

process.env.GIPKIT_TEST_GUEST_SECRET = 'hooks-secret';

/** A dispatcher around the in-process agent that records what it saw; `change` may rewrite a task or its outcome. */
function recording(options: {
  readonly serverLimits?: 'agents';
  readonly open?: () => Promise<void>;
  readonly change?: (task: GuestTask, agent: GuestAgent, dispatch: DispatchOptions) => Promise<TaskOutcome> | undefined;
} = {}) {
  const seen = { tasks: [] as GuestTask[], calls: [] as string[], peak: new Map<string, number>() };
  const running = new Map<string, number>();
  const plugin: Plugin = {
    name: '@acme/recording', apiVersion: API_VERSION,
    setup: (registry) => registry.addDispatcher({
      name: 'recording',
      useFactory: (resolver): Dispatcher => {
        const agent = resolver.get(GUEST_AGENT);
        return {
          ...(options.serverLimits === undefined ? {} : { serverLimits: options.serverLimits }),
          open: async () => {
            seen.calls.push('open');
            await options.open?.();
          },
          close: async () => void seen.calls.push('close'),
          dispatch: async (task, dispatch) => {
            seen.calls.push(`dispatch ${task.kind}`);
            seen.tasks.push(task);
            const now = (running.get(task.server) ?? 0) + 1;
            running.set(task.server, now);
            seen.peak.set(task.server, Math.max(seen.peak.get(task.server) ?? 0, now));
            try {
              return await (options.change?.(task, agent, dispatch) ?? agent.perform(task, dispatch));
            } finally {
              running.set(task.server, (running.get(task.server) ?? 1) - 1);
            }
          },
        };
      },
    }),
  };
  return { plugin, seen };
}

describe('dispatcher hooks and declarations', () => {
  it('open is awaited before the first task, close after the cleanup; a rejecting open ends the run before any work, and close still runs', async () => {
    const ok = recording();
    const good = rig(estate({ vms: 2, proxies: 1 }), {}, [ok.plugin]);
    const result = await good.run({ dispatcher: 'recording' });
    expect(result.accepted).toBe(true);
    expect(ok.seen.calls[0]).toBe('open');
    expect(ok.seen.calls.at(-1)).toBe('close');
    expect(ok.seen.calls.filter((call) => call === 'dispatch remove')).toHaveLength(2);

    const broken = recording({ open: () => Promise.reject(new Error('the queue is not there')) });
    const bad = rig(estate({ vms: 2, proxies: 1 }), {}, [broken.plugin]);
    await expect(bad.run({ dispatcher: 'recording' })).rejects.toThrow('the queue is not there');
    expect(broken.seen.calls).toEqual(['open', 'close']);
    expect(leftovers(bad.lab)).toEqual({});
  });

  it('serverLimits "agents": the run does not apply its per-server limit (the agents do), only the total', async () => {
    const limited = recording();
    const unlimited = recording({ serverLimits: 'agents' });
    const lab = { latencyMs: 5 };
    await rig(estate({ vms: 8, proxies: 1 }), lab, [limited.plugin]).run({ dispatcher: 'recording', concurrency: { perServer: 2, total: 6 } });
    await rig(estate({ vms: 8, proxies: 1 }), lab, [unlimited.plugin]).run({ dispatcher: 'recording', concurrency: { perServer: 2, total: 6 } });
    expect(limited.seen.peak.get('p1')).toBe(2);
    expect(unlimited.seen.peak.get('p1')).toBe(6);
  });

  it('the backup server\'s attempt after a failover is marked failedOver, so that a queue can put it ahead of its waiting work', async () => {
    const { plugin, seen } = recording();
    const r = rig(estate({ vms: 2, proxies: 1 }), { faults: [{ server: 'p1', fault: 'refuse' }] }, [plugin]);
    const result = await r.run({ dispatcher: 'recording' });
    expect(result.counts.failedOver).toBe(2);
    const deploys = seen.tasks.filter((task) => task.kind === 'deploy');
    expect(deploys.filter((task) => task.server === 'p1').map((task) => task.kind === 'deploy' && task.failedOver)).toEqual([undefined, undefined]);
    expect(deploys.filter((task) => task.server === 'vbr').map((task) => task.kind === 'deploy' && task.failedOver)).toEqual([true, true]);
  });

  it('a deploy task that names its location deploys there (another agent taking over); locate tells it before', async () => {
    const named = new Map<string, string>();
    const { plugin } = recording({
      change: (task, agent, dispatch) => {
        if (task.kind !== 'deploy') return undefined;
        const location = agent.locate?.(task);
        if (location === undefined) throw new Error('the in-process agent should locate a non-persistent deployment');
        named.set(task.target.vm, location);
        return agent.perform({ ...task, location }, dispatch);
      },
    });
    const r = rig(estate({ vms: 2, proxies: 1 }), {}, [plugin]);
    const succeeded: string[] = [];
    r.gipkit.events$.subscribe((event) => {
      if (event.type === 'deployment.succeeded') succeeded.push(`${event.vm} ${event.location}`);
    });
    const result = await r.run({ dispatcher: 'recording' });
    expect(result.accepted).toBe(true);
    expect(succeeded.sort()).toEqual([...named].map(([vm, location]) => `${vm} ${location}`).sort());
  });

  it('a leftover whose server can no longer reach the guest at job end is removed by the backup server', async () => {
    const { plugin, seen } = recording();
    const r = rig(estate({ vms: 2, proxies: 1 }), {}, [plugin]);
    // After every deployment, p1 loses its way to the guests (its agent went away, say).
    const result = await r.run({ dispatcher: 'recording', beforeCleanup: async () => r.lab.inject({ server: 'p1', fault: 'refuse' }) });
    expect(result.cleanup).toEqual({ removed: 2, kept: 0, stale: 0, failures: [] });
    expect(seen.tasks.filter((task) => task.kind === 'remove').map((task) => task.server)).toEqual(['p1', 'p1', 'vbr', 'vbr']);
    expect(leftovers(r.lab)).toEqual({});
  });
});
