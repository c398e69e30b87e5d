// The agents' lab of real hosts (issue #11), shared by its tests (agents-lab.test.ts) and by the script that
// brings it up for a person to watch (scripts/netlab.mjs): network namespaces made and removed here, addresses
// from 198.18.0.0/15 only, no traffic leaving them. HQ runs Redis, the coordinator and the backup server's agent;
// each of two sites has a proxy running `gipkit agent` and a guest running Debian's OpenSSH. Site B's guest
// rejects its own proxy (nftables in its namespace), so its VM fails over to the backup server. No vitest here.
import { spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { GipkitEvent } from '@gipkit/plugin-api';
import { startSshServer, type SshServer } from '../ssh/ssh-server.js';
import { buildNetlab, type Netlab } from './netlab.js';

export const REDIS_PORT = 6390;
export const SSH_PORT = 2222;
export const REDIS_ADDRESS = '198.18.0.2';
export const QUEUE = `redis://${REDIS_ADDRESS}:${REDIS_PORT}/0`;

export interface LabAgent {
  output(): string;
  /** SIGKILL: the agent dies where it stands. */
  kill(): void;
  /** SIGTERM: the agent finishes what it holds, leaves the directory and exits. */
  stop(): Promise<void>;
}

export interface CoordinatorRun {
  readonly events: GipkitEvent[];
  readonly exited: Promise<number | null>;
  stderr(): string;
  signal(name: NodeJS.Signals): void;
}

export interface AgentsLab {
  readonly lab: Netlab;
  /** The repository: the CLI is its `packages/cli/dist/bin.js`, the bundle its `examples/bundles/hello-agent`. */
  readonly root: string;
  readonly scratch: string;
  readonly guestA: SshServer;
  readonly guestB: SshServer;
  /** The throwaway Redis password (`requirepass`). */
  readonly password: string;
  /** inventory.json, job.json, known_hosts, redis.conf, guest-key: paths in `scratch`. */
  file(name: string): string;
  /** Agents started and not yet exited. */
  readonly running: ReadonlySet<LabAgent>;
  startRedis(): Promise<void>;
  /** Kills Redis by its PID (`ip netns exec` execs it: the same process). */
  killRedis(): Promise<void>;
  readonly redisUp: boolean;
  /** Runs redis-cli inside HQ (nothing outside the lab has a route into it); the password through REDISCLI_AUTH. */
  redisCli(...args: string[]): string;
  /** Every key Redis holds (a line `KEY name`) and every value in it, by type, as text. */
  redisDump(): string;
  startAgent(host: string, server: string): LabAgent;
  /** Starts an agent per [host, server] and resolves once each serves. */
  startAgents(...pairs: readonly (readonly [string, string])[]): Promise<LabAgent[]>;
  /** The arguments of `gipkit run --queue` on this lab (after the node binary). */
  coordinatorArgs(bundle: string, ...more: string[]): string[];
  /** The coordinator in HQ, its events read as ndjson. */
  startCoordinator(bundle: string, ...more: string[]): CoordinatorRun;
  /** The environment every gipkit process of the lab gets: the queue password. */
  readonly env: NodeJS.ProcessEnv;
  teardown(): Promise<void>;
}

/** Resolves once `condition()` holds, else rejects naming what it waited for. */
export async function until(condition: () => boolean, ms: number, what: string | (() => string)): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`not within ${ms} ms: ${typeof what === 'string' ? what : what()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Where a guest's connections came from, by its own sshd log. */
export function sources(log: string): string[] {
  return [...new Set([...log.matchAll(/Connection from (\d+\.\d+\.\d+\.\d+) port/g)].map((match) => match[1] ?? ''))].sort();
}

/** The gipkit folders a run left in the guests' /tmp (the guests share this machine's file system). */
export function leftIn(runId: string): string[] {
  return readdirSync('/tmp').filter((name) => name.startsWith(`gipkit-${runId}`));
}

/** Processes still running from a folder of the run (a component left behind). */
export function processesOf(runId: string): string[] {
  return spawnSync('pgrep', ['-af', `gipkit-${runId}`], { encoding: 'utf8' }).stdout.split('\n').filter((line) => line !== '' && !line.includes('pgrep'));
}

const DUMP_SCRIPT = `
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
return out`;

/** Builds the lab: namespaces, Redis, both guests (site B's refusing its proxy), the input files. Needs root. */
export async function buildAgentsLab(root: string): Promise<AgentsLab> {
  const bin = join(root, 'packages/cli/dist/bin.js');
  const lab = buildNetlab([
    { site: 'hq', octet: 0, hosts: [['hq', 2]] },
    { site: 'site-a', octet: 1, hosts: [['proxy-a', 2], ['guest-a', 3]] },
    { site: 'site-b', octet: 2, hosts: [['proxy-b', 2], ['guest-b', 3]] },
  ]);
  const scratch = mkdtempSync(join(tmpdir(), 'gipkit-netlab-'));
  const password = randomBytes(18).toString('base64url');
  const env = { ...process.env, GIPKIT_QUEUE_PASSWORD: password };
  const files = new Map<string, string>();
  const write = (name: string, text: string): string => {
    const path = join(scratch, name);
    writeFileSync(path, text, { mode: 0o600 });
    files.set(name, path);
    return path;
  };
  const file = (name: string): string => {
    const path = files.get(name);
    if (path === undefined) throw new Error(`the lab has no file ${name}`);
    return path;
  };
  let redis: ChildProcess | undefined;
  const guests: SshServer[] = [];
  const running = new Set<LabAgent>();
  const teardown = async (): Promise<void> => {
    for (const guest of guests) await guest.stop();
    await lab.teardown();
    rmSync(scratch, { recursive: true, force: true });
  };
  const redisCli = (...args: string[]): string => {
    const result = spawnSync('ip', ['netns', 'exec', lab.host('hq').netns, 'redis-cli', '--no-auth-warning', '-h', REDIS_ADDRESS, '-p', String(REDIS_PORT), ...args], { encoding: 'utf8', env: { ...process.env, REDISCLI_AUTH: password } });
    if (result.status !== 0) throw new Error(`redis-cli ${args[0] ?? ''}: ${result.stderr}`);
    return result.stdout;
  };
  const startRedis = async (): Promise<void> => {
    let log = '';
    const started = lab.spawn('hq', ['/usr/bin/redis-server', file('redis.conf')], { stdio: ['ignore', 'pipe', 'pipe'] });
    started.stdout?.on('data', (chunk: Buffer) => void (log += chunk.toString()));
    await until(() => /Ready to accept connections/.test(log), 10_000, () => `redis-server ready:\n${log}`);
    redis = started;
  };
  const startAgent = (host: string, server: string): LabAgent => {
    let output = '';
    const child = lab.spawn(host, [process.execPath, bin, 'agent', '--server', server, '--queue', QUEUE, '--agent-id', `agent-${server}`, '--heartbeat', '200', '--known-hosts', file('known_hosts')], {
      cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'],
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
  };
  const coordinatorArgs = (bundle: string, ...more: string[]): string[] => [bin, 'run', '--queue', QUEUE, '--inventory', file('inventory.json'), '--job', file('job.json'), '--bundle', bundle,
    '--known-hosts', file('known_hosts'), '--agent-timeout', '2000', ...more];
  try {
    write('redis.conf', [`bind ${REDIS_ADDRESS}`, `port ${REDIS_PORT}`, 'save ""', 'appendonly no', `dir ${scratch}`, `requirepass ${password}`, 'logfile ""'].join('\n') + '\n');
    await startRedis();
    // The guests: one user and one sshd each, in their own namespaces; one user key for both.
    const guestA = await startSshServer({ address: '198.18.1.3', port: SSH_PORT, user: 'gk-guest', netns: lab.host('guest-a').netns });
    guests.push(guestA);
    const guestB = await startSshServer({ address: '198.18.2.3', port: SSH_PORT, user: 'gk-guest', netns: lab.host('guest-b').netns, authorizedKeys: [] });
    guests.push(guestB);
    const key = write('guest-key', guestA.privateKey);
    writeFileSync(join(guestB.dir, 'authorized_keys'), readFileSync(`${guestA.privateKeyPath}.pub`, 'utf8'), { mode: 0o644 });
    // Site B's guest refuses its own proxy: its VM fails over to the backup server.
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
    return {
      lab, root, scratch, guestA, guestB, password, file, running, env,
      startRedis,
      async killRedis() {
        const stopping = redis;
        redis = undefined;
        if (stopping === undefined || stopping.exitCode !== null) return;
        const exited = new Promise((resolve) => stopping.once('exit', resolve));
        stopping.kill('SIGKILL');
        await exited;
      },
      get redisUp() {
        return redis !== undefined;
      },
      redisCli,
      redisDump: () => redisCli('--raw', 'EVAL', DUMP_SCRIPT, '0'),
      startAgent,
      async startAgents(...pairs) {
        const agents = pairs.map(([host, server]) => startAgent(host, server));
        await until(() => agents.every((agent) => agent.output().includes(': serving ')), 20_000, () => `every agent serving:\n${agents.map((agent) => agent.output()).join('\n')}`);
        return agents;
      },
      coordinatorArgs,
      startCoordinator(bundle, ...more) {
        const events: GipkitEvent[] = [];
        let pending = '';
        let stderr = '';
        const child = lab.spawn('hq', [process.execPath, ...coordinatorArgs(bundle, '--events', 'ndjson', ...more)], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
        child.stdout?.on('data', (chunk: Buffer) => {
          pending += chunk.toString();
          const lines = pending.split('\n');
          pending = lines.pop() ?? '';
          for (const line of lines) if (line !== '') events.push(JSON.parse(line) as GipkitEvent);
        });
        child.stderr?.on('data', (chunk: Buffer) => void (stderr += chunk.toString()));
        return { events, exited: new Promise((resolve) => child.once('exit', resolve)), stderr: () => stderr, signal: (name) => void child.kill(name) };
      },
      teardown,
    };
  } catch (error) {
    await teardown();
    throw error;
  }
}
