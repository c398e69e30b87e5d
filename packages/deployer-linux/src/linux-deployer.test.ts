import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  ErrorCode,
  type CommandResult, type ComponentBundle, type ConnectRequest, type DeployContext, type GuestDeployer, type GuestSession, type PluginRegistry,
} from '@gipkit/plugin-api';
import { loadBundle, SimulatedConnector, SimulatedGuest } from '@gipkit/testkit';
import { describeDeployer } from '@gipkit/testkit/conformance';
import { LinuxDeployer } from './linux-deployer.js';
import { linuxDeployerPlugin } from './linux-deployer-plugin.js';

const HELLO_AGENT = fileURLToPath(new URL('../../../examples/bundles/hello-agent/', import.meta.url));
const TIMEOUTS = { connect: 1_000, upload: 1_001, install: 1_002, start: 1_003, health: 1_004, remove: 1_005 };
const request: ConnectRequest = { vm: 'web-1', proxy: 'proxy-1', host: 'esx-1', platform: 'vmware', family: 'linux', addresses: ['10.0.0.5'], account: 'root' };

async function simulated(options: { systemd?: boolean } = {}) {
  const guest = new SimulatedGuest('web-1', 'linux', options);
  const connector = new SimulatedConnector({ platform: 'vmware', method: 'lan', guests: new Map([['web-1', guest]]) });
  const open = (): Promise<GuestSession> => connector.connect(request, { timeoutMs: 1_000, signal: new AbortController().signal });
  return { guest, connector, open, bundle: await loadBundle(HELLO_AGENT) };
}

const context = (runId = 'run-1'): DeployContext & { steps: string[] } => {
  const steps: string[] = [];
  return { runId, signal: new AbortController().signal, timeouts: TIMEOUTS, step: (step) => void steps.push(step), steps };
};

/** A session that answers every call from `answer` and records it. */
function scripted(answer: (command: readonly string[]) => CommandResult) {
  const calls: { kind: string; target: string; mode?: number | undefined }[] = [];
  const session: GuestSession = {
    vm: 'web-1', proxy: 'proxy-1', method: 'lan',
    // A folder script is recorded as `folder <verb>`.
    run: async (command) => (calls.push({ kind: 'run', target: command[1] === '-c' ? `folder ${/# gipkit-verb: (\w+)/.exec(command[2] ?? '')?.[1] ?? ''}` : command.join(' ') }), answer(command)),
    upload: async (_contents, path, options) => void calls.push({ kind: 'upload', target: path, mode: options.mode }),
    remove: async (path) => void calls.push({ kind: 'remove', target: path }),
    close: async () => undefined,
  };
  return { session, calls };
}
const exit = (exitCode: number, stderr = ''): CommandResult => ({ exitCode, stdout: '', stderr, truncated: false });

describeDeployer('LinuxDeployer on a simulated guest', async () => {
  const { guest, open, bundle } = await simulated();
  return {
    deployer: new LinuxDeployer(),
    open,
    bundle,
    listing: async () => guest.listing(),
    processes: async () => guest.processList(),
    failHealth: async () => void (guest.failHealth = true),
  };
});

describeDeployer('LinuxDeployer on a simulated guest without systemd', async () => {
  const { guest, open, bundle } = await simulated({ systemd: false });
  return { deployer: new LinuxDeployer(), open, bundle, listing: async () => guest.listing(), processes: async () => guest.processList() };
});

