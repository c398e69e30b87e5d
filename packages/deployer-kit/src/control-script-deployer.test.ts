import { describe, expect, it } from 'vitest';
import { contentsBytes, ErrorCode, type CommandResult, type ComponentBundle, type DeployContext, type GuestSession } from '@gipkit/plugin-api';
import { ControlScriptDeployer, type ControlScriptFamily } from './control-script-deployer.js';
import { checkHealthOptions } from './deployer-options.js';

/** A made-up family, so that the flow is seen apart from the real ones. */
const TOY: ControlScriptFamily = {
  family: 'linux',
  scriptName: 'control',
  newline: '\n',
  join: (folder, relative) => `${folder}:${relative}`,
  command: (script, verb) => ['run', script, verb],
  script: (spec) => new TextEncoder().encode(`script for ${spec.name} ${spec.version} in ${spec.folder}, ${spec.healthAttempts} x ${spec.healthIntervalSeconds}s`),
  folderCommand: (request) => ['folder', request.verb, request.folder],
  createsFolderByUpload: true,
};
const FOLDER = 'tmp:gipkit-run-1-hello-agent-0123456789abcdef0123456789abcdef';
const TIMEOUTS = { connect: 1_000, upload: 1_001, install: 1_002, start: 1_003, health: 1_004, remove: 1_005 };
const BUNDLE: ComponentBundle = {
  name: 'hello-agent', version: '2.0.0',
  files: [{ path: 'bin/agent', contents: new Uint8Array([1]), executable: true }],
  start: { linux: ['bin/agent'] }, health: { linux: ['bin/agent', '--health'] },
};

const deployer = (family: ControlScriptFamily = TOY): ControlScriptDeployer =>
  new ControlScriptDeployer(family, { tempRoot: 'tmp', installRoot: 'opt', ...checkHealthOptions('@acme/toy', { healthAttempts: 2.5 }) });

function context(): DeployContext & { steps: string[] } {
  const steps: string[] = [];
  return { runId: 'run:1', location: FOLDER, signal: new AbortController().signal, timeouts: TIMEOUTS, step: (step) => void steps.push(step), steps };
}

/** A session that answers every command from `answer` and records every call with its timeout and mode. */
function scripted(answer: (command: readonly string[]) => CommandResult) {
  const calls: string[] = [];
  const session: GuestSession = {
    vm: 'vm-1', proxy: 'proxy-1', method: 'lan',
    run: async (command, options) => (calls.push(`run ${command.join(' ')} (${options.timeoutMs})`), answer(command)),
    upload: async (contents, path, options) =>
      void calls.push(`upload ${path} (${options.timeoutMs}${'mode' in options ? `, ${options.mode?.toString(8)}` : ''}): ${new TextDecoder().decode(await contentsBytes(contents, options.signal))}`),
    remove: async (path, options) => void calls.push(`remove ${path} (${options.timeoutMs})`),
    close: async () => undefined,
  };
  return { session, calls };
}
const exit = (exitCode: number, stdout = '', stderr = ''): CommandResult => ({ exitCode, stdout, stderr, truncated: false });

