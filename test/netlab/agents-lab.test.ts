// Agents on the proxies in a lab of real hosts (issue #11): network namespaces made and removed here, addresses
// from 198.18.0.0/15 only, no traffic leaving them. HQ runs Redis, the coordinator and the backup server's agent;
// each of two sites has a proxy running `gipkit agent` and a guest running Debian's OpenSSH. Site B's guest
// rejects its own proxy (nftables in its namespace), so its VM fails over to the backup server. Checked from the
// guests' sshd logs: who connected to whom; and from the guests' disk: nothing is left. The lab: agents-lab.ts.
import { spawnSync } from 'node:child_process';
import { cpSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { EventOfType, GipkitEvent } from '@gipkit/plugin-api';
import { ROOT } from '../cli-harness.js';
import { buildAgentsLab, leftIn, processesOf, REDIS_PORT, sources, until, type AgentsLab, type CoordinatorRun } from './agents-lab.js';

const BUNDLE = join(ROOT, 'examples/bundles/hello-agent');

let lab: AgentsLab;

beforeAll(async () => {
  lab = await buildAgentsLab(ROOT);
}, 60_000);

afterEach(async () => {
  // Each test leaves the lab as it found it: the network whole, no agent, Redis up and empty.
  lab.lab.exec('hq', ['nft', 'delete', 'table', 'inet', 'gipkit_partition'], undefined, true);
  await Promise.all([...lab.running].map((agent) => agent.stop()));
  if (!lab.redisUp) await lab.startRedis();
  lab.redisCli('FLUSHALL');
}, 60_000);

afterAll(async () => {
  await lab?.teardown();
});

/** A bundle whose health check takes 3 s: time to break something while it runs. */
function slowBundle(): string {
  const slow = join(lab.scratch, 'slow-bundle');
  cpSync(BUNDLE, slow, { recursive: true });
  writeFileSync(join(slow, 'health.sh'), '#!/bin/sh\nsleep 3\n[ -s heartbeat ]\n', { mode: 0o755 });
  return slow;
}

/** Waits for guest-a's health check, run by its proxy's agent. */
async function healthOnProxyA(run: CoordinatorRun): Promise<void> {
  await until(() => run.events.some((event) => event.type === 'deployment.step' && event.vm === 'guest-a' && event.step === 'health' && event.agent === 'agent-proxy-a'), 30_000, `guest-a's health check on proxy-a:\n${run.stderr()}`);
}

/** Each VM's terminal events (deployment.succeeded or deployment.failed). */
function terminals(events: readonly GipkitEvent[]): [string, number][] {
  const counts = new Map<string, number>();
  for (const event of events) if (event.type === 'deployment.succeeded' || event.type === 'deployment.failed') counts.set(event.vm, (counts.get(event.vm) ?? 0) + 1);
  return [...counts].sort();
}

describe('agents in a lab of real hosts (network namespaces, OpenSSH guests, Redis)', () => {
  it('each guest is reached from its own proxy, site B\'s after failover from the backup server, and nothing is left on any guest', async () => {
    const agents = [lab.startAgent('hq', 'vbr'), lab.startAgent('proxy-a', 'proxy-a'), lab.startAgent('proxy-b', 'proxy-b')];
    await until(() => agents.every((agent) => agent.output().includes(': serving ')), 20_000, `every agent serving:\n${agents.map((agent) => agent.output()).join('\n')}`);
    const run = lab.startCoordinator(BUNDLE);
    const code = await run.exited;
    expect(code, `${run.stderr()}\n${agents.map((agent) => agent.output()).join('\n')}`).toBe(0);
    const { events } = run;
    const runId = events[0]?.runId ?? '';
    const succeeded = events.filter((event) => event.type === 'deployment.succeeded');
    expect(succeeded.map((event) => [event.vm, event.server, event.agent, event.failedOver]).sort()).toEqual([
      ['guest-a', 'proxy-a', 'agent-proxy-a', false],
      ['guest-b', 'vbr', 'agent-vbr', true],
    ]);
    expect(events.find((event) => event.type === 'failover.started')).toMatchObject({ vm: 'guest-b', from: 'proxy-b', to: 'vbr', cause: { code: 'GIPKIT_CONNECTOR_REFUSED' } });
    // From the guests' own logs: where each connection came from.
    expect(sources(lab.guestA.log())).toEqual(['198.18.1.2']);
    expect(sources(lab.guestB.log())).toEqual(['198.18.0.2']);
    // Nothing left: no folder of the run in the guests' /tmp, every deployment removed.
    expect(leftIn(runId)).toEqual([]);
    expect(processesOf(runId)).toEqual([]);
    expect(events.find((event) => event.type === 'cleanup.completed')).toMatchObject({ removed: 2, failures: [] });
  }, 120_000);

  it('4. an agent killed with SIGKILL during a health check: the VM fails over to the backup server, whose agent also removes the half-made deployment; nothing is left on the guest', async () => {
    const slow = slowBundle();
    const from = [lab.guestA.log().length, lab.guestB.log().length] as const;
    const agents = [lab.startAgent('hq', 'vbr'), lab.startAgent('proxy-a', 'proxy-a'), lab.startAgent('proxy-b', 'proxy-b')];
    await until(() => agents.every((agent) => agent.output().includes(': serving ')), 20_000, 'every agent serving');
    const run = lab.startCoordinator(slow);
    await healthOnProxyA(run);
    agents[1]?.kill();
    const code = await run.exited;
    expect(code, run.stderr()).toBe(0);
    const { events } = run;
    const runId = events[0]?.runId ?? '';
    expect(events.find((event) => event.type === 'failover.started' && event.vm === 'guest-a')).toMatchObject({
      from: 'proxy-a', to: 'vbr', cause: { code: 'GIPKIT_AGENT_UNAVAILABLE', message: expect.stringMatching(/^agent agent-proxy-a of proxy-a stopped while it held the task/) as unknown },
    });
    expect(events.filter((event) => event.type === 'deployment.succeeded').map((event) => [event.vm, event.server, event.agent]).sort()).toEqual([
      ['guest-a', 'vbr', 'agent-vbr'], ['guest-b', 'vbr', 'agent-vbr'],
    ]);
    expect(events.filter((event) => 'vm' in event && event.vm === 'guest-a' && (event.type === 'deployment.succeeded' || event.type === 'deployment.failed'))).toHaveLength(1);
    // guest-a was reached by its proxy, then by the backup server (which deployed and removed both folders).
    expect(sources(lab.guestA.log().slice(from[0]))).toEqual(['198.18.0.2', '198.18.1.2']);
    expect(sources(lab.guestB.log().slice(from[1]))).toEqual(['198.18.0.2']);
    expect(events.find((event) => event.type === 'cleanup.completed')).toMatchObject({ removed: 3, failures: [] });
    expect(leftIn(runId)).toEqual([]);
    expect(processesOf(runId)).toEqual([]);
  }, 120_000);

  it('3. a server with no live agent: its VM fails over to the backup server with the cause "no agent for SERVER", and is reached from HQ only', async () => {
    const from = [lab.guestA.log().length, lab.guestB.log().length] as const;
    await lab.startAgents(['hq', 'vbr'], ['proxy-b', 'proxy-b']);
    const run = lab.startCoordinator(BUNDLE);
    expect(await run.exited, run.stderr()).toBe(0);
    const { events } = run;
    expect(events.find((event) => event.type === 'failover.started' && event.vm === 'guest-a')).toMatchObject({
      from: 'proxy-a', to: 'vbr', cause: { code: 'GIPKIT_AGENT_UNAVAILABLE', message: expect.stringContaining('no agent for proxy-a') as unknown },
    });
    expect(events.filter((event) => event.type === 'deployment.succeeded').map((event) => [event.vm, event.server, event.agent]).sort()).toEqual([
      ['guest-a', 'vbr', 'agent-vbr'], ['guest-b', 'vbr', 'agent-vbr'],
    ]);
    expect(sources(lab.guestA.log().slice(from[0]))).toEqual(['198.18.0.2']);
    expect(sources(lab.guestB.log().slice(from[1]))).toEqual(['198.18.0.2']);
    expect(leftIn(events[0]?.runId ?? '')).toEqual([]);
  }, 120_000);

  it('5. cancelling the run (SIGTERM at the coordinator) reaches the proxy\'s agent: its running task stops and it removes what it deployed; one terminal event per VM', async () => {
    const from = lab.guestA.log().length;
    const agents = await lab.startAgents(['hq', 'vbr'], ['proxy-a', 'proxy-a'], ['proxy-b', 'proxy-b']);
    const run = lab.startCoordinator(slowBundle());
    await healthOnProxyA(run);
    run.signal('SIGTERM');
    expect(await run.exited, run.stderr()).toBe(1);
    const { events } = run;
    const runId = events[0]?.runId ?? '';
    expect(terminals(events)).toEqual([['guest-a', 1], ['guest-b', 1]]);
    expect(events.find((event) => event.type === 'deployment.failed' && event.vm === 'guest-a')).toMatchObject({ server: 'proxy-a', cause: { code: 'GIPKIT_RUN_CANCELLED' } });
    // The proxy's own agent removed its deployment: guest-a saw no one else.
    expect(sources(lab.guestA.log().slice(from))).toEqual(['198.18.1.2']);
    expect(leftIn(runId)).toEqual([]);
    expect(processesOf(runId)).toEqual([]);
    expect(agents.every((agent) => agent.output().includes(': serving '))).toBe(true);
  }, 120_000);

  it('6. the coordinator killed mid-run (SIGKILL): the proxy\'s agent notices that the run stopped beating and removes what it deployed for it', async () => {
    const from = lab.guestA.log().length;
    const agents = await lab.startAgents(['hq', 'vbr'], ['proxy-a', 'proxy-a'], ['proxy-b', 'proxy-b']);
    const run = lab.startCoordinator(slowBundle());
    await healthOnProxyA(run);
    const runId = run.events[0]?.runId ?? '';
    expect(leftIn(runId).length).toBeGreaterThan(0);
    run.signal('SIGKILL');
    await run.exited;
    await until(() => leftIn(runId).length === 0 && processesOf(runId).length === 0, 30_000, `guest-a cleaned up by agent-proxy-a:\n${agents[1]?.output() ?? ''}`);
    expect(sources(lab.guestA.log().slice(from))).toEqual(['198.18.1.2']);
    // Nothing of the run is left in Redis either: its tasks dropped, its beat and its report stream gone (BullMQ's
    // own capped event log may still name its task ids).
    const keys = (): string[] => lab.redisDump().split('\n').filter((line) => line.startsWith('KEY ') && line.includes(runId));
    await until(() => keys().length === 0, 30_000, () => `no key of run ${runId} left in Redis:\n${keys().join('\n')}`);
  }, 120_000);

  it('7. Redis killed mid-run: the run ends with a clear error (exit 1) after --queue-timeout; the agents reconnect when Redis returns, remove what the dead run left and serve the next run', async () => {
    const agents = await lab.startAgents(['hq', 'vbr'], ['proxy-a', 'proxy-a'], ['proxy-b', 'proxy-b']);
    const run = lab.startCoordinator(slowBundle(), '--queue-timeout', '2000');
    await healthOnProxyA(run);
    const runId = run.events[0]?.runId ?? '';
    await lab.killRedis();
    const stopped = Date.now();
    expect(await run.exited, run.stderr()).toBe(1);
    expect(Date.now() - stopped).toBeLessThan(20_000);
    expect(terminals(run.events)).toEqual([['guest-a', 1], ['guest-b', 1]]);
    expect(run.events.some((event) => event.type === 'deployment.failed' && event.cause.code === 'GIPKIT_QUEUE_UNAVAILABLE'
      && event.cause.message === 'the queue at redis://198.18.0.2:6390/0 was unreachable for more than 2 s')).toBe(true);
    await lab.startRedis();
    await until(() => lab.redisCli('ZCARD', 'gipkit:agents').trim() === '3', 20_000, `the three agents registered again:\n${agents.map((agent) => agent.output()).join('\n')}`);
    await until(() => leftIn(runId).length === 0 && processesOf(runId).length === 0, 30_000, 'what the dead run left on guest-a removed');
    const again = lab.startCoordinator(BUNDLE);
    expect(await again.exited, again.stderr()).toBe(0);
    expect(again.events.filter((event) => event.type === 'deployment.succeeded').map((event) => [event.vm, event.agent]).sort()).toEqual([['guest-a', 'agent-proxy-a'], ['guest-b', 'agent-vbr']]);
  }, 120_000);

  it('7. Redis cut off from the network mid-run (packets dropped, no connection closes): the run still ends after --queue-timeout, never hangs; once the network is back, what it left goes', async () => {
    const agents = await lab.startAgents(['hq', 'vbr'], ['proxy-a', 'proxy-a'], ['proxy-b', 'proxy-b']);
    const run = lab.startCoordinator(slowBundle(), '--queue-timeout', '2000');
    await healthOnProxyA(run);
    const runId = run.events[0]?.runId ?? '';
    lab.lab.exec('hq', ['nft', '-f', '-'], `table inet gipkit_partition {\n  chain input {\n    type filter hook input priority 0; policy accept;\n    tcp dport ${REDIS_PORT} drop\n  }\n}\n`);
    const cut = Date.now();
    expect(await run.exited, run.stderr()).toBe(1);
    expect(Date.now() - cut).toBeLessThan(20_000);
    expect(terminals(run.events)).toEqual([['guest-a', 1], ['guest-b', 1]]);
    expect(run.events.some((event) => event.type === 'deployment.failed' && event.cause.code === 'GIPKIT_QUEUE_UNAVAILABLE')).toBe(true);
    // The network comes back: the agents' connections carry on, and what the dead run left on guest-a goes.
    lab.lab.exec('hq', ['nft', 'delete', 'table', 'inet', 'gipkit_partition']);
    await until(() => leftIn(runId).length === 0 && processesOf(runId).length === 0, 60_000, () => `what the dead run left on guest-a removed:\n${agents[1]?.output() ?? ''}`);
  }, 150_000);

  it('8 and 9. every step comes back with the agent that did it, in order, one terminal event per VM; Redis holds no key material and no password after the run', async () => {
    await lab.startAgents(['hq', 'vbr'], ['proxy-a', 'proxy-a'], ['proxy-b', 'proxy-b']);
    const run = lab.startCoordinator(BUNDLE);
    expect(await run.exited, run.stderr()).toBe(0);
    const { events } = run;
    expect(terminals(events)).toEqual([['guest-a', 1], ['guest-b', 1]]);
    // guest-a on its proxy; guest-b on the backup server, after its proxy was refused.
    for (const [vm, server, agent] of [['guest-a', 'proxy-a', 'agent-proxy-a'], ['guest-b', 'vbr', 'agent-vbr']] as const) {
      const all = events.filter((event) => 'vm' in event && event.vm === vm);
      const own = all.slice(all.findIndex((event) => event.type === 'deployment.started'));
      expect(own[0]?.type, vm).toBe('deployment.started');
      const steps = own.filter((event): event is EventOfType<'deployment.step'> => event.type === 'deployment.step' && event.server === server);
      expect(steps.map((event) => [event.step, event.agent]), vm).toEqual(['connect', 'upload', 'start', 'health'].map((step) => [step, agent]));
      expect(own.at(-1), vm).toMatchObject({ type: 'deployment.succeeded', server, agent });
    }
    const dump = lab.redisDump();
    expect(dump.length).toBeGreaterThan(0);
    const keyLines = readFileSync(lab.file('guest-key'), 'utf8').split('\n').filter((line) => line.length >= 16 && !line.startsWith('-----'));
    expect(keyLines.length).toBeGreaterThan(0);
    for (const line of keyLines) expect(dump).not.toContain(line);
    expect(dump).not.toContain(lab.password);
  }, 120_000);

  it('scripts/netlab.mjs --once brings a lab of its own up for a person, runs the job with progress, says who reached each guest, and takes it all down', () => {
    const scratch = (): string[] => readdirSync(tmpdir()).filter((name) => name.startsWith('gipkit-netlab-'));
    const before = new Set(scratch());
    const result = spawnSync(process.execPath, [join(ROOT, 'scripts/netlab.mjs'), '--once'], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
    expect(result.status, `${result.stdout}\n${result.stderr}`).toBe(0);
    expect(result.stdout).toContain('guest-b: failover: proxy-b could not connect');
    expect(result.stdout).toContain('  guest-a: reached from 198.18.1.2 (proxy-a)\n  guest-b: reached from 198.18.0.2 (vbr, the backup server)\n');
    const prefix = /network namespaces (gk[0-9a-f]{4})-\*/.exec(result.stdout)?.[1];
    expect(prefix).toBeDefined();
    expect(spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout).not.toContain(`${prefix ?? ''}-`);
    expect(scratch().filter((name) => !before.has(name))).toEqual([]);
  }, 150_000);
});

