import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  contentsBytes, ErrorCode,
  type CommandResult, type ComponentBundle, type ConnectRequest, type DeployContext, type GuestDeployer, type GuestSession, type PluginRegistry,
} from '@gipkit/plugin-api';
import { loadBundle, SimulatedConnector, SimulatedGuest } from '@gipkit/testkit';
import { describeDeployer } from '@gipkit/testkit/conformance';
import { windowsControlScript } from './windows-control-script.js';
import { WindowsDeployer } from './windows-deployer.js';
import { windowsDeployerPlugin } from './windows-deployer-plugin.js';

const HELLO_AGENT = fileURLToPath(new URL('../../../examples/bundles/hello-agent/', import.meta.url));
const TIMEOUTS = { connect: 1_000, upload: 1_001, install: 1_002, start: 1_003, health: 1_004, remove: 1_005 };
const POWERSHELL = ['powershell.exe', '-NoProfile', '-NonInteractive', '-ExecutionPolicy', 'Bypass', '-File'];
const request: ConnectRequest = { vm: 'sql-1', proxy: 'proxy-1', host: 'hv-1', platform: 'hyperv', family: 'windows', addresses: ['10.0.0.7'], account: 'CORP\\backup' };

async function simulated() {
  const guest = new SimulatedGuest('sql-1', 'windows');
  const connector = new SimulatedConnector({ platform: 'hyperv', method: 'powershell-direct', guests: new Map([['sql-1', guest]]) });
  const open = (): Promise<GuestSession> => connector.connect(request, { timeoutMs: 1_000, signal: new AbortController().signal });
  return { guest, open, bundle: await loadBundle(HELLO_AGENT) };
}

const context = (runId = 'run-1'): DeployContext => ({ runId, signal: new AbortController().signal, timeouts: TIMEOUTS, step: () => undefined });

function scripted(answer: (command: readonly string[]) => CommandResult) {
  const calls: { kind: string; target: string; contents?: string }[] = [];
  const session: GuestSession = {
    vm: 'sql-1', proxy: 'proxy-1', method: 'lan',
    // A folder script (-EncodedCommand) is recorded as `folder <verb>`.
    run: async (command) => {
      const encoded = command.at(-2) === '-EncodedCommand' ? Buffer.from(command.at(-1) ?? '', 'base64').toString('utf16le') : undefined;
      calls.push({ kind: 'run', target: encoded === undefined ? command.join(' ') : `folder ${/# gipkit-verb: (\w+)/.exec(encoded)?.[1] ?? ''}` });
      return answer(command);
    },
    upload: async (contents, path, options) => void calls.push({ kind: 'upload', target: path, contents: new TextDecoder('utf-8', { ignoreBOM: true }).decode(await contentsBytes(contents, options.signal)) }),
    remove: async (path) => void calls.push({ kind: 'remove', target: path }),
    close: async () => undefined,
  };
  return { session, calls };
}
const exit = (exitCode: number, stderr = ''): CommandResult => ({ exitCode, stdout: '', stderr, truncated: false });

describeDeployer('WindowsDeployer on a simulated guest', async () => {
  const { guest, open, bundle } = await simulated();
  return {
    deployer: new WindowsDeployer(),
    open,
    bundle,
    listing: async () => guest.listing(),
    processes: async () => guest.processList(),
    failHealth: async () => void (guest.failHealth = true),
  };
});

