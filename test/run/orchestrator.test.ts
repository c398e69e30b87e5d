import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  API_VERSION, ConnectorError, ErrorCode, GipkitError, GUEST_AGENT,
  type DispatcherDefinition, type DispatchOptions, type GuestAgent, type GuestConnector, type GuestTask,
} from '@gipkit/plugin-api';
import { createGipkit } from '@gipkit/core';
import { BUNDLE, estate, leftovers, rig } from './run-fixture.js';

// One test per numbered orchestrator behaviour of issue #3 (docs/deployment.md)
// and per injectable fault; each checks the events and the guests afterwards.

const SECRET = 'pa55-w0rd-that-must-never-show';
beforeEach(() => {
  process.env.GIPKIT_TEST_GUEST_SECRET = SECRET;
});
afterEach(() => {
  delete process.env.GIPKIT_TEST_GUEST_SECRET;
});

describe('1. connect with the planned method, then the other, then fail over', () => {
  it('a proxy whose planned method is refused connects with its other allowed method, without failover', async () => {
    const { run, log, lab } = rig(estate({ vms: 1, proxies: 1 }), { faults: [{ server: 'p1', method: 'lan', fault: 'refuse' }] });
    const result = await run();
    expect(log.forVm('w1')).toEqual([
      'proxy.selected', 'deployment.started', 'deployment.step', 'connection.failed', 'deployment.step',
      'deployment.step', 'deployment.step', 'deployment.step', 'deployment.succeeded',
    ]);
    expect(log.of('connection.failed')[0]).toMatchObject({ server: 'p1', method: 'lan', cause: { code: ErrorCode.ConnectionRefused }, reconnect: false });
    expect(log.of('deployment.succeeded')[0]).toMatchObject({ server: 'p1', method: 'vix', failedOver: false });
    expect(log.of('failover.started')).toEqual([]);
    expect(result.accepted).toBe(true);
    expect(leftovers(lab)).toEqual({});
  });

  it('when the proxy cannot connect with any method, the backup server takes over for that VM (failover)', async () => {
    const { run, log, lab } = rig(estate({ vms: 2, proxies: 1 }), { faults: [{ server: 'p1', fault: 'refuse' }] });
    const result = await run();
    expect(log.of('failover.started').map((event) => [event.vm, event.from, event.to, event.cause.code])).toEqual([
      ['w1', 'p1', 'vbr', ErrorCode.ConnectionRefused],
      ['w2', 'p1', 'vbr', ErrorCode.ConnectionRefused],
    ]);
    expect(log.of('failover.succeeded').map((event) => [event.vm, event.server])).toEqual([['w1', 'vbr'], ['w2', 'vbr']]);
    expect(log.of('deployment.succeeded').every((event) => event.failedOver && event.server === 'vbr')).toBe(true);
    expect(log.of('deployment.started').map((event) => [event.vm, event.server, event.role])).toEqual([
      ['w1', 'p1', 'proxy'], ['w2', 'p1', 'proxy'], ['w1', 'vbr', 'backup-server'], ['w2', 'vbr', 'backup-server'],
    ]);
    expect(result.counts).toMatchObject({ succeeded: 2, failedOver: 2, failed: 0 });
    expect(result.perServer).toEqual({ vbr: { succeeded: 2, failedOver: 2, failed: 0, crashConsistent: 0, skipped: 0 } });
    expect(result.accepted).toBe(true);
    expect(leftovers(lab)).toEqual({});
    expect(lab.openSessions()).toBe(0);
  });

  it('fail-vm: when the backup server cannot connect either, the VM fails and the job is not accepted', async () => {
    const { run, log } = rig(estate({ vms: 1, proxies: 1 }), { faults: [{ vm: 'w1', fault: 'refuse' }] });
    const result = await run();
    expect(log.forVm('w1').filter((type) => type.startsWith('failover') || type.startsWith('deployment.') && type !== 'deployment.step')).toEqual([
      'deployment.started', 'failover.started', 'deployment.started', 'failover.failed', 'deployment.failed',
    ]);
    expect(log.of('deployment.failed')[0]).toMatchObject({ server: 'vbr', step: 'connect', outcome: 'failed', cause: { code: ErrorCode.ConnectionRefused } });
    expect(result.counts).toMatchObject({ succeeded: 0, failed: 1 });
    expect(result.accepted).toBe(false);
  });

  it('continue-crash-consistent: the VM is backed up crash-consistently and the job is accepted', async () => {
    const input = estate({ vms: 2, proxies: 1, job: { onGuestProcessingFailure: 'continue-crash-consistent' } });
    const { run, log } = rig(input, { faults: [{ vm: 'w1', fault: 'refuse' }] });
    const result = await run();
    expect(log.of('deployment.failed')[0]).toMatchObject({ vm: 'w1', outcome: 'crash-consistent' });
    expect(result.vms.map((vm) => [vm.vm, vm.status])).toEqual([['w1', 'crash-consistent'], ['w2', 'succeeded']]);
    expect(result.counts).toMatchObject({ succeeded: 1, crashConsistent: 1, failed: 0 });
    expect(result.accepted).toBe(true);
  });

  it('a VM whose proxy is the backup server has no failover', async () => {
    const input = estate({ vms: 1, proxies: 0 });
    const { run, log } = rig(input, { faults: [{ server: 'vbr', fault: 'refuse' }] });
    const result = await run();
    expect(log.of('failover.started')).toEqual([]);
    expect(log.of('deployment.failed')[0]).toMatchObject({ vm: 'w1', server: 'vbr', step: 'connect' });
    expect(result.counts.failed).toBe(1);
  });
});

