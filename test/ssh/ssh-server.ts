import { spawn, spawnSync, type ChildProcess, type SpawnSyncReturns } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createConnection } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import type { ConnectRequest } from '@gipkit/plugin-api';
import { closedPort } from './tcp-fixtures.js';

/**
 * A real OpenSSH server (Debian's `openssh-server`) on a loopback address,
 * with throwaway host and user keys, for integration tests. Start it in
 * `beforeAll`, call `stop()` in `afterAll`. Needs root when the user must be
 * created (CI runs as root); `.ci/run` installs the package.
 */
export interface SshServerOptions {
  /** Loopback address to listen on (default `127.0.0.2`). */
  readonly address?: string;
  /** Port (default: a free high port). */
  readonly port?: number;
  /**
   * Account to log in as (default `gipkit-ssh`). Created with `useradd -m` when
   * missing, then unlocked with `usermod -p '*'` (or given `password`).
   */
  readonly user?: string;
  /** Enables password authentication and sets this password for `user` (use a user of its own: it changes the account). */
  readonly password?: string;
  /** More `authorized_keys` lines, besides the generated user key. */
  readonly authorizedKeys?: readonly string[];
  /** More `sshd_config` lines; they come first, so they override the defaults here (sshd keeps the first value). */
  readonly extraConfig?: readonly string[];
  /**
   * Runs sshd inside this network namespace (test/netlab/), listening on `address` there; `port` is then
   * required (the namespace has its own ports), and readiness is read from sshd's log.
   */
  readonly netns?: string;
}

export interface SshServer {
  readonly address: string;
  readonly port: number;
  readonly user: string;
  /** The user's home folder on this machine (the guest's file system, for checks). */
  readonly home: string;
  /** The generated user key (OpenSSH format, no passphrase). */
  readonly privateKeyPath: string;
  readonly privateKey: string;
  /** The host key: `SHA256:…` as OpenSSH prints it, and its type. */
  readonly hostKeyFingerprint: string;
  readonly hostKeyType: string;
  /** `[address]:port ssh-ed25519 AAAA…`, ready for a known_hosts file. */
  readonly knownHostsLine: string;
  /** A temporary folder that `stop()` removes: put test files here. */
  readonly dir: string;
  /** PID of the listening sshd. */
  readonly pid: number;
  /** What sshd logged (`-e`), for failure messages. */
  log(): string;
  /** Kills the processes serving open connections (they drop); the server keeps listening. */
  dropConnections(): void;
  /** Stops sshd and every connection it serves (by PID), then removes `dir`. Idempotent. */
  stop(): Promise<void>;
}

const SSHD = '/usr/sbin/sshd';
const SSH_KEYGEN = '/usr/bin/ssh-keygen';