describe('WindowsDeployer', () => {
  it('locates non-persistent folders per run under C:\\Windows\\Temp and persistent ones under C:\\Program Files\\gipkit', () => {
    const bundle = { name: 'hello-agent' } as ComponentBundle;
    expect(new WindowsDeployer().locate(bundle, 'non-persistent', 'run-7')).toMatch(/^C:\\Windows\\Temp\\gipkit-run-7-hello-agent-[0-9a-f]{32}$/);
    expect(new WindowsDeployer().locate(bundle, 'persistent', 'run-7')).toBe('C:\\Program Files\\gipkit\\hello-agent');
    const custom = new WindowsDeployer({ tempRoot: 'D:\\', installRoot: 'D:\\Agents\\' });
    expect(custom.locate(bundle, 'non-persistent', 'job:1')).toMatch(/^D:\\gipkit-job-1-hello-agent-[0-9a-f]{32}$/);
    expect(custom.locate(bundle, 'persistent', 'x')).toBe('D:\\Agents\\hello-agent');
  });

  it('runs the control script with powershell.exe -File, uploads with backslash paths (not the files for Linux guests), the script then VERSION last', async () => {
    const { session, calls } = scripted(() => exit(0));
    const { bundle } = await simulated();
    const folder = new WindowsDeployer().locate(bundle, 'non-persistent', 'run-1');
    await new WindowsDeployer().deploy(session, bundle, 'non-persistent', { ...context(), location: folder });
    const control = (verb: string): string => [...POWERSHELL, `${folder}\\gipkit-service.ps1`, verb].join(' ');
    expect(calls.map(({ kind, target }) => ({ kind, target }))).toEqual([
      { kind: 'run', target: 'folder prepare' },
      { kind: 'upload', target: `${folder}\\gipkit-service.run` },
      { kind: 'run', target: 'folder stale' },
      { kind: 'upload', target: `${folder}\\agent.ps1` },
      { kind: 'upload', target: `${folder}\\health.ps1` },
      { kind: 'upload', target: `${folder}\\gipkit-service.ps1` },
      { kind: 'upload', target: `${folder}\\VERSION` },
      { kind: 'run', target: control('start') },
      { kind: 'run', target: control('health') },
    ]);
  });

  it('writes the control script in UTF-8 with a byte order mark and CRLF line ends (Windows PowerShell 5.1 reads it right)', async () => {
    const { session, calls } = scripted(() => exit(0));
    const { bundle } = await simulated();
    await new WindowsDeployer().deploy(session, bundle, 'non-persistent', context());
    const script = calls.find((call) => call.target.endsWith('gipkit-service.ps1'))?.contents ?? '';
    expect(script.startsWith('\uFEFF# gipkit-control-script v1\r\n# gipkit-family: windows\r\n')).toBe(true);
    expect(script.replaceAll('\r\n', '')).not.toContain('\n');
    // The whole script, byte for byte (its unchanging body is encoded once and joined to each component's head).
    const folder = /^# gipkit-folder: (.*)\r$/m.exec(script)?.[1] ?? '';
    const healthAttempts = Number(/^\$HealthAttempts = (\d+)\r$/m.exec(script)?.[1]);
    const healthIntervalSeconds = Number(/^\$HealthIntervalMilliseconds = (\d+)\r$/m.exec(script)?.[1]) / 1000;
    expect(script).toBe(`\uFEFF${windowsControlScript({ name: bundle.name, version: bundle.version, mode: 'non-persistent', folder, start: [...(bundle.start.windows ?? [])], health: [...(bundle.health.windows ?? [])], healthAttempts, healthIntervalSeconds }).replaceAll('\n', '\r\n')}`);
  });

  it('quotes every value of the script for PowerShell: single quotes (also typographic ones) are doubled', () => {
    const script = windowsControlScript({
      name: 'hello-agent', version: '1.0.0', mode: 'persistent', folder: "C:\\O'Brien\u2019s\\gipkit\\hello-agent",
      start: ['agent.exe', "--name=it's"], health: ['agent.exe', '--health'], healthAttempts: 3, healthIntervalSeconds: 0.5,
    });
    expect(script).toContain("$Folder = 'C:\\O''Brien\u2019\u2019s\\gipkit\\hello-agent'");
    expect(script).toContain("$StartCommand = @('agent.exe', '--name=it''s')");
    expect(script).toContain("$ServiceName = 'gipkit-hello-agent'");
    expect(script).toContain('$HealthIntervalMilliseconds = 500');
    expect(script).toContain('New-Service -Name $ServiceName -BinaryPathName $binaryPath');
    expect(script).toContain('# gipkit-start: ["agent.exe","--name=it\'s"]');
  });

  it('a failing health check: GIPKIT_DEPLOY_HEALTH with the exit code and the end of stderr', async () => {
    const { session } = scripted((command) => (command.at(-1) === 'health' ? exit(1, 'hello-agent: no heartbeat yet') : exit(0)));
    const { bundle } = await simulated();
    await expect(new WindowsDeployer().deploy(session, bundle, 'non-persistent', context())).rejects.toMatchObject({
      code: ErrorCode.HealthCheckFailed,
      message: expect.stringMatching(/exit code 1:\nhello-agent: no heartbeat yet$/) as unknown,
    });
  });

  it('remove: exit 1 from the folder script (the component did not stop) is an error, and the folder stays', async () => {
    const failing = scripted(() => exit(1, 'could not stop process 42'));
    await expect(new WindowsDeployer().remove(failing.session, 'C:\\Windows\\Temp\\gipkit-x', context())).rejects.toMatchObject({ code: ErrorCode.DeployFailed });
    expect(failing.calls).toEqual([{ kind: 'run', target: 'folder remove' }]);
  });

  it('hardening 1: a folder whose ACL allows another identity is refused on the simulated guest: nothing runs from it, nothing is uploaded into it', async () => {
    const { guest, open, bundle } = await simulated();
    const deployer = new WindowsDeployer();
    const location = deployer.locate(bundle, 'non-persistent', 'run-1');
    guest.files.set(`${location}\\gipkit-service.ps1`, new TextEncoder().encode('planted'));
    guest.folders.set(location, { owner: guest.account, othersMayWrite: true });
    await expect(deployer.deploy(await open(), bundle, 'non-persistent', { ...context(), location })).rejects.toMatchObject({ code: ErrorCode.UnsafeFolder });
    expect(guest.listing().filter((path) => path.startsWith(location))).toEqual([`${location}\\gipkit-service.ps1`]);
    await expect(deployer.remove(await open(), location, context())).rejects.toMatchObject({ code: ErrorCode.UnsafeFolder });
    guest.folders.set(location, { owner: 'attacker', othersMayWrite: false });
    await expect(deployer.deploy(await open(), bundle, 'non-persistent', { ...context(), location })).rejects.toMatchObject({ code: ErrorCode.UnsafeFolder });
  });

  it('persistent: installs a Windows service named gipkit-<name> and runs it from there', async () => {
    const { guest, open, bundle } = await simulated();
    const result = await new WindowsDeployer().deploy(await open(), bundle, 'persistent', context());
    expect(result).toEqual({ mode: 'persistent', location: 'C:\\Program Files\\gipkit\\hello-agent', version: '1.0.0', reused: false });
    expect([...guest.services.values()].map(({ name, kind }) => ({ name, kind }))).toEqual([{ name: 'gipkit-hello-agent', kind: 'windows-service' }]);
    expect([...guest.processes.values()].map((process) => process.service)).toEqual(['gipkit-hello-agent']);
  });

  it('windowsDeployerPlugin registers one deployer for windows guests and checks its options when made', () => {
    const added: GuestDeployer[] = [];
    windowsDeployerPlugin().setup({ addDeployer: (deployer: GuestDeployer) => void added.push(deployer) } as unknown as PluginRegistry);
    expect(added.map((deployer) => deployer.family)).toEqual(['windows']);
    expect(() => windowsDeployerPlugin({ tempRoot: '/tmp' })).toThrow(expect.objectContaining({ code: ErrorCode.PluginInvalid }) as unknown as Error);
    expect(() => windowsDeployerPlugin({ installRoot: 'C:/gipkit' })).toThrow(expect.objectContaining({ code: ErrorCode.PluginInvalid }) as unknown as Error);
  });
});