describe('2. a dropped session gets exactly one reconnect', () => {
  it('a session that drops mid-upload reconnects once and the deployment completes, with nothing left behind', async () => {
    const { run, log, lab } = rig(estate({ vms: 1, proxies: 1 }), { faults: [{ vm: 'w1', times: 1, fault: 'drop', afterCalls: 2 }] });
    const result = await run();
    const failures = log.of('connection.failed');
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatchObject({ server: 'p1', method: 'lan', reconnect: true, cause: { code: ErrorCode.ConnectionDropped } });
    expect(log.of('deployment.succeeded')[0]).toMatchObject({ server: 'p1', method: 'lan', failedOver: false });
    expect(log.of('failover.started')).toEqual([]);
    expect(result.accepted).toBe(true);
    expect(leftovers(lab)).toEqual({});
  });

  it('a second drop fails the VM without failover, and the partial upload is removed at job end', async () => {
    const { run, log, lab } = rig(estate({ vms: 1, proxies: 1 }), { faults: [{ vm: 'w1', times: 2, fault: 'drop', afterCalls: 2 }] });
    const result = await run();
    expect(log.of('connection.failed').map((event) => event.reconnect)).toEqual([true]);
    expect(log.of('deployment.failed')[0]).toMatchObject({ vm: 'w1', server: 'p1', cause: { code: ErrorCode.ConnectionDropped } });
    expect(log.of('failover.started')).toEqual([]);
    expect(log.of('cleanup.completed')[0]).toMatchObject({ removed: 1, failures: [] });
    expect(result.counts.failed).toBe(1);
    expect(leftovers(lab)).toEqual({});
  });
});

describe('3. proxies work in parallel within the per-proxy and total limits', () => {
  it('no more than perServer tasks run at once on one server, and no more than total in the run', async () => {
    const { gipkit, input, log } = rig(estate({ vms: 24, proxies: 3 }), { latencyMs: 2 });
    const handle = gipkit.startRun(input, { bundle: BUNDLE, concurrency: { perServer: 2, total: 5 } });
    let maxTotal = 0;
    const maxPerServer = new Map<string, number>();
    const sampler = setInterval(() => {
      const snapshot = handle.load.snapshot();
      maxTotal = Math.max(maxTotal, Object.values(snapshot).reduce((sum, count) => sum + count, 0));
      for (const [server, count] of Object.entries(snapshot)) maxPerServer.set(server, Math.max(maxPerServer.get(server) ?? 0, count));
    }, 1);
    const result = await handle.result;
    clearInterval(sampler);
    expect(result.counts.succeeded).toBe(24);
    const started = log.of('deployment.started');
    expect(Math.max(...started.map((event) => event.load))).toBe(2);
    expect(Math.max(...maxPerServer.values())).toBeLessThanOrEqual(2);
    expect(maxTotal).toBeLessThanOrEqual(5);
    expect(maxTotal).toBeGreaterThanOrEqual(2);
  });

  it('a proxy\'s load rises as its tasks start and falls as they end, and selection sees it', async () => {
    const { gipkit, input, log } = rig(estate({ vms: 8, proxies: 2 }), { latencyMs: 5 });
    const full = new Set<string>();
    const bothFull = new Promise<void>((resolve) => {
      gipkit.events$.subscribe((event) => {
        if (event.type === 'deployment.started' && event.load === 3) full.add(event.server);
        if (full.size === 2) resolve();
      });
    });
    const handle = gipkit.startRun(input, { bundle: BUNDLE, concurrency: { perServer: 3 } });
    await bothFull;
    expect([handle.load.get('p1'), handle.load.get('p2')]).toEqual([3, 3]);
    const during = gipkit.plan(input, { load: handle.load });
    expect(during.decisions[0]?.load).toBe(3);
    await handle.result;
    expect(handle.load.snapshot()).toEqual({});
    expect(gipkit.plan(input, { load: handle.load }).decisions[0]?.load).toBe(0);
    expect(log.of('deployment.started').filter((event) => event.server === 'p1').map((event) => event.load).slice(0, 3)).toEqual([1, 2, 3]);
  });
});