export async function startSshServer(options: SshServerOptions = {}): Promise<SshServer> {
  for (const program of [SSHD, SSH_KEYGEN]) {
    if (!existsSync(program)) {
      throw new Error(`${program} is missing: install openssh-server (see .ci/run): apt-get install -y --no-install-recommends openssh-server`);
    }
  }
  const address = options.address ?? '127.0.0.2';
  const user = options.user ?? 'gipkit-ssh';
  const home = ensureUser(user, options.password);
  const dir = await mkdtemp(join(tmpdir(), 'gipkit-sshd-'));
  try {
    // sshd reads AuthorizedKeysFile as the user: the folder must be searchable (the private keys in it stay 0600).
    await chmod(dir, 0o755);
    run(SSH_KEYGEN, ['-q', '-t', 'ed25519', '-N', '', '-C', 'gipkit-test-host', '-f', join(dir, 'host_ed25519')]);
    run(SSH_KEYGEN, ['-q', '-t', 'ed25519', '-N', '', '-C', 'gipkit-test-user', '-f', join(dir, 'user_ed25519')]);
    const userPublic = (await readFile(join(dir, 'user_ed25519.pub'), 'utf8')).trim();
    await writeFile(join(dir, 'authorized_keys'), [userPublic, ...(options.authorizedKeys ?? [])].join('\n') + '\n', { mode: 0o644 });
    const [hostKeyType = '', hostKeyBase64 = ''] = (await readFile(join(dir, 'host_ed25519.pub'), 'utf8')).trim().split(/\s+/);
    const hostKeyFingerprint = `SHA256:${createHash('sha256').update(Buffer.from(hostKeyBase64, 'base64')).digest('base64').replace(/=+$/, '')}`;
    if (process.getuid?.() === 0) await mkdir('/run/sshd', { recursive: true, mode: 0o755 });

    for (let attempt = 1; ; attempt++) {
      if (options.netns !== undefined && options.port === undefined) throw new Error('startSshServer: a port is required with netns');
      const port = options.port ?? (await closedPort(address));
      const config = join(dir, 'sshd_config');
      await writeFile(config, sshdConfig(dir, address, port, user, options).join('\n') + '\n');
      const check = spawnSync(SSHD, ['-t', '-f', config], { encoding: 'utf8' });
      if (check.status !== 0) throw new Error(`sshd rejects its configuration ${config}: ${check.stderr}`);
      // `ip netns exec` enters the namespace, then execs sshd: the child's pid is sshd's.
      const child = options.netns === undefined
        ? spawn(SSHD, ['-D', '-e', '-f', config], { stdio: ['ignore', 'ignore', 'pipe'] })
        : spawn('ip', ['netns', 'exec', options.netns, SSHD, '-D', '-e', '-f', config], { stdio: ['ignore', 'ignore', 'pipe'] });
      let log = '';
      child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
        log = (log + chunk).slice(-20_000);
      });
      try {
        if (options.netns === undefined) await waitForPort(address, port, child, () => log);
        else await waitForLog(/Server listening on /, address, port, child, () => log);
      } catch (error) {
        kill(child);
        if (options.port === undefined && attempt < 3 && /Address already in use/.test(log)) continue;
        throw error;
      }
      const pid = child.pid ?? 0;
      let stopped: Promise<void> | undefined;
      return {
        address,
        port,
        user,
        home,
        dir,
        pid,
        privateKeyPath: join(dir, 'user_ed25519'),
        privateKey: await readFile(join(dir, 'user_ed25519'), 'utf8'),
        hostKeyFingerprint,
        hostKeyType,
        knownHostsLine: `${port === 22 ? address : `[${address}]:${port}`} ${hostKeyType} ${hostKeyBase64}`,
        log: () => log,
        dropConnections: () => {
          for (const descendant of descendants(pid)) signal(descendant, 'SIGKILL');
        },
        stop: () => {
          stopped ??= (async () => {
            const serving = descendants(pid);
            await stopChild(child);
            for (const descendant of serving) signal(descendant, 'SIGKILL');
            await rm(dir, { recursive: true, force: true });
          })();
          return stopped;
        },
      };
    }
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}

