// Agents on the proxies in a lab of real hosts (issue #11): network namespaces made and removed here, addresses
// from 198.18.0.0/15 only, no traffic leaving them. HQ runs Redis, the coordinator and the backup server's agent;
// each of two sites has a proxy running `gipkit agent` and a guest running Debian's OpenSSH. Site B's guest
// rejects its own proxy (nftables in its namespace), so its VM fails over to the backup server. Checked from the
// guests' sshd logs: who connected to whom; and from the guests' disk: nothing is left.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GipkitEvent } from '@gipkit/plugin-api';
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
async function until(condition: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`not within ${ms} ms: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function startAgent(host: string, server: string): { output: () => string; kill: () => void } {
  let output = '';
  const child = lab.spawn(host, [process.execPath, BIN, 'agent', '--server', server, '--queue', QUEUE, '--agent-id', `agent-${server}`, '--heartbeat', '200', '--known-hosts', files['known_hosts'] ?? ''], {
    cwd: ROOT, env: { ...process.env, GIPKIT_QUEUE_PASSWORD: PASSWORD }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (chunk: Buffer) => void (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => void (output += chunk.toString()));
  return { output: () => output, kill: () => void child.kill('SIGKILL') };
}

interface CoordinatorRun {
  readonly events: GipkitEvent[];
  readonly exited: Promise<number | null>;
  stderr(): string;
}

function startCoordinator(bundle: string): CoordinatorRun {
  const events: GipkitEvent[] = [];
  let pending = '';
  let stderr = '';
  const child = lab.spawn('hq', [process.execPath, BIN, 'run', '--queue', QUEUE, '--inventory', files['inventory.json'] ?? '', '--job', files['job.json'] ?? '', '--bundle', bundle, '--known-hosts', files['known_hosts'] ?? '', '--events', 'ndjson', '--agent-timeout', '2000'], {
    cwd: ROOT, env: { ...process.env, GIPKIT_QUEUE_PASSWORD: PASSWORD }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (chunk: Buffer) => {
    pending += chunk.toString();
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) if (line !== '') events.push(JSON.parse(line) as GipkitEvent);
  });
  child.stderr?.on('data', (chunk: Buffer) => void (stderr += chunk.toString()));
  return { events, exited: new Promise((resolve) => child.once('exit', resolve)), stderr: () => stderr };
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

beforeAll(async () => {
  lab = buildNetlab([
    { site: 'hq', octet: 0, hosts: [['hq', 2]] },
    { site: 'site-a', octet: 1, hosts: [['proxy-a', 2], ['guest-a', 3]] },
    { site: 'site-b', octet: 2, hosts: [['proxy-b', 2], ['guest-b', 3]] },
  ]);
  scratch = mkdtempSync(join(tmpdir(), 'gipkit-netlab-'));
  // Redis in HQ, on its lab address, with a throwaway password and no persistence.
  const redisConf = write('redis.conf', [`bind 198.18.0.2`, `port ${REDIS_PORT}`, 'save ""', 'appendonly no', `dir ${scratch}`, `requirepass ${PASSWORD}`, 'logfile ""'].join('\n') + '\n');
  let redisLog = '';
  const redis = lab.spawn('hq', ['/usr/bin/redis-server', redisConf], { stdio: ['ignore', 'pipe', 'pipe'] });
  redis.stdout?.on('data', (chunk: Buffer) => void (redisLog += chunk.toString()));
  await until(() => /Ready to accept connections/.test(redisLog), 10_000, `redis-server ready:\n${redisLog}`);
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
    for (const agent of agents) agent.kill();
  }, 120_000);

  it('4. an agent killed with SIGKILL during a health check: the VM fails over to the backup server, whose agent also removes the half-made deployment; nothing is left on the guest', async () => {
    // A bundle whose health check takes 3 s: time to kill the proxy's agent while it runs.
    const slow = join(scratch, 'slow-bundle');
    cpSync(BUNDLE, slow, { recursive: true });
    writeFileSync(join(slow, 'health.sh'), '#!/bin/sh\nsleep 3\n[ -s heartbeat ]\n', { mode: 0o755 });
    const from = [guestA.log().length, guestB.log().length] as const;
    const agents = [startAgent('hq', 'vbr'), startAgent('proxy-a', 'proxy-a'), startAgent('proxy-b', 'proxy-b')];
    await until(() => agents.every((agent) => agent.output().includes(': serving ')), 20_000, 'every agent serving');
    const run = startCoordinator(slow);
    await until(() => run.events.some((event) => event.type === 'deployment.step' && event.vm === 'guest-a' && event.step === 'health' && event.agent === 'agent-proxy-a'), 30_000, `guest-a's health check on proxy-a:\n${run.stderr()}`);
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
    for (const agent of agents) agent.kill();
  }, 120_000);
});