describe('4. timeouts, cancellation and cleanup', () => {
  it('a hung step ends at its timeout, not never, and the job still ends', async () => {
    const { run, log, lab } = rig(estate({ vms: 2, proxies: 1 }), { faults: [{ vm: 'w1', fault: 'hang', step: 'upload' }] });
    const result = await run({ timeouts: { upload: 50 } });
    expect(log.of('deployment.failed')[0]).toMatchObject({ vm: 'w1', step: 'upload', cause: { code: ErrorCode.ConnectionTimedOut } });
    expect(result.vms.map((vm) => vm.status)).toEqual(['failed', 'succeeded']);
    expect(log.of('job.completed')).toHaveLength(1);
    expect(leftovers(lab)).toEqual({});
  });

  it('a hung connection ends at the connect timeout and fails over', async () => {
    const { run, log } = rig(estate({ vms: 1, proxies: 1 }), { faults: [{ server: 'p1', fault: 'hang', step: 'connect' }] });
    const result = await run({ timeouts: { connect: 30 } });
    expect(log.of('connection.failed').map((event) => [event.server, event.cause.code])).toEqual([
      ['p1', ErrorCode.ConnectionTimedOut], ['p1', ErrorCode.ConnectionTimedOut],
    ]);
    expect(log.of('failover.succeeded')).toHaveLength(1);
    expect(result.accepted).toBe(true);
  });

  it('cancelling stops new work and still removes every non-persistent component that was deployed', async () => {
    const input = estate({ vms: 12, proxies: 1, job: { onGuestProcessingFailure: 'continue-crash-consistent' } });
    const { gipkit, log, lab } = rig(input, { latencyMs: 3 });
    const cancel = new AbortController();
    gipkit.events$.subscribe((event) => {
      if (event.type === 'deployment.succeeded') cancel.abort();
    });
    const result = await gipkit.run(input, { bundle: BUNDLE, signal: cancel.signal, concurrency: { perServer: 2 } });
    expect(result.cancelled).toBe(true);
    expect(result.accepted).toBe(false);
    const succeeded = log.of('deployment.succeeded').length;
    expect(succeeded).toBeGreaterThanOrEqual(1);
    expect(log.of('deployment.failed').filter((event) => event.step === 'queue').length).toBeGreaterThan(0);
    // Cancelled VMs fail, whatever the job's onGuestProcessingFailure says.
    expect(log.of('deployment.failed').every((event) => event.cause.code === ErrorCode.RunCancelled && event.outcome === 'failed')).toBe(true);
    expect(result.counts.crashConsistent).toBe(0);
    expect(log.of('cleanup.completed')[0]?.failures).toEqual([]);
    expect(log.of('job.completed')[0]).toMatchObject({ cancelled: true, accepted: false });
    expect([...log.terminalCounts().values()].every((count) => count === 1)).toBe(true);
    expect(log.terminalCounts().size).toBe(12);
    expect(leftovers(lab)).toEqual({});
  });

  it('cleanup runs after failures, and a cleanup failure is reported, not swallowed', async () => {
    const { run, log, lab } = rig(estate({ vms: 2, proxies: 1 }));
    // The guest refuses removals from the end of the deployment on (a locked file, a denied delete).
    const result = await run({ beforeCleanup: async () => lab.inject({ vm: 'w2', fault: 'fail-remove' }) });
    const cleanup = log.of('cleanup.completed')[0];
    expect(cleanup?.removed).toBe(1);
    expect(cleanup?.failures.map((failure) => [failure.vm, failure.server, failure.cause.code])).toEqual([['w2', 'p1', ErrorCode.DeployFailed]]);
    expect(result.cleanup.failures).toHaveLength(1);
    expect(result.accepted).toBe(false);
    expect(Object.keys(leftovers(lab))).toEqual(['w2']);
  });

  it('cleanup runs even when the product\'s own work before it fails; the run then rejects with that error', async () => {
    const { run, log, lab } = rig(estate({ vms: 2, proxies: 1 }));
    await expect(run({ beforeCleanup: async () => { throw new Error('backup failed'); } })).rejects.toThrow('backup failed');
    expect(log.of('cleanup.completed')[0]).toMatchObject({ removed: 2, failures: [] });
    expect(log.of('job.completed')).toHaveLength(1);
    expect(leftovers(lab)).toEqual({});
  });

  it('a failing health check fails the VM without failover, and the started component is stopped and removed at job end', async () => {
    const { run, log, lab } = rig(estate({ vms: 2, proxies: 1 }));
    lab.guest('w1').failHealth = true;
    const result = await run();
    expect(log.of('deployment.failed')[0]).toMatchObject({ vm: 'w1', step: 'health', cause: { code: ErrorCode.HealthCheckFailed } });
    expect(log.of('failover.started')).toEqual([]);
    expect(result.vms.map((vm) => vm.status)).toEqual(['failed', 'succeeded']);
    expect(log.of('cleanup.completed')[0]).toMatchObject({ removed: 2, failures: [] });
    expect(leftovers(lab)).toEqual({});
  });

  it('persistent components are installed once, kept by the job, and reused by the next run', async () => {
    const input = estate({ vms: 2, proxies: 1, linuxVms: 1, job: { runtimeComponents: 'persistent' } });
    const { run, log, lab } = rig(input);
    const first = await run();
    expect(first.accepted).toBe(true);
    expect(log.of('deployment.succeeded').map((event) => [event.vm, event.reused])).toEqual([['w1', false], ['w2', false], ['l1', false]]);
    expect(log.of('deployment.step').some((event) => event.step === 'install')).toBe(true);
    expect(log.of('cleanup.completed')[0]).toMatchObject({ removed: 0, kept: 3 });
    expect(lab.guest('w1').listing().length).toBeGreaterThan(0);
    const second = await run();
    expect(second.accepted).toBe(true);
    expect(log.of('deployment.succeeded').slice(3).map((event) => [event.vm, event.reused])).toEqual([['w1', true], ['w2', true], ['l1', true]]);
  });
});