function sshdConfig(dir: string, address: string, port: number, user: string, options: SshServerOptions): string[] {
  return [
    // sshd keeps the first value it reads for an option: these come first so that they win.
    ...(options.extraConfig ?? []),
    `ListenAddress ${address}`,
    `Port ${port}`,
    `HostKey ${join(dir, 'host_ed25519')}`,
    `PidFile ${join(dir, 'sshd.pid')}`,
    `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
    `AllowUsers ${user}`,
    'UsePAM no',
    'StrictModes no',
    `PasswordAuthentication ${options.password === undefined ? 'no' : 'yes'}`,
    'KbdInteractiveAuthentication no',
    'PubkeyAuthentication yes',
    `PermitRootLogin ${user === 'root' ? 'prohibit-password' : 'no'}`,
    'UseDNS no',
    'PrintMotd no',
    'Subsystem sftp internal-sftp',
    'LogLevel VERBOSE',
  ];
}

/** Makes sure the account exists and can log in; returns its home folder. */
function ensureUser(user: string, password: string | undefined): string {
  const isCurrent = userInfo().username === user;
  if (!isCurrent && !passwdEntry(user)) {
    if (process.getuid?.() !== 0) {
      throw new Error(`user ${user} does not exist and only root can create it: run the tests as root (as CI does) or pass { user: '${userInfo().username}' }`);
    }
    const created = spawnWhileLocked('useradd', ['-m', '-s', '/bin/sh', user]);
    // Another test process may have created it meanwhile.
    if (created.status !== 0 && !passwdEntry(user)) throw new Error(`useradd -m ${user} failed: ${created.stderr}`);
  }
  if (!isCurrent && process.getuid?.() === 0) {
    // useradd leaves the account locked (`!`), which sshd refuses even for keys.
    if (password === undefined) run('usermod', ['-p', '*', user]);
    else run('chpasswd', [], `${user}:${password}\n`);
  }
  const home = passwdEntry(user)?.[5];
  if (home === undefined || home === '') throw new Error(`user ${user} has no home folder`);
  return home;
}

function passwdEntry(user: string): string[] | undefined {
  const line = readFileSync('/etc/passwd', 'utf8').split('\n').find((entry) => entry.startsWith(`${user}:`));
  return line?.split(':');
}

function run(program: string, args: readonly string[], input?: string): void {
  const result = spawnWhileLocked(program, args, input);
  if (result.error !== undefined) throw new Error(`${program} failed to start: ${result.error.message}`);
  if (result.status !== 0) throw new Error(`${program} ${args.join(' ')} exited with ${String(result.status)}: ${result.stderr}`);
}

/** Runs a program, again while it fails because another process holds /etc/passwd's lock (tests start servers in parallel). */
function spawnWhileLocked(program: string, args: readonly string[], input?: string): SpawnSyncReturns<string> {
  for (let attempt = 1; ; attempt++) {
    const result = spawnSync(program, args, { encoding: 'utf8', ...(input === undefined ? {} : { input }) });
    if (result.status === 0 || attempt === 50 || !/lock/i.test(result.stderr)) return result;
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 100);
  }
}


async function waitForPort(address: string, port: number, child: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + 10_000;
  let exited: string | undefined;
  child.once('exit', (code, name) => (exited = name ?? String(code)));
  while (Date.now() < deadline) {
    if (exited !== undefined) throw new Error(`sshd exited (${exited}) before listening on ${address}:${port}:\n${log()}`);
    if (await accepts(address, port)) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`sshd did not listen on ${address}:${port} within 10 s:\n${log()}`);
}

/** For a server in another network namespace, which this process cannot connect to: its own word that it listens. */
async function waitForLog(pattern: RegExp, address: string, port: number, child: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + 10_000;
  let exited: string | undefined;
  child.once('exit', (code, name) => (exited = name ?? String(code)));
  while (Date.now() < deadline) {
    if (exited !== undefined) throw new Error(`sshd exited (${exited}) before listening on ${address}:${port}:\n${log()}`);
    if (pattern.test(log())) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`sshd did not listen on ${address}:${port} within 10 s:\n${log()}`);
}

function accepts(address: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: address, port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Every process below `pid` (sshd's per-connection processes), from /proc. */
function descendants(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(parent, [...(children.get(parent) ?? []), Number(entry)]);
    } catch {
      // The process ended while we looked.
    }
  }
  const found: number[] = [];
  const visit = (parent: number): void => {
    for (const child of children.get(parent) ?? []) {
      found.push(child);
      visit(child);
    }
  };
  visit(pid);
  return found;
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {
    // Already gone.
  }
}

function kill(child: ChildProcess): void {
  if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) signal(child.pid, 'SIGKILL');
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const force = setTimeout(() => kill(child), 5_000);
    child.once('exit', () => {
      clearTimeout(force);
      resolve();
    });
    signal(child.pid ?? 0, 'SIGTERM');
  });
}

/** A connect request for the server's throwaway user, key and port; `overrides` change any field. */
export function connectRequestFor(server: SshServer, overrides: Partial<ConnectRequest> = {}): ConnectRequest {
  return {
    vm: 'vm-linux-1',
    host: 'esx-1',
    platform: 'vmware',
    family: 'linux',
    addresses: [server.address],
    account: server.user,
    secret: { file: server.privateKeyPath },
    sshPort: server.port,
    proxy: 'proxy-1',
    ...overrides,
  };
}