describe('ControlScriptDeployer', () => {
  it('locates components with the family\'s join: per run under tempRoot, per bundle under installRoot', () => {
    expect(deployer().locate(BUNDLE, 'non-persistent', 'run:1')).toMatch(/^tmp:gipkit-run-1-hello-agent-[0-9a-f]{32}$/);
    expect(deployer().locate(BUNDLE, 'non-persistent', 'run:1')).not.toBe(deployer().locate(BUNDLE, 'non-persistent', 'run:1'));
    expect(deployer().locate(BUNDLE, 'persistent', 'run:1')).toBe('opt:hello-agent');
    expect(() => deployer().locate({ ...BUNDLE, name: '../x' }, 'persistent', 'run:1')).toThrow(expect.objectContaining({ code: ErrorCode.BundleInvalid }) as unknown as Error);
  });

  it('hardening 1: non-persistent: the marker (the session makes the folder), the folder script verifies and empties it, then the files, the script, VERSION last, start and health', async () => {
    const { session, calls } = scripted(() => exit(0));
    const ctx = context();
    await expect(deployer().deploy(session, BUNDLE, 'non-persistent', ctx)).resolves.toEqual({
      mode: 'non-persistent', location: FOLDER, version: '2.0.0', reused: false,
    });
    const folder = FOLDER;
    expect(calls.map((call) => call.replace(/"owner":\{[^}]*\}/, '"owner":…'))).toEqual([
      `upload ${folder}:gipkit-service.run (1001): {"gipkit":"marker/1","runId":"run:1","bundle":"hello-agent","version":"2.0.0","mode":"non-persistent","owner":…}\n`,
      `run folder prepare ${folder} (1001)`,
      `run folder stale tmp (1001)`,
      `upload ${folder}:bin/agent (1001): \u0001`,
      `upload ${folder}:control (1001): script for hello-agent 2.0.0 in ${folder}, 3 x 1s`,
      `upload ${folder}:VERSION (1001): 2.0.0\n`,
      `run run ${folder}:control start (1003)`,
      `run run ${folder}:control health (1004)`,
    ]);
    expect(ctx.steps).toEqual(['upload', 'start', 'health']);
  });

  it('passes the family\'s upload mode: executables and the script one mode, other files another', async () => {
    const { session, calls } = scripted(() => exit(0));
    await deployer({ ...TOY, uploadMode: (executable) => (executable ? 0o700 : 0o600) }).deploy(session, BUNDLE, 'non-persistent', context());
    expect(calls.filter((call) => call.startsWith('upload')).map((call) => call.slice(0, call.indexOf(')') + 1))).toEqual([
      `upload ${FOLDER}:gipkit-service.run (1001, 600)`,
      `upload ${FOLDER}:bin/agent (1001, 700)`,
      `upload ${FOLDER}:control (1001, 700)`,
      `upload ${FOLDER}:VERSION (1001, 600)`,
    ]);
  });

  it('persistent: the same version, healthy, is reused without an upload; otherwise it is replaced and installed', async () => {
    const same = scripted((command) => (command.at(-1) === 'version' ? exit(0, '2.0.0\n') : exit(0)));
    await expect(deployer().deploy(same.session, BUNDLE, 'persistent', { ...context(), location: 'opt:hello-agent' })).resolves.toMatchObject({ reused: true });
    expect(same.calls).toEqual(['run folder check opt:hello-agent (1002)', 'run run opt:hello-agent:control version (1002)', 'run run opt:hello-agent:control health (1004)']);

    const older = scripted((command) => (command.at(-1) === 'version' ? exit(0, '1.0.0\n') : exit(0)));
    const ctx = context();
    const persistent = Object.assign(ctx, { location: 'opt:hello-agent' });
    await expect(deployer().deploy(older.session, BUNDLE, 'persistent', persistent)).resolves.toMatchObject({ reused: false });
    expect(older.calls.filter((call) => call.startsWith('run')).map((call) => (call.startsWith('run folder') ? call.split(' ')[2] : call.split(' ')[3]))).toEqual(['check', 'version', 'prepare', 'install', 'start', 'health']);
    expect(ctx.steps).toEqual(['upload', 'install', 'start', 'health']);
  });

  it('hardening 1: a folder the guest refuses (exit 3) is GIPKIT_DEPLOY_UNSAFE_FOLDER, and nothing runs from it', async () => {
    const { session, calls } = scripted((command) => (command[0] === 'folder' ? exit(3, '', `${FOLDER} belongs to uid 1001`) : exit(0)));
    await expect(deployer().deploy(session, BUNDLE, 'non-persistent', context())).rejects.toMatchObject({ code: ErrorCode.UnsafeFolder, message: expect.stringContaining('uid 1001') as unknown });
    expect(calls.filter((call) => call.startsWith('run run'))).toEqual([]);
  });

  it('a failing step names the VM, the step and the exit code, with the end of the output', async () => {
    const { session } = scripted((command) => (command.at(-1) === 'start' ? exit(2, 'out', 'line 1\nline 2') : exit(0)));
    await expect(deployer().deploy(session, BUNDLE, 'non-persistent', context())).rejects.toMatchObject({
      code: ErrorCode.DeployFailed,
      message: `vm-1: starting hello-agent 2.0.0 at ${FOLDER} failed with exit code 2:\nline 1\nline 2`,
    });
    const sick = scripted((command) => (command.at(-1) === 'health' ? exit(1, 'no heartbeat') : exit(0)));
    await expect(deployer().deploy(sick.session, BUNDLE, 'non-persistent', context())).rejects.toMatchObject({
      code: ErrorCode.HealthCheckFailed, message: expect.stringMatching(/health check of hello-agent .* exit code 1:\nno heartbeat$/) as unknown,
    });
  });

  it('remove: the folder script verifies, stops and removes; its exit 1 (cannot stop) fails; a location outside tempRoot is refused', async () => {
    const failing = scripted(() => exit(1));
    await expect(deployer().remove(failing.session, FOLDER, context())).rejects.toMatchObject({ code: ErrorCode.DeployFailed });
    expect(failing.calls).toEqual([`run folder remove ${FOLDER} (1005)`]);
    const fine = scripted(() => exit(0));
    await deployer().remove(fine.session, FOLDER, context());
    expect(fine.calls).toEqual([`run folder remove ${FOLDER} (1005)`]);
    await expect(deployer().remove(fine.session, 'opt:hello-agent', context())).rejects.toMatchObject({ code: ErrorCode.UnsafeFolder });
  });
});