describe('5. events: one terminal event per VM, counts, no credentials', () => {
  it('every VM ends in exactly one terminal event, whatever happened to it, and job.completed counts them', async () => {
    const input = estate({ vms: 6, proxies: 2, linuxVms: 2 });
    const { run, log, lab } = rig(input, {
      faults: [
        { server: 'p1', fault: 'refuse' },
        { vm: 'w2', fault: 'refuse' },
        { vm: 'w3', times: 1, fault: 'drop', afterCalls: 1 },
        { vm: 'l1', fault: 'hang', step: 'upload' },
      ],
    });
    lab.guest('w4').failHealth = true;
    const result = await run({ timeouts: { upload: 40 } });
    expect(log.unknownTypes()).toEqual([]);
    expect(Object.fromEntries(log.terminalCounts())).toEqual(Object.fromEntries(input.job.vms.map((vm) => [vm, 1])));
    const completed = log.of('job.completed')[0];
    expect(completed?.counts).toEqual(result.counts);
    expect(completed!.counts.succeeded + completed!.counts.failed + completed!.counts.crashConsistent + completed!.counts.skipped).toBe(8);
    expect(log.events.at(-1)?.type).toBe('job.completed');
    expect(log.events.at(-2)?.type).toBe('cleanup.completed');
    expect(leftovers(lab)).toEqual({});
  });

  it('credentials never appear in events, even when a connector puts the secret in its error', async () => {
    const input = estate({ vms: 1, proxies: 1 });
    const leaky: GuestConnector = {
      platform: 'vmware',
      method: 'vix',
      connect: async (request) => {
        throw new ConnectorError(ErrorCode.ConnectionAuthFailed, `login as ${request.account} with ${process.env.GIPKIT_TEST_GUEST_SECRET ?? ''} failed`);
      },
    };
    const { run, log } = rig(input, { methods: { vmware: ['lan'] }, faults: [{ vm: 'w1', method: 'lan', fault: 'refuse' }] }, [
      { name: 'leaky', apiVersion: API_VERSION, setup: (registry) => registry.addConnector(leaky) },
    ]);
    const result = await run();
    const text = JSON.stringify(log.events) + JSON.stringify(result);
    expect(text).not.toContain(SECRET);
    expect(text).toContain('login as CORP\\\\backup with [redacted] failed');
  });

  it('a VM the plan left unassigned ends failed at select; a job without guest processing skips every VM', async () => {
    const linuxOnly = estate({ vms: 0, linuxVms: 1, proxies: 0, job: { proxy: { mode: 'preferred', servers: ['vbr'], fallback: 'fail' }, vmCredentials: { l1: { kind: 'gmsa', account: 'g$', domain: 'corp.example' } } } });
    const gmsa = rig(linuxOnly);
    const result = await gmsa.run();
    expect(gmsa.log.of('deployment.failed')[0]).toMatchObject({ vm: 'l1', server: null, step: 'select', cause: { code: ErrorCode.NotAssigned } });
    expect(result.counts.failed).toBe(1);

    const skipped = rig(estate({ vms: 2, proxies: 1, job: { guestProcessing: { applicationAware: false } } }));
    const none = await skipped.run();
    expect(skipped.log.of('deployment.skipped').map((event) => event.vm)).toEqual(['w1', 'w2']);
    expect(none.counts).toMatchObject({ skipped: 2, succeeded: 0 });
    expect(none.accepted).toBe(true);
  });
});

