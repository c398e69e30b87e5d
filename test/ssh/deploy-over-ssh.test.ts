import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGipkit, type ValidInput } from '@gipkit/core';
import { linuxDeployerPlugin } from '@gipkit/deployer-linux';
import { vmwarePlugin } from '@gipkit/hypervisor-vmware';
import type { GipkitEvent, SessionOpener } from '@gipkit/plugin-api';
import { loadBundle } from '@gipkit/testkit';
import { createSshOpener } from '@gipkit/transport-ssh';
import { loopbackEstate } from './loopback-estate.js';
import { startSshServer, type SshServer } from './ssh-server.js';
import { closedPort } from './tcp-fixtures.js';

// End to end over real SSH: Debian's OpenSSH server on 127.0.0.2 and a high
// port, a throwaway user and key; the example bundle deployed by `gipkit.run`
// through the VMware LAN connector, the SSH transport and the Linux deployer.

const BUNDLE_DIR = resolve(import.meta.dirname, '../../examples/bundles/hello-agent');

let server: SshServer;
let scratch: string;
let knownHosts: string;
let refusedPort: number;

beforeAll(async () => {
  server = await startSshServer({ address: '127.0.0.2', user: 'gipkit-deploy' });
  scratch = mkdtempSync(join(tmpdir(), 'gipkit-ssh-deploy-'));
  knownHosts = join(scratch, 'known_hosts');
  writeFileSync(knownHosts, `${server.knownHostsLine}\n`);
  refusedPort = await closedPort('127.0.0.2');
});

afterAll(async () => {
  // Stop a persistent daemon left by the persistent test, by its pid file, then the server.
  for (const pidFile of findFiles(join(server.home, 'gipkit-opt'), 'gipkit-service.pid')) {
    const pid = Number(readFileSync(pidFile, 'utf8'));
    if (pid > 0) tryKill(pid);
  }
  rmSync(join(server.home, 'gipkit-opt'), { recursive: true, force: true });
  rmSync(join(server.home, 'gipkit-tmp'), { recursive: true, force: true });
  await server.stop();
  rmSync(scratch, { recursive: true, force: true });
});

function findFiles(folder: string, name: string): string[] {
  if (!existsSync(folder)) return [];
  return readdirSync(folder, { recursive: true, encoding: 'utf8' }).filter((path) => path.endsWith(name)).map((path) => join(folder, path));
}

function tryKill(pid: number): void {
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    // already gone
  }
}