describe('LinuxDeployer', () => {
  it('locates non-persistent folders per run under tempRoot and persistent ones under installRoot', () => {
    const bundle = { name: 'hello-agent' } as ComponentBundle;
    const first = new LinuxDeployer().locate(bundle, 'non-persistent', 'run-7');
    expect(first).toMatch(/^\/tmp\/gipkit-run-7-hello-agent-[0-9a-f]{32}$/);
    expect(new LinuxDeployer().locate(bundle, 'non-persistent', 'run-7')).not.toBe(first);
    expect(new LinuxDeployer().locate(bundle, 'persistent', 'run-7')).toBe('/opt/gipkit/hello-agent');
    const custom = new LinuxDeployer({ tempRoot: '/home/backup/tmp/', installRoot: '/home/backup/gipkit' });
    expect(custom.locate(bundle, 'non-persistent', 'job 1/run:2')).toMatch(/^\/home\/backup\/tmp\/gipkit-job-1-run-2-hello-agent-[0-9a-f]{32}$/);
    expect(custom.locate(bundle, 'persistent', 'x')).toBe('/home/backup/gipkit/hello-agent');
  });

  it('rejects a bundle name that could leave the folder with GIPKIT_BUNDLE_INVALID', () => {
    expect(() => new LinuxDeployer().locate({ name: '../etc', version: '1', files: [], start: {}, health: {} }, 'persistent', 'r')).toThrow(
      expect.objectContaining({ code: ErrorCode.BundleInvalid }) as unknown as Error,
    );
  });

  it('lists every problem of a bundle at once, before any session call', async () => {
    const { session, calls } = scripted(() => exit(0));
    const bundle: ComponentBundle = {
      name: 'Hello', version: '1 0', start: { windows: ['x.exe'] }, health: {},
      files: [{ path: '/etc/passwd', contents: new Uint8Array() }, { path: 'VERSION', contents: new Uint8Array() }, { path: 'a/../b', contents: new Uint8Array() }],
    };
    const error = await new LinuxDeployer().deploy(session, bundle, 'non-persistent', context()).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: ErrorCode.BundleInvalid });
    const message = (error as Error).message;
    for (const part of ['name must match', 'version must match', 'files[0].path', 'files[1].path', 'files[2].path', 'start.linux', 'health.linux']) expect(message).toContain(part);
    expect(calls).toEqual([]);
  });

  it('hardening 1: the marker first (the session makes the folder), the folder script verifies it, then executables 0700, others 0600, not those for Windows guests, the control script, VERSION last', async () => {
    const { session, calls } = scripted(() => exit(0));
    const { bundle: hello } = await simulated();
    const bundle = { ...hello, files: [...hello.files, { path: 'README.txt', contents: new TextEncoder().encode('hello') }] };
    const folder = new LinuxDeployer().locate(bundle, 'non-persistent', 'run-1');
    await new LinuxDeployer().deploy(session, bundle, 'non-persistent', { ...context(), location: folder });
    expect(calls).toEqual([
      { kind: 'upload', target: `${folder}/gipkit-service.run`, mode: 0o600 },
      { kind: 'run', target: 'folder prepare' },
      { kind: 'run', target: 'folder stale' },
      { kind: 'upload', target: `${folder}/agent.sh`, mode: 0o700 },
      { kind: 'upload', target: `${folder}/health.sh`, mode: 0o700 },
      { kind: 'upload', target: `${folder}/README.txt`, mode: 0o600 },
      { kind: 'upload', target: `${folder}/gipkit-service.sh`, mode: 0o700 },
      { kind: 'upload', target: `${folder}/VERSION`, mode: 0o600 },
      { kind: 'run', target: `/bin/sh ${folder}/gipkit-service.sh start` },
      { kind: 'run', target: `/bin/sh ${folder}/gipkit-service.sh health` },
    ]);
  });

  it('a failing health check: GIPKIT_DEPLOY_HEALTH with the exit code and the end of stderr', async () => {
    const { session } = scripted((command) => (command[2] === 'health' ? exit(4, 'line 1\nno heartbeat yet') : exit(0)));
    const { bundle } = await simulated();
    const error = await new LinuxDeployer().deploy(session, bundle, 'non-persistent', context()).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: ErrorCode.HealthCheckFailed });
    expect((error as Error).message).toMatch(/web-1: health check of hello-agent 1\.0\.0 at \/tmp\/gipkit-run-1-hello-agent-[0-9a-f]{32} failed with exit code 4:\nline 1\nno heartbeat yet/);
  });

  it('a start that fails: GIPKIT_DEPLOY_FAILED, and no health check', async () => {
    const { session, calls } = scripted((command) => (command[2] === 'start' ? exit(1, 'cannot start') : exit(0)));
    const { bundle } = await simulated();
    await expect(new LinuxDeployer().deploy(session, bundle, 'non-persistent', context())).rejects.toMatchObject({ code: ErrorCode.DeployFailed });
    expect(calls.at(-1)?.target).toMatch(/ start$/);
  });

  it('remove: a component that cannot be stopped (exit 1) is an error and its folder stays for another try', async () => {
    const { session, calls } = scripted(() => exit(1, 'could not stop process 42'));
    const failure = new LinuxDeployer().remove(session, '/tmp/gipkit-run-1-hello-agent', context());
    await expect(failure).rejects.toMatchObject({ code: ErrorCode.DeployFailed, message: expect.stringContaining('could not stop process 42') as unknown });
    expect(calls.map((call) => call.kind)).toEqual(['run']);
  });

  it('hardening 1: remove refuses a location that is not one of its folders, and a folder the guest refuses (exit 3) is GIPKIT_DEPLOY_UNSAFE_FOLDER', async () => {
    const { session, calls } = scripted(() => exit(3, '/tmp/gipkit-run-1-hello-agent belongs to uid 1001, not to uid 0'));
    await expect(new LinuxDeployer().remove(session, '/tmp/x', context())).rejects.toMatchObject({ code: ErrorCode.UnsafeFolder });
    expect(calls).toEqual([]);
    await expect(new LinuxDeployer().remove(session, '/tmp/gipkit-run-1-hello-agent', context())).rejects.toMatchObject({ code: ErrorCode.UnsafeFolder, message: expect.stringContaining('uid 1001') as unknown });
    expect(calls).toEqual([{ kind: 'run', target: 'folder remove' }]);
  });

  it('persistent, on a guest with systemd: installs a unit; without: a daemon with a pid file; never removed', async () => {
    for (const systemd of [true, false]) {
      const { guest, open, bundle } = await simulated({ systemd });
      const session = await open();
      await new LinuxDeployer().deploy(session, bundle, 'persistent', context());
      expect(guest.listing().includes('/etc/systemd/system/gipkit-hello-agent.service')).toBe(systemd);
      expect(guest.listing().includes('/opt/gipkit/hello-agent/gipkit-service.pid')).toBe(!systemd);
      expect([...guest.services.keys()]).toEqual(systemd ? ['gipkit-hello-agent'] : []);
      expect(guest.processList()).toHaveLength(1);
    }
  });

  it('persistent, same version but unhealthy (stopped since): reinstalls and starts it', async () => {
    const { guest, open, bundle } = await simulated({ systemd: false });
    await new LinuxDeployer().deploy(await open(), bundle, 'persistent', context('run-1'));
    guest.processes.clear();
    const again = context('run-2');
    expect(await new LinuxDeployer().deploy(await open(), bundle, 'persistent', again)).toMatchObject({ reused: false });
    expect(again.steps).toEqual(['health', 'upload', 'install', 'start', 'health']);
    expect(guest.processList()).toHaveLength(1);
  });

  it('linuxDeployerPlugin registers one deployer for linux guests and checks its options when made', () => {
    const added: GuestDeployer[] = [];
    linuxDeployerPlugin({ tempRoot: '/var/tmp' }).setup({ addDeployer: (deployer: GuestDeployer) => void added.push(deployer) } as unknown as PluginRegistry);
    expect(added.map((deployer) => deployer.family)).toEqual(['linux']);
    expect(() => linuxDeployerPlugin({ tempRoot: 'tmp' })).toThrow(expect.objectContaining({ code: ErrorCode.PluginInvalid }) as unknown as Error);
    expect(() => linuxDeployerPlugin({ healthAttempts: 0 })).toThrow(expect.objectContaining({ code: ErrorCode.PluginInvalid }) as unknown as Error);
  });
});