describe('setup problems fail before any work, all at once', () => {
  it('no deployer, no connector, a bundle without a command, an unknown dispatcher and a bad limit are listed together', async () => {
    const input = estate({ vms: 1, linuxVms: 1, proxies: 1 });
    const gipkit = createGipkit();
    const events: string[] = [];
    gipkit.events$.subscribe((event) => events.push(event.type));
    const bundle = { ...BUNDLE, start: { windows: BUNDLE.start.windows ?? [] } };
    let error: unknown;
    try {
      await gipkit.run(input, { bundle, dispatcher: 'queue', concurrency: { perServer: 0 } });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(GipkitError);
    expect((error as GipkitError).code).toBe(ErrorCode.RunMisconfigured);
    const message = (error as Error).message;
    for (const part of [
      'no dispatcher is named "queue"', 'concurrency.perServer must be a whole number of at least 1 (found 0)',
      'no deployer is registered for linux guests', 'no deployer is registered for windows guests',
      'bundle hello-agent has no start command for linux guests', 'no connector is registered for platform vmware',
    ]) expect(message).toContain(part);
    expect(events).toEqual([]);
  });
});

describe('dispatchers', () => {
  it('a plugin\'s dispatcher receives every task as JSON and answers in JSON, as a remote agent would over a queue', async () => {
    const seen: string[] = [];
    const queue: DispatcherDefinition = {
      name: 'json-queue',
      useFactory: (resolver) => {
        const agent: GuestAgent = resolver.get(GUEST_AGENT);
        return {
          dispatch: async (task: GuestTask, options: DispatchOptions) => {
            const wire = JSON.stringify(task);
            seen.push(wire);
            const outcome = await agent.perform(JSON.parse(wire), { signal: options.signal, report: (report) => options.report(JSON.parse(JSON.stringify(report))) });
            return JSON.parse(JSON.stringify(outcome));
          },
        };
      },
    };
    const input = estate({ vms: 2, proxies: 1 });
    const { run, log, lab } = rig(input, { faults: [{ server: 'p1', vm: 'w2', fault: 'refuse' }] }, [
      { name: 'queue', apiVersion: API_VERSION, setup: (registry) => registry.addDispatcher(queue) },
    ]);
    const result = await run({ dispatcher: 'json-queue' });
    expect(result.accepted).toBe(true);
    expect(result.counts).toMatchObject({ succeeded: 2, failedOver: 1 });
    expect(seen.map((wire) => (JSON.parse(wire) as { kind: string; server: string }).kind)).toEqual(['deploy', 'deploy', 'deploy', 'remove', 'remove']);
    expect(seen.join('\n')).not.toContain(SECRET);
    expect(seen[0]).toContain('"secret":{"env":"GIPKIT_TEST_GUEST_SECRET"}');
    expect(log.of('deployment.step').length).toBeGreaterThan(0);
    expect(leftovers(lab)).toEqual({});
  });
});

describe('cancellation and bad setups, found in review', () => {
  it('a signal aborted before the run starts: no VM starts, every VM ends failed at queue, nothing to clean', async () => {
    const { run, log } = rig(estate({ vms: 3, proxies: 1 }));
    const cancel = new AbortController();
    cancel.abort();
    const result = await run({ signal: cancel.signal });
    expect(log.of('deployment.started')).toEqual([]);
    expect(log.of('deployment.failed').map((event) => [event.vm, event.step, event.cause.code])).toEqual([
      ['w1', 'queue', ErrorCode.RunCancelled], ['w2', 'queue', ErrorCode.RunCancelled], ['w3', 'queue', ErrorCode.RunCancelled],
    ]);
    expect(log.of('cleanup.completed')[0]).toMatchObject({ removed: 0, failures: [] });
    expect(result).toMatchObject({ cancelled: true, accepted: false });
  });

  it('stopping the cleanup (a second Ctrl-C) lists every removal it did not make as a cleanup failure', async () => {
    const { run, log, lab } = rig(estate({ vms: 4, proxies: 1 }), { latencyMs: 5 });
    const stopCleanup = new AbortController();
    const result = await run({ cleanupSignal: stopCleanup.signal, concurrency: { perServer: 1 }, beforeCleanup: async () => stopCleanup.abort() });
    const cleanup = log.of('cleanup.completed')[0];
    expect(cleanup?.removed).toBe(0);
    expect(cleanup?.failures.map((failure) => failure.vm)).toEqual(['w1', 'w2', 'w3', 'w4']);
    expect(cleanup?.failures.every((failure) => failure.cause.code === ErrorCode.RunCancelled || failure.cause.code === ErrorCode.ConnectionAborted)).toBe(true);
    expect(Object.keys(leftovers(lab))).toEqual(['w1', 'w2', 'w3', 'w4']);
    expect(result).toMatchObject({ cancelled: false, accepted: false });
  });

  it('a plan made for another job or other VMs is refused before any work', async () => {
    const input = estate({ vms: 3, proxies: 1 });
    const { gipkit, log } = rig(input);
    const other = estate({ vms: 1, proxies: 1 });
    const plan = gipkit.plan(other);
    const before = log.events.length;
    await expect(gipkit.run(input, { bundle: BUNDLE, plan })).rejects.toThrow(/the plan's decisions: must hold one decision per VM of the job, in job order: the job has 3 VMs \(found "1 decisions"\)/);
    await expect(gipkit.run(input, { bundle: BUNDLE, timeouts: { upload: -5 } })).rejects.toThrow(/timeouts.upload must be a number of milliseconds above 0 \(found -5\)/);
    expect(log.events.slice(before)).toEqual([]);
  });

  it('a dispatcher that fails with the secret in its message: the secret is removed before it reaches an event or the result', async () => {
    const leaky: DispatcherDefinition = {
      name: 'leaky',
      useValue: { dispatch: async () => { throw new Error(`queue rejected password=${SECRET}`); } },
    };
    const { run, log } = rig(estate({ vms: 1, proxies: 1 }), {}, [{ name: 'leaky', apiVersion: API_VERSION, setup: (registry) => registry.addDispatcher(leaky) }]);
    const result = await run({ dispatcher: 'leaky' });
    const text = JSON.stringify(log.events) + JSON.stringify(result);
    expect(text).not.toContain(SECRET);
    expect(log.of('deployment.failed')[0]?.cause.message).toBe('the dispatcher failed: queue rejected password=[redacted]');
  });
});

describe('a dispatcher that ignores cancellation', () => {
  it('is given up on 5 s after the run is cancelled: the VM fails as cancelled and the run ends', async () => {
    const stubborn: DispatcherDefinition = { name: 'stubborn', useValue: { dispatch: () => new Promise(() => undefined) } };
    const { gipkit, input, log } = rig(estate({ vms: 1, proxies: 1 }), {}, [{ name: 'stubborn', apiVersion: API_VERSION, setup: (registry) => registry.addDispatcher(stubborn) }]);
    const cancel = new AbortController();
    const running = gipkit.run(input, { bundle: BUNDLE, dispatcher: 'stubborn', signal: cancel.signal });
    setTimeout(() => cancel.abort(), 20);
    const result = await running;
    expect(log.of('deployment.failed')[0]?.cause).toMatchObject({ code: ErrorCode.RunCancelled, message: expect.stringMatching(/p1 did not stop its work on w1 within 5 s/) as unknown });
    expect(result.cancelled).toBe(true);
  }, 15_000);
});