/** Alive and not a zombie (an exited daemon whose parent, PID 1 in a container, may not reap it). */
function running(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

function input(job: Record<string, unknown> = {}): ValidInput {
  const estate = loopbackEstate(server, 'ssh-e2e', ['app-01']);
  return createGipkit().validateInput({ inventory: estate.inventory, job: { ...estate.job, ...job } });
}

/**
 * The in-process agent connects from this machine whichever server the task
 * names. `blocked` proxies reach the guest's address on a closed port: a real
 * refused TCP connection, as from a proxy behind a firewall.
 */
function engine(blocked: readonly string[] = [], ssh = createSshOpener({ knownHostsFile: knownHosts })) {
  const linux: SessionOpener = {
    open: (request, method, options) => ssh.open(blocked.includes(request.proxy) ? { ...request, sshPort: refusedPort } : request, method, options),
  };
  const deployer = linuxDeployerPlugin({ tempRoot: join(server.home, 'gipkit-tmp'), installRoot: join(server.home, 'gipkit-opt'), serviceManager: 'daemon' });
  const gipkit = createGipkit({ plugins: [vmwarePlugin({ linux }), deployer] });
  const events: GipkitEvent[] = [];
  gipkit.events$.subscribe((event) => events.push(event));
  return { gipkit, events };
}

describe('deploying over real SSH (OpenSSH on 127.0.0.2)', () => {
  it('non-persistent: the bundle is uploaded, runs and is healthy, and nothing of it is left after the job', async () => {
    const bundle = await loadBundle(BUNDLE_DIR);
    const { gipkit, events } = engine();
    let seen: { location: string; heartbeat: boolean; pid: number; alive: boolean; windowsFiles: boolean } | undefined;
    const result = await gipkit.run(input(), {
      bundle,
      beforeCleanup: async () => {
        const deployed = events.find((event) => event.type === 'deployment.succeeded');
        const location = deployed?.type === 'deployment.succeeded' ? deployed.location : '';
        const pid = Number(readFileSync(join(location, 'gipkit-service.pid'), 'utf8'));
        seen = { location, heartbeat: existsSync(join(location, 'heartbeat')), pid, alive: running(pid), windowsFiles: existsSync(join(location, 'agent.ps1')) };
      },
    });
    expect(result.accepted).toBe(true);
    expect(result.vms[0]).toMatchObject({ vm: 'app-01', status: 'succeeded', server: 'branch-proxy', method: 'lan', failedOver: false });
    expect(events.filter((event) => event.type === 'deployment.step').map((event) => (event.type === 'deployment.step' ? event.step : ''))).toEqual(['connect', 'upload', 'start', 'health']);
    expect(seen?.location.startsWith(join(server.home, 'gipkit-tmp', 'gipkit-'))).toBe(true);
    expect(seen?.heartbeat).toBe(true);
    // Files marked for Windows guests are not uploaded to a Linux guest.
    expect(seen?.windowsFiles).toBe(false);
    expect(seen?.alive).toBe(true);
    // After the job: the folder is gone and the agent stopped.
    expect(existsSync(seen?.location ?? '/')).toBe(false);
    expect(running(seen?.pid ?? 0)).toBe(false);
    expect(readdirSync(join(server.home, 'gipkit-tmp'))).toEqual([]);
    expect(result.cleanup).toMatchObject({ removed: 1, failures: [] });
  });

  it('persistent: installed once, kept after the job, and reused by the second run', async () => {
    const bundle = await loadBundle(BUNDLE_DIR);
    const first = engine();
    const one = await first.gipkit.run(input({ runtimeComponents: 'persistent' }), { bundle });
    expect(one.accepted).toBe(true);
    const installed = first.events.find((event) => event.type === 'deployment.succeeded');
    expect(installed).toMatchObject({ reused: false, location: join(server.home, 'gipkit-opt', 'hello-agent'), version: '1.0.0' });
    expect(first.events.some((event) => event.type === 'deployment.step' && event.step === 'install')).toBe(true);
    const location = join(server.home, 'gipkit-opt', 'hello-agent');
    expect(existsSync(join(location, 'agent.sh'))).toBe(true);
    const pid = Number(readFileSync(join(location, 'gipkit-service.pid'), 'utf8'));
    expect(running(pid)).toBe(true);
    expect(one.cleanup).toMatchObject({ removed: 0, kept: 1 });

    const second = engine();
    const two = await second.gipkit.run(input({ runtimeComponents: 'persistent' }), { bundle });
    expect(two.accepted).toBe(true);
    expect(second.events.find((event) => event.type === 'deployment.succeeded')).toMatchObject({ reused: true });
    expect(second.events.some((event) => event.type === 'deployment.step' && (event.step === 'upload' || event.step === 'install'))).toBe(false);
    expect(Number(readFileSync(join(location, 'gipkit-service.pid'), 'utf8'))).toBe(pid);
  });

  it('a refused connection from the proxy leads to failover: the backup server deploys over SSH', async () => {
    const bundle = await loadBundle(BUNDLE_DIR);
    const { gipkit, events } = engine(['branch-proxy']);
    const result = await gipkit.run(input(), { bundle });
    const refused = events.find((event) => event.type === 'connection.failed' && event.method === 'lan');
    expect(refused).toMatchObject({ server: 'branch-proxy', cause: { code: 'GIPKIT_CONNECTOR_REFUSED' } });
    expect(events.find((event) => event.type === 'failover.started')).toMatchObject({ from: 'branch-proxy', to: 'vbr' });
    expect(result.vms[0]).toMatchObject({ status: 'succeeded', server: 'vbr', method: 'lan', failedOver: true });
    expect(result.accepted).toBe(true);
    expect(readdirSync(join(server.home, 'gipkit-tmp'))).toEqual([]);
    expect(execFileSync('/bin/sh', ['-c', `ls -A ${join(server.home, 'gipkit-tmp')} | wc -l`], { encoding: 'utf8' }).trim()).toBe('0');
  });

  it('trust on first use: an unknown host key is accepted, recorded in the known-hosts file, and reported as an event', async () => {
    const bundle = await loadBundle(BUNDLE_DIR);
    const fresh = join(scratch, 'known_hosts.tofu');
    writeFileSync(fresh, '');
    const { gipkit, events } = engine([], createSshOpener({ knownHostsFile: fresh, trustOnFirstUse: true }));
    const result = await gipkit.run(input(), { bundle });
    expect(result.accepted).toBe(true);
    const trusted = events.filter((event) => event.type === 'connection.host-key-trusted');
    expect(trusted[0]).toMatchObject({ vm: 'app-01', server: 'branch-proxy', fingerprint: server.hostKeyFingerprint, knownHostsFile: fresh });
    expect(readFileSync(fresh, 'utf8')).toContain(server.knownHostsLine.split(' ').slice(1).join(' '));
  });

  it('from the command line: gipkit run over SSH with a known-hosts file, then nothing left in the guest', async () => {
    const { spawnSync } = await import('node:child_process');
    const inventory = join(scratch, 'inventory.json');
    const job = join(scratch, 'job.json');
    const { inventory: inventoryData, job: jobData } = input();
    writeFileSync(inventory, JSON.stringify(inventoryData));
    writeFileSync(job, JSON.stringify(jobData));
    const cli = resolve(import.meta.dirname, '../../packages/cli/dist/bin.js');
    const result = spawnSync(process.execPath, [cli, 'run', '--inventory', inventory, '--job', job, '--bundle', BUNDLE_DIR, '--known-hosts', knownHosts, '--events', 'ndjson'], { encoding: 'utf8' });
    expect(result.status).toBe(0);
    const events = result.stdout.trim().split('\n').map((line) => JSON.parse(line) as GipkitEvent);
    const deployed = events.find((event) => event.type === 'deployment.succeeded');
    expect(deployed).toMatchObject({ vm: 'app-01', server: 'branch-proxy', method: 'lan' });
    // The CLI's Linux deployer uses its default temporary folder, /tmp, on the guest (here, this machine).
    const location = deployed?.type === 'deployment.succeeded' ? deployed.location : '';
    expect(location).toMatch(/^\/tmp\/gipkit-/);
    expect(existsSync(location)).toBe(false);
    expect(result.stderr).toMatch(/cleanup: 1 removed, 0 persistent kept, 0 failed/);
  });

  it('hardening 4: after kill -9 of gipkit run mid-deployment, the next run to the guest removes the folder and the component it left (stale in cleanup.completed)', async () => {
    const { spawn } = await import('node:child_process');
    const inventory = join(scratch, 'inventory-crash.json');
    const job = join(scratch, 'job-crash.json');
    const { inventory: inventoryData, job: jobData } = input();
    writeFileSync(inventory, JSON.stringify(inventoryData));
    writeFileSync(job, JSON.stringify(jobData));
    const cli = resolve(import.meta.dirname, '../../packages/cli/dist/bin.js');
    const child = spawn(process.execPath, [cli, 'run', '--inventory', inventory, '--job', job, '--bundle', BUNDLE_DIR, '--known-hosts', knownHosts, '--events', 'ndjson'], { stdio: ['ignore', 'pipe', 'ignore'] });
    let runId = '';
    // Killed once its component is started: the health check is the step after the start.
    await new Promise<void>((done, fail) => {
      let buffer = '';
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
        buffer += chunk;
        for (const line of buffer.split('\n').slice(0, -1)) {
          const event = JSON.parse(line) as GipkitEvent;
          runId = event.runId;
          if (event.type === 'deployment.step' && event.step === 'health') {
            child.kill('SIGKILL');
            done();
          }
        }
        buffer = buffer.slice(buffer.lastIndexOf('\n') + 1);
      });
      child.once('exit', () => done());
      setTimeout(() => fail(new Error('gipkit run did not reach the health step within 30 s')), 30_000);
    });
    await new Promise((done) => setTimeout(done, 200));
    const left = readdirSync('/tmp').filter((name) => name.startsWith(`gipkit-${runId}-hello-agent-`)).map((name) => join('/tmp', name));
    expect(left).toHaveLength(1);
    const folder = left[0] ?? '';
    const pid = Number(readFileSync(join(folder, 'gipkit-service.pid'), 'utf8'));
    expect(running(pid)).toBe(true);

    const bundle = await loadBundle(BUNDLE_DIR);
    const deployer = linuxDeployerPlugin({ serviceManager: 'daemon' });
    const gipkit = createGipkit({ plugins: [vmwarePlugin({ linux: createSshOpener({ knownHostsFile: knownHosts }) }), deployer] });
    const events: GipkitEvent[] = [];
    gipkit.events$.subscribe((event) => events.push(event));
    const result = await gipkit.run(input(), { bundle });
    expect(result.accepted).toBe(true);
    expect(events.find((event) => event.type === 'cleanup.completed')).toMatchObject({ removed: 1, stale: 1, failures: [] });
    expect(result.cleanup.stale).toBe(1);
    expect(existsSync(folder)).toBe(false);
    await new Promise((done) => setTimeout(done, 100));
    expect(running(pid)).toBe(false);
  }, 60_000);

  it('hardening 1: a hostile local user racing for the folder never gets its code run as the deploying account (normal account and root), and every deployment succeeds', async () => {
    const { spawn, spawnSync } = await import('node:child_process');
    const attacker = `gk-atk-${process.pid % 100000}`;
    spawnSync('useradd', ['-M', '-s', '/bin/sh', attacker]);
    const uid = Number(spawnSync('id', ['-u', attacker], { encoding: 'utf8' }).stdout.trim());
    const root = await startSshServer({ address: '127.0.0.2', user: 'root' });
    const rootKnownHosts = join(scratch, 'known_hosts.root');
    writeFileSync(rootKnownHosts, `${root.knownHostsLine}\n`);
    const loop = spawn('setpriv', [`--reuid=${uid}`, `--regid=${uid}`, '--clear-groups', process.execPath, resolve(import.meta.dirname, 'attacker.mjs'), '120'], { stdio: 'ignore' });
    try {
      // The attacker writes its tally on every pass: wait until it is watching before deploying (a loaded machine starts it slowly).
      rmSync(`/tmp/gk-atk-attempts-${uid}`, { force: true });
      for (let waited = 0; !existsSync(`/tmp/gk-atk-attempts-${uid}`); waited += 50) {
        if (waited > 30_000) throw new Error('the attacker loop did not start within 30 s');
        await new Promise((done) => setTimeout(done, 50));
      }
      const bundle = await loadBundle(BUNDLE_DIR);
      for (const [target, hosts] of [[server, knownHosts], [root, rootKnownHosts]] as const) {
        // At least 3 rounds each; more while the attacker has not yet gone for a folder (on a loaded machine its
        // scan of /proc can miss short deployments), so that the race really happened before it is judged.
        const raced = (): boolean => Number(readFileSync(`/tmp/gk-atk-attempts-${uid}`, 'utf8')) > 0;
        for (let round = 0; round < 3 || (round < 30 && !raced()); round++) {
          const gipkit = createGipkit({ plugins: [vmwarePlugin({ linux: createSshOpener({ knownHostsFile: hosts }) }), linuxDeployerPlugin({ serviceManager: 'daemon' })] });
          const one = createGipkit().validateInput({
            inventory: { ...input().inventory, vms: [{ id: 'app-01', host: 'esx', guest: { family: 'linux' }, addresses: ['127.0.0.2'], sshPort: target.port }] },
            job: { ...input().job, credentials: { kind: 'standard', account: target.user, secret: { file: target.privateKeyPath } } },
          });
          const result = await gipkit.run(one, { bundle });
          expect(result.vms[0], JSON.stringify(result.vms[0])).toMatchObject({ status: 'succeeded' });
          expect(result.accepted).toBe(true);
        }
      }
      expect(Number(readFileSync(`/tmp/gk-atk-attempts-${uid}`, 'utf8'))).toBeGreaterThan(0);
      expect(readdirSync('/tmp').filter((name) => name.startsWith('gk-atk-pwned-'))).toEqual([]);
    } finally {
      if (loop.pid !== undefined) tryKill(loop.pid);
      await root.stop();
      for (const name of readdirSync('/tmp')) if (name.startsWith('gk-atk-') || (name.startsWith('gipkit-') && statOwner(join('/tmp', name)) === uid)) rmSync(join('/tmp', name), { recursive: true, force: true });
      spawnSync('userdel', [attacker]);
    }
  }, 120_000);

  it('hardening 2: gipkit run refuses a bundle file that links to the operator\'s private key before any connection (exit 2), and the key never reaches the guest', async () => {
    const { spawnSync } = await import('node:child_process');
    const { cpSync, realpathSync, symlinkSync } = await import('node:fs');
    const bundle = join(scratch, 'crooked-bundle');
    cpSync(BUNDLE_DIR, bundle, { recursive: true });
    // The private key of the test's SSH user plays the operator's ~/.ssh/id_ed25519.
    symlinkSync(server.privateKeyPath, join(bundle, 'key.txt'));
    const manifest = JSON.parse(readFileSync(join(bundle, 'bundle.json'), 'utf8')) as { files: unknown[] };
    manifest.files.push('key.txt');
    writeFileSync(join(bundle, 'bundle.json'), JSON.stringify(manifest));
    const inventory = join(scratch, 'inventory-crooked.json');
    const job = join(scratch, 'job-crooked.json');
    const { inventory: inventoryData, job: jobData } = input();
    writeFileSync(inventory, JSON.stringify(inventoryData));
    writeFileSync(job, JSON.stringify(jobData));
    const connectionsBefore = server.log().split('Connection from').length;
    const cli = resolve(import.meta.dirname, '../../packages/cli/dist/bin.js');
    const result = spawnSync(process.execPath, [cli, 'run', '--inventory', inventory, '--job', job, '--bundle', bundle, '--known-hosts', knownHosts, '--events', 'ndjson'], { encoding: 'utf8' });
    expect(result.status).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain(`files[4]: is a link to ${realpathSync(server.privateKeyPath)}, outside the bundle folder ${realpathSync(bundle)} (found "key.txt")`);
    // No session was opened: sshd saw no connection.
    expect(server.log().split('Connection from').length).toBe(connectionsBefore);
    const key = readFileSync(server.privateKeyPath, 'utf8');
    for (const folder of readdirSync('/tmp').filter((name) => name.startsWith('gipkit-') && name.endsWith('-hello-agent'))) {
      for (const path of findFiles(join('/tmp', folder), '')) expect(readFileSync(path, 'utf8')).not.toContain(key);
    }
    expect(findFiles(join(server.home, 'gipkit-tmp'), 'key.txt')).toEqual([]);
  });
});

function statOwner(path: string): number {
  try {
    return statSync(path).uid;
  } catch {
    return -1;
  }
}
