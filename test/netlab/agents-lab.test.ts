// Agents on the proxies in a lab of real hosts (issue #11): network namespaces made and removed here, addresses
// from 198.18.0.0/15 only, no traffic leaving them. HQ runs Redis, the coordinator and the backup server's agent;
// each of two sites has a proxy running `gipkit agent` and a guest running Debian's OpenSSH. Site B's guest
// rejects its own proxy (nftables in its namespace), so its VM fails over to the backup server. Checked from the
// guests' sshd logs: who connected to whom; and from the guests' disk: nothing is left.
import { spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { EventOfType, GipkitEvent } from '@gipkit/plugin-api';
import { ROOT } from '../cli-harness.js';
import { startSshServer, type SshServer } from '../ssh/ssh-server.js';
import { buildNetlab, type Netlab } from './netlab.js';

const BIN = join(ROOT, 'packages/cli/dist/bin.js');
const BUNDLE = join(ROOT, 'examples/bundles/hello-agent');
const REDIS_PORT = 6390;
const SSH_PORT = 2222;
const PASSWORD = randomBytes(18).toString('base64url');
const QUEUE = `redis://198.18.0.2:${REDIS_PORT}/0`;

let lab: Netlab;
let scratch: string;
let guestA: SshServer;
let guestB: SshServer;
const files: Record<string, string> = {};

function write(name: string, text: string): string {
  const path = join(scratch, name);
  writeFileSync(path, text, { mode: 0o600 });
  files[name] = path;
  return path;
}

/** Resolves once `output()` matches, else rejects naming what it waited for. */
async function until(condition: () => boolean, ms: number, what: string | (() => string)): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`not within ${ms} ms: ${typeof what === 'string' ? what : what()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

interface LabAgent {
  output(): string;
  /** SIGKILL: the agent dies where it stands. */
  kill(): void;
  /** SIGTERM: the agent finishes what it holds, leaves the directory and exits. */
  stop(): Promise<void>;
}

const running = new Set<LabAgent>();

function startAgent(host: string, server: string): LabAgent {
  let output = '';
  const child = lab.spawn(host, [process.execPath, BIN, 'agent', '--server', server, '--queue', QUEUE, '--agent-id', `agent-${server}`, '--heartbeat', '200', '--known-hosts', files['known_hosts'] ?? ''], {
    cwd: ROOT, env: { ...process.env, GIPKIT_QUEUE_PASSWORD: PASSWORD }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (chunk: Buffer) => void (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => void (output += chunk.toString()));
  const exited = new Promise<void>((resolve) => (child.exitCode === null ? child.once('exit', () => resolve()) : resolve()));
  const agent: LabAgent = {
    output: () => output,
    kill: () => void child.kill('SIGKILL'),
    stop: async () => {
      child.kill('SIGTERM');
      await exited;
    },
  };
  running.add(agent);
  void exited.then(() => running.delete(agent));
  return agent;
}

/** Starts an agent per [host, server] and resolves once each serves. */
async function startAgents(...pairs: readonly (readonly [string, string])[]): Promise<LabAgent[]> {
  const agents = pairs.map(([host, server]) => startAgent(host, server));
  await until(() => agents.every((agent) => agent.output().includes(': serving ')), 20_000, `every agent serving:\n${agents.map((agent) => agent.output()).join('\n')}`);
  return agents;
}

interface CoordinatorRun {
  readonly events: GipkitEvent[];
  readonly exited: Promise<number | null>;
  stderr(): string;
  signal(name: NodeJS.Signals): void;
}

function startCoordinator(bundle: string, ...more: string[]): CoordinatorRun {
  const events: GipkitEvent[] = [];
  let pending = '';
  let stderr = '';
  const child = lab.spawn('hq', [process.execPath, BIN, 'run', '--queue', QUEUE, '--inventory', files['inventory.json'] ?? '', '--job', files['job.json'] ?? '', '--bundle', bundle, '--known-hosts', files['known_hosts'] ?? '', '--events', 'ndjson', '--agent-timeout', '2000', ...more], {
    cwd: ROOT, env: { ...process.env, GIPKIT_QUEUE_PASSWORD: PASSWORD }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (chunk: Buffer) => {
    pending += chunk.toString();
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) if (line !== '') events.push(JSON.parse(line) as GipkitEvent);
  });
  child.stderr?.on('data', (chunk: Buffer) => void (stderr += chunk.toString()));
  return { events, exited: new Promise((resolve) => child.once('exit', resolve)), stderr: () => stderr, signal: (name) => void child.kill(name) };
}

/** A bundle whose health check takes 3 s: time to break something while it runs. */
function slowBundle(): string {
  const slow = join(scratch, 'slow-bundle');
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

/** Where each guest's connections came from, by its own sshd log (since `from`: a log offset). */
function sources(log: string): string[] {
  return [...new Set([...log.matchAll(/Connection from (\d+\.\d+\.\d+\.\d+) port/g)].map((match) => match[1] ?? ''))].sort();
}

/** Processes still running from a folder of the run (a component left behind). */
function processesOf(runId: string): string[] {
  return spawnSync('pgrep', ['-af', `gipkit-${runId}`], { encoding: 'utf8' }).stdout.split('\n').filter((line) => line !== '' && !line.includes('pgrep'));
}

/** The gipkit folders a run left in the guests' /tmp (the guests share this machine's file system). */
function leftIn(runId: string): string[] {
  return readdirSync('/tmp').filter((name) => name.startsWith(`gipkit-${runId}`));
}

let redis: ChildProcess | undefined;

/** Redis in HQ, on its lab address, with a throwaway password and no persistence (so a restart comes back empty). */
async function startRedis(): Promise<void> {
  let log = '';
  const started = lab.spawn('hq', ['/usr/bin/redis-server', files['redis.conf'] ?? ''], { stdio: ['ignore', 'pipe', 'pipe'] });
  started.stdout?.on('data', (chunk: Buffer) => void (log += chunk.toString()));
  await until(() => /Ready to accept connections/.test(log), 10_000, `redis-server ready:\n${log}`);
  redis = started;
}

/** Kills Redis by its PID (`ip netns exec` execs it: the same process). */
async function killRedis(): Promise<void> {
  const running = redis;
  redis = undefined;
  if (running === undefined || running.exitCode !== null) return;
  const exited = new Promise((resolve) => running.once('exit', resolve));
  running.kill('SIGKILL');
  await exited;
}

/** Runs redis-cli inside HQ (this process has no route into the lab); the password through REDISCLI_AUTH. */
function redisCli(...args: string[]): string {
  const result = spawnSync('ip', ['netns', 'exec', lab.host('hq').netns, 'redis-cli', '--no-auth-warning', '-h', '198.18.0.2', '-p', String(REDIS_PORT), ...args], { encoding: 'utf8', env: { ...process.env, REDISCLI_AUTH: PASSWORD } });
  if (result.status !== 0) throw new Error(`redis-cli ${args.join(' ')}: ${result.stderr}`);
  return result.stdout;
}

/** Every key Redis holds (a line `KEY name`) and every value in it, by type, as text (one Lua script, so one consistent view). */
function redisDump(): string {
  return redisCli('--raw', 'EVAL', `
    local out = {}
    local function add(value)
      if type(value) == 'table' then for _, item in ipairs(value) do add(item) end else out[#out + 1] = tostring(value) end
    end
    for _, key in ipairs(redis.call('KEYS', '*')) do
      out[#out + 1] = 'KEY ' .. key
      local kind = redis.call('TYPE', key).ok
      if kind == 'string' then add(redis.call('GET', key))
      elseif kind == 'hash' then add(redis.call('HGETALL', key))
      elseif kind == 'list' then add(redis.call('LRANGE', key, 0, -1))
      elseif kind == 'set' then add(redis.call('SMEMBERS', key))
      elseif kind == 'zset' then add(redis.call('ZRANGE', key, 0, -1))
      elseif kind == 'stream' then add(redis.call('XRANGE', key, '-', '+')) end
    end
    return out`, '0');
}

beforeAll(async () => {
  lab = buildNetlab([
    { site: 'hq', octet: 0, hosts: [['hq', 2]] },
    { site: 'site-a', octet: 1, hosts: [['proxy-a', 2], ['guest-a', 3]] },
    { site: 'site-b', octet: 2, hosts: [['proxy-b', 2], ['guest-b', 3]] },
  ]);
  scratch = mkdtempSync(join(tmpdir(), 'gipkit-netlab-'));
  // Redis in HQ, on its lab address, with a throwaway password and no persistence.
  write('redis.conf', [`bind 198.18.0.2`, `port ${REDIS_PORT}`, 'save ""', 'appendonly no', `dir ${scratch}`, `requirepass ${PASSWORD}`, 'logfile ""'].join('\n') + '\n');
  await startRedis();
  // The guests: one user and one sshd each, in their own namespaces; site B's refuses its proxy.
  const key = join(scratch, 'guest-key');
  guestA = await startSshServer({ address: '198.18.1.3', port: SSH_PORT, user: 'gk-guest', netns: lab.host('guest-a').netns });
  guestB = await startSshServer({ address: '198.18.2.3', port: SSH_PORT, user: 'gk-guest', netns: lab.host('guest-b').netns, authorizedKeys: [] });
  // One key for both guests: guest B trusts guest A's user key too.
  writeFileSync(key, guestA.privateKey, { mode: 0o600 });
  writeFileSync(join(guestB.dir, 'authorized_keys'), readFileSync(`${guestA.privateKeyPath}.pub`, 'utf8'), { mode: 0o644 });
  lab.exec('guest-b', ['nft', '-f', '-'], [
    'table inet gipkit_lab {',
    '  chain input {',
    '    type filter hook input priority 0; policy accept;',
    `    ip saddr ${lab.host('proxy-b').address} tcp dport ${SSH_PORT} reject with tcp reset`,
    '  }',
    '}',
  ].join('\n') + '\n');
  write('known_hosts', `${guestA.knownHostsLine}\n${guestB.knownHostsLine}\n`);
  write('inventory.json', JSON.stringify({
    backupServer: 'vbr',
    networks: [{ id: 'hq', site: 'hq', cidrs: ['198.18.0.0/24'] }, { id: 'site-a', site: 'site-a', cidrs: ['198.18.1.0/24'] }, { id: 'site-b', site: 'site-b', cidrs: ['198.18.2.0/24'] }],
    hosts: [{ id: 'esx-a', platform: 'vmware', version: '8.0', site: 'site-a' }, { id: 'esx-b', platform: 'vmware', version: '8.0', site: 'site-b' }],
    servers: [
      { id: 'vbr', os: { family: 'linux' }, addresses: ['198.18.0.2'], roles: ['backup-server'] },
      { id: 'proxy-a', os: { family: 'linux' }, addresses: ['198.18.1.2'], roles: ['vmware-proxy'] },
      { id: 'proxy-b', os: { family: 'linux' }, addresses: ['198.18.2.2'], roles: ['vmware-proxy'] },
    ],
    vms: [
      { id: 'guest-a', host: 'esx-a', guest: { family: 'linux' }, addresses: ['198.18.1.3'], sshPort: SSH_PORT },
      { id: 'guest-b', host: 'esx-b', guest: { family: 'linux' }, addresses: ['198.18.2.3'], sshPort: SSH_PORT },
    ],
  }));
  write('job.json', JSON.stringify({ id: 'nightly', vms: ['guest-a', 'guest-b'], guestProcessing: { applicationAware: true }, credentials: { kind: 'standard', account: 'gk-guest', secret: { file: key } } }));
}, 60_000);

afterEach(async () => {
  lab.exec('hq', ['nft', 'delete', 'table', 'inet', 'gipkit_partition'], undefined, true);
  await Promise.all([...running].map((agent) => agent.stop()));
  if (redis === undefined) await startRedis();
  redisCli('FLUSHALL');
}, 60_000);

afterAll(async () => {
  await guestA?.stop();
  await guestB?.stop();
  await lab?.teardown();
  if (scratch !== undefined) rmSync(scratch, { recursive: true, force: true });
});

describe('agents in a lab of real hosts (network namespaces, OpenSSH guests, Redis)', () => {
  it('each guest is reached from its own proxy, site B\'s after failover from the backup server, and nothing is left on any guest', async () => {
    const agents = [startAgent('hq', 'vbr'), startAgent('proxy-a', 'proxy-a'), startAgent('proxy-b', 'proxy-b')];
    await until(() => agents.every((agent) => agent.output().includes(': serving ')), 20_000, `every agent serving:\n${agents.map((agent) => agent.output()).join('\n')}`);
    const run = startCoordinator(BUNDLE);
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
    expect(sources(guestA.log())).toEqual(['198.18.1.2']);
    expect(sources(guestB.log())).toEqual(['198.18.0.2']);
    // Nothing left: no folder of the run in the guests' /tmp, every deployment removed.
    expect(leftIn(runId)).toEqual([]);
    expect(processesOf(runId)).toEqual([]);
    expect(events.find((event) => event.type === 'cleanup.completed')).toMatchObject({ removed: 2, failures: [] });
  }, 120_000);

  it('4. an agent killed with SIGKILL during a health check: the VM fails over to the backup server, whose agent also removes the half-made deployment; nothing is left on the guest', async () => {
    const slow = slowBundle();
    const from = [guestA.log().length, guestB.log().length] as const;
    const agents = [startAgent('hq', 'vbr'), startAgent('proxy-a', 'proxy-a'), startAgent('proxy-b', 'proxy-b')];
    await until(() => agents.every((agent) => agent.output().includes(': serving ')), 20_000, 'every agent serving');
    const run = startCoordinator(slow);
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
    expect(sources(guestA.log().slice(from[0]))).toEqual(['198.18.0.2', '198.18.1.2']);
    expect(sources(guestB.log().slice(from[1]))).toEqual(['198.18.0.2']);
    expect(events.find((event) => event.type === 'cleanup.completed')).toMatchObject({ removed: 3, failures: [] });
    expect(leftIn(runId)).toEqual([]);
    expect(processesOf(runId)).toEqual([]);
  }, 120_000);

  it('3. a server with no live agent: its VM fails over to the backup server with the cause "no agent for SERVER", and is reached from HQ only', async () => {
    const from = [guestA.log().length, guestB.log().length] as const;
    await startAgents(['hq', 'vbr'], ['proxy-b', 'proxy-b']);
    const run = startCoordinator(BUNDLE);
    expect(await run.exited, run.stderr()).toBe(0);
    const { events } = run;
    expect(events.find((event) => event.type === 'failover.started' && event.vm === 'guest-a')).toMatchObject({
      from: 'proxy-a', to: 'vbr', cause: { code: 'GIPKIT_AGENT_UNAVAILABLE', message: expect.stringContaining('no agent for proxy-a') as unknown },
    });
    expect(events.filter((event) => event.type === 'deployment.succeeded').map((event) => [event.vm, event.server, event.agent]).sort()).toEqual([
      ['guest-a', 'vbr', 'agent-vbr'], ['guest-b', 'vbr', 'agent-vbr'],
    ]);
    expect(sources(guestA.log().slice(from[0]))).toEqual(['198.18.0.2']);
    expect(sources(guestB.log().slice(from[1]))).toEqual(['198.18.0.2']);
    expect(leftIn(events[0]?.runId ?? '')).toEqual([]);
  }, 120_000);

  it('5. cancelling the run (SIGTERM at the coordinator) reaches the proxy\'s agent: its running task stops and it removes what it deployed; one terminal event per VM', async () => {
    const from = guestA.log().length;
    const agents = await startAgents(['hq', 'vbr'], ['proxy-a', 'proxy-a'], ['proxy-b', 'proxy-b']);
    const run = startCoordinator(slowBundle());
    await healthOnProxyA(run);
    run.signal('SIGTERM');
    expect(await run.exited, run.stderr()).toBe(1);
    const { events } = run;
    const runId = events[0]?.runId ?? '';
    expect(terminals(events)).toEqual([['guest-a', 1], ['guest-b', 1]]);
    expect(events.find((event) => event.type === 'deployment.failed' && event.vm === 'guest-a')).toMatchObject({ server: 'proxy-a', cause: { code: 'GIPKIT_RUN_CANCELLED' } });
    // The proxy's own agent removed its deployment: guest-a saw no one else.
    expect(sources(guestA.log().slice(from))).toEqual(['198.18.1.2']);
    expect(leftIn(runId)).toEqual([]);
    expect(processesOf(runId)).toEqual([]);
    expect(agents.every((agent) => agent.output().includes(': serving '))).toBe(true);
  }, 120_000);

  it('6. the coordinator killed mid-run (SIGKILL): the proxy\'s agent notices that the run stopped beating and removes what it deployed for it', async () => {
    const from = guestA.log().length;
    const agents = await startAgents(['hq', 'vbr'], ['proxy-a', 'proxy-a'], ['proxy-b', 'proxy-b']);
    const run = startCoordinator(slowBundle());
    await healthOnProxyA(run);
    const runId = run.events[0]?.runId ?? '';
    expect(leftIn(runId).length).toBeGreaterThan(0);
    run.signal('SIGKILL');
    await run.exited;
    await until(() => leftIn(runId).length === 0 && processesOf(runId).length === 0, 30_000, `guest-a cleaned up by agent-proxy-a:\n${agents[1]?.output() ?? ''}`);
    expect(sources(guestA.log().slice(from))).toEqual(['198.18.1.2']);
    // Nothing of the run is left in Redis either: its tasks dropped, its beat and its report stream gone (BullMQ's
    // own capped event log may still name its task ids).
    const keys = (): string[] => redisDump().split('\n').filter((line) => line.startsWith('KEY ') && line.includes(runId));
    await until(() => keys().length === 0, 30_000, () => `no key of run ${runId} left in Redis:\n${keys().join('\n')}`);
  }, 120_000);

  it('7. Redis killed mid-run: the run ends with a clear error (exit 1) after --queue-timeout; the agents reconnect when Redis returns, remove what the dead run left and serve the next run', async () => {
    const agents = await startAgents(['hq', 'vbr'], ['proxy-a', 'proxy-a'], ['proxy-b', 'proxy-b']);
    const run = startCoordinator(slowBundle(), '--queue-timeout', '2000');
    await healthOnProxyA(run);
    const runId = run.events[0]?.runId ?? '';
    await killRedis();
    const stopped = Date.now();
    expect(await run.exited, run.stderr()).toBe(1);
    expect(Date.now() - stopped).toBeLessThan(20_000);
    expect(terminals(run.events)).toEqual([['guest-a', 1], ['guest-b', 1]]);
    expect(run.events.some((event) => event.type === 'deployment.failed' && event.cause.code === 'GIPKIT_QUEUE_UNAVAILABLE'
      && event.cause.message === 'the queue at redis://198.18.0.2:6390/0 was unreachable for more than 2 s')).toBe(true);
    await startRedis();
    await until(() => redisCli('ZCARD', 'gipkit:agents').trim() === '3', 20_000, `the three agents registered again:\n${agents.map((agent) => agent.output()).join('\n')}`);
    await until(() => leftIn(runId).length === 0 && processesOf(runId).length === 0, 30_000, 'what the dead run left on guest-a removed');
    const again = startCoordinator(BUNDLE);
    expect(await again.exited, again.stderr()).toBe(0);
    expect(again.events.filter((event) => event.type === 'deployment.succeeded').map((event) => [event.vm, event.agent]).sort()).toEqual([['guest-a', 'agent-proxy-a'], ['guest-b', 'agent-vbr']]);
  }, 120_000);

  it('7. Redis cut off from the network mid-run (packets dropped, no connection closes): the run still ends after --queue-timeout, never hangs; once the network is back, what it left goes', async () => {
    const agents = await startAgents(['hq', 'vbr'], ['proxy-a', 'proxy-a'], ['proxy-b', 'proxy-b']);
    const run = startCoordinator(slowBundle(), '--queue-timeout', '2000');
    await healthOnProxyA(run);
    const runId = run.events[0]?.runId ?? '';
    lab.exec('hq', ['nft', '-f', '-'], `table inet gipkit_partition {\n  chain input {\n    type filter hook input priority 0; policy accept;\n    tcp dport ${REDIS_PORT} drop\n  }\n}\n`);
    const cut = Date.now();
    expect(await run.exited, run.stderr()).toBe(1);
    expect(Date.now() - cut).toBeLessThan(20_000);
    expect(terminals(run.events)).toEqual([['guest-a', 1], ['guest-b', 1]]);
    expect(run.events.some((event) => event.type === 'deployment.failed' && event.cause.code === 'GIPKIT_QUEUE_UNAVAILABLE')).toBe(true);
    // The network comes back: the agents' connections carry on, and what the dead run left on guest-a goes.
    lab.exec('hq', ['nft', 'delete', 'table', 'inet', 'gipkit_partition']);
    await until(() => leftIn(runId).length === 0 && processesOf(runId).length === 0, 60_000, () => `what the dead run left on guest-a removed:\n${agents[1]?.output() ?? ''}`);
  }, 150_000);

  it('8 and 9. every step comes back with the agent that did it, in order, one terminal event per VM; Redis holds no key material and no password after the run', async () => {
    await startAgents(['hq', 'vbr'], ['proxy-a', 'proxy-a'], ['proxy-b', 'proxy-b']);
    const run = startCoordinator(BUNDLE);
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
    const dump = redisDump();
    expect(dump.length).toBeGreaterThan(0);
    const keyLines = readFileSync(join(scratch, 'guest-key'), 'utf8').split('\n').filter((line) => line.length >= 16 && !line.startsWith('-----'));
    expect(keyLines.length).toBeGreaterThan(0);
    for (const line of keyLines) expect(dump).not.toContain(line);
    expect(dump).not.toContain(PASSWORD);
  }, 120_000);
});

