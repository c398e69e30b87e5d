import { spawn, spawnSync, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { randomBytes } from 'node:crypto';

/**
 * A small estate of hosts on this machine, for the agents' lab (issue #11): a network namespace per host,
 * a router namespace with one bridge per site, veth pairs, addresses from 198.18.0.0/15 only (the
 * benchmarking range), and no link to the machine's own namespace, so no traffic leaves the lab. Needs root
 * (`ip`, from iproute2). `teardown()` kills every process in the namespaces and deletes them, also after a
 * failed test; names carry a random prefix, so that labs never meet.
 */
export interface LabHost {
  readonly name: string;
  readonly netns: string;
  readonly address: string;
  readonly site: string;
}

export interface Netlab {
  readonly prefix: string;
  host(name: string): LabHost;
  /** Runs a command in a host's namespace and returns its output; throws with stderr when it fails (unless `mayFail`). */
  exec(host: string, command: readonly string[], input?: string, mayFail?: boolean): string;
  /** Starts a long-running process in a host's namespace (killed by `teardown`). */
  spawn(host: string, command: readonly string[], options?: SpawnOptions): ChildProcess;
  teardown(): Promise<void>;
}

export interface SiteSpec {
  readonly site: string;
  /** The site's /24 in 198.18.0.0/15, by its third octet: 198.18.N.0/24, the router on .1. */
  readonly octet: number;
  /** Host names and their last octet. */
  readonly hosts: readonly (readonly [string, number])[];
}

function ip(args: readonly string[]): void {
  const result = spawnSync('ip', args, { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`ip ${args.join(' ')} failed (${String(result.status)}): ${result.stderr}`);
}

export function buildNetlab(sites: readonly SiteSpec[]): Netlab {
  if (process.getuid?.() !== 0) throw new Error('the netlab needs root (network namespaces): run the tests as root, as CI does');
  const prefix = `gk${randomBytes(2).toString('hex')}`;
  const router = `${prefix}-router`;
  const hosts = new Map<string, LabHost>();
  const namespaces: string[] = [];
  const children = new Set<ChildProcess>();
  const teardown = async (): Promise<void> => {
    for (const child of children) child.kill('SIGKILL');
    for (const netns of [...namespaces].reverse()) {
      const pids = spawnSync('ip', ['netns', 'pids', netns], { encoding: 'utf8' }).stdout.split('\n').filter((line) => /^\d+$/.test(line));
      for (const pid of pids) {
        try {
          process.kill(Number(pid), 'SIGKILL');
        } catch {
          // Already gone.
        }
      }
      spawnSync('ip', ['netns', 'del', netns]);
    }
    namespaces.length = 0;
  };
  try {
    ip(['netns', 'add', router]);
    namespaces.push(router);
    ip(['-n', router, 'link', 'set', 'lo', 'up']);
    const forward = spawnSync('ip', ['netns', 'exec', router, 'sysctl', '-qw', 'net.ipv4.ip_forward=1'], { encoding: 'utf8' });
    if (forward.status !== 0) throw new Error(`sysctl ip_forward in ${router} failed: ${forward.stderr}`);
    sites.forEach((site, siteIndex) => {
      if (site.octet < 0 || site.octet > 255) throw new RangeError(`site ${site.site}: octet ${site.octet} is outside 198.18.0.0/16`);
      const bridge = `br${siteIndex}`;
      ip(['-n', router, 'link', 'add', bridge, 'type', 'bridge']);
      ip(['-n', router, 'addr', 'add', `198.18.${site.octet}.1/24`, 'dev', bridge]);
      ip(['-n', router, 'link', 'set', bridge, 'up']);
      site.hosts.forEach(([name, last], hostIndex) => {
        const netns = `${prefix}-${name}`;
        ip(['netns', 'add', netns]);
        namespaces.push(netns);
        ip(['-n', netns, 'link', 'set', 'lo', 'up']);
        // Both ends are made inside the namespaces: nothing is ever in the machine's own.
        const peer = `v${siteIndex}h${hostIndex}`;
        ip(['-n', router, 'link', 'add', peer, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', netns]);
        ip(['-n', router, 'link', 'set', peer, 'master', bridge]);
        ip(['-n', router, 'link', 'set', peer, 'up']);
        const address = `198.18.${site.octet}.${last}`;
        ip(['-n', netns, 'addr', 'add', `${address}/24`, 'dev', 'eth0']);
        ip(['-n', netns, 'link', 'set', 'eth0', 'up']);
        ip(['-n', netns, 'route', 'add', 'default', 'via', `198.18.${site.octet}.1`]);
        hosts.set(name, { name, netns, address, site: site.site });
      });
    });
  } catch (error) {
    void teardown();
    throw error;
  }
  const host = (name: string): LabHost => {
    const found = hosts.get(name);
    if (found === undefined) throw new Error(`no host ${name} in the lab`);
    return found;
  };
  return {
    prefix,
    host,
    exec(name, command, input, mayFail = false) {
      const result = spawnSync('ip', ['netns', 'exec', host(name).netns, ...command], { encoding: 'utf8', ...(input === undefined ? {} : { input }) });
      if (result.status !== 0 && !mayFail) throw new Error(`${command.join(' ')} in ${name} failed (${String(result.status)}): ${result.stderr}`);
      return result.stdout;
    },
    spawn(name, command, options = {}) {
      const [program = '', ...args] = command;
      const child = spawn('ip', ['netns', 'exec', host(name).netns, program, ...args], options);
      children.add(child);
      child.once('exit', () => children.delete(child));
      return child;
    },
    teardown,
  };
}
