import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { linuxControlScript, type LinuxControlScriptSpec } from './linux-control-script.js';
import { killGroupsUnder, processGroupsUnder, runHere } from './local-session.fixture.js';

const HELLO_AGENT = fileURLToPath(new URL('../../../examples/bundles/hello-agent/', import.meta.url));
const roots: string[] = [];

/** A component folder with hello-agent's files, VERSION and its generated control script, as the deployer leaves it. */
async function component(overrides: Partial<LinuxControlScriptSpec> = {}, folderName = 'hello-agent'): Promise<{ folder: string; control: (verb: string) => ReturnType<typeof runHere> }> {
  const root = await mkdtemp(join(tmpdir(), 'gipkit-control-script-'));
  roots.push(root);
  const folder = join(root, folderName);
  await mkdir(folder);
  for (const file of ['agent.sh', 'health.sh']) await copyFile(join(HELLO_AGENT, file), join(folder, file));
  await writeFile(join(folder, 'VERSION'), '1.0.0\n');
  const spec: LinuxControlScriptSpec = {
    name: 'hello-agent',
    version: '1.0.0',
    mode: 'non-persistent',
    folder,
    start: ['/bin/sh', 'agent.sh'],
    health: ['/bin/sh', 'health.sh'],
    serviceManager: 'daemon',
    healthAttempts: 10,
    healthIntervalSeconds: 0.2,
    ...overrides,
  };
  const script = join(folder, 'gipkit-service.sh');
  await writeFile(script, linuxControlScript(spec), { mode: 0o755 });
  return { folder, control: (verb) => runHere(['/bin/sh', script, verb]) };
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

afterEach(async () => {
  for (const root of roots.splice(0)) {
    await killGroupsUnder(root);
    await rm(root, { recursive: true, force: true });
  }
});

describe('the Linux control script, run for real with /bin/sh', () => {
  it('is valid POSIX sh (sh -n)', async () => {
    const { folder } = await component();
    expect(await runHere(['/bin/sh', '-n', join(folder, 'gipkit-service.sh')])).toMatchObject({ exitCode: 0, stderr: '' });
  });

  it('start runs the component in the background from its folder; health passes; stop ends it and what it started', async () => {
    const { folder, control } = await component();
    const started = await control('start');
    expect(started.exitCode).toBe(0);
    const pid = Number((await readFile(join(folder, 'gipkit-service.pid'), 'utf8')).trim());
    expect(alive(pid)).toBe(true);
    expect(await control('health')).toMatchObject({ exitCode: 0 });
    expect(await processGroupsUnder(folder)).toEqual([`${pid} /bin/sh agent.sh`]);

    expect(await control('status')).toMatchObject({ exitCode: 0, stdout: 'running\n' });
    expect(await control('start')).toMatchObject({ exitCode: 0, stdout: 'already running\n' });
    expect(existsSync(join(folder, 'heartbeat'))).toBe(true);

    expect(await control('stop')).toMatchObject({ exitCode: 0 });
    expect(await processGroupsUnder(folder)).toEqual([]);
    expect(existsSync(join(folder, 'gipkit-service.pid'))).toBe(false);
    expect(await control('status')).toMatchObject({ exitCode: 3 });
    expect(await control('stop')).toMatchObject({ exitCode: 0 });
  });

  it('health exits 3 with the end of the log when the component is not running', async () => {
    const { control } = await component({ healthAttempts: 2 });
    const health = await control('health');
    expect(health.exitCode).toBe(3);
    expect(health.stderr).toContain('component not running');
  });

  it('health returns the health command\'s exit code and output once its attempts are used up', async () => {
    const { control } = await component({ health: ['/bin/sh', '-c', 'echo "sick: $(pwd)" >&2; exit 4'], healthAttempts: 2 });
    await control('start');
    const health = await control('health');
    expect(health.exitCode).toBe(4);
    expect(health.stderr).toMatch(/sick: .*hello-agent/);
    await control('stop');
  });

  it('a start command that cannot run: start exits 0, health exits 3 and shows why', async () => {
    const { control } = await component({ start: ['./no-such-agent'], healthAttempts: 2 });
    expect((await control('start')).exitCode).toBe(0);
    const health = await control('health');
    expect(health.exitCode).toBe(3);
    expect(health.stderr).toContain('no-such-agent');
  });

  it('quotes folders and arguments: spaces, quotes, $ and backquotes are taken literally', async () => {
    const word = "a 'b' \"c\" $HOME `id` \\";
    const { folder, control } = await component({ health: ['/bin/sh', '-c', 'printf %s "$0" >argument && exec /bin/sh health.sh', word] }, "it's a $folder");
    expect((await control('start')).exitCode).toBe(0);
    expect(await control('health')).toMatchObject({ exitCode: 0 });
    expect(await readFile(join(folder, 'argument'), 'utf8')).toBe(word);
    expect(await processGroupsUnder(folder)).toHaveLength(1);
    expect((await control('stop')).exitCode).toBe(0);
    expect(await processGroupsUnder(folder)).toEqual([]);
  });

  it('version prints the VERSION file; a missing one fails', async () => {
    const { folder, control } = await component();
    expect(await control('version')).toMatchObject({ exitCode: 0, stdout: '1.0.0\n' });
    await rm(join(folder, 'VERSION'));
    expect((await control('version')).exitCode).not.toBe(0);
  });

  it('install with serviceManager daemon records daemon; start, health and uninstall work on it', async () => {
    const { folder, control } = await component({ mode: 'persistent', serviceManager: 'daemon' });
    expect(await control('install')).toMatchObject({ exitCode: 0, stdout: 'installed as daemon\n' });
    expect(await readFile(join(folder, 'gipkit-service.mode'), 'utf8')).toBe('daemon\n');
    expect((await control('start')).exitCode).toBe(0);
    expect((await control('health')).exitCode).toBe(0);
    expect((await control('uninstall')).exitCode).toBe(0);
    expect(await processGroupsUnder(folder)).toEqual([]);
    expect(existsSync(join(folder, 'gipkit-service.mode'))).toBe(false);
  });

  it.skipIf(process.getuid?.() === 0 && existsSync('/run/systemd/system'))('install in auto mode without systemd (or not as root) picks a daemon', async () => {
    const { control } = await component({ mode: 'persistent', serviceManager: 'auto' });
    expect(await control('install')).toMatchObject({ exitCode: 0, stdout: 'installed as daemon\n' });
  });

  it('writes a systemd unit that runs the script\'s run verb from the folder', async () => {
    const script = linuxControlScript({
      name: 'hello-agent', version: '1.0.0', mode: 'persistent', folder: '/opt/gip kit/hello-agent', start: ['./agent'], health: ['./health'],
      serviceManager: 'systemd', healthAttempts: 5, healthIntervalSeconds: 1,
    });
    expect(script).toContain('ExecStart=/bin/sh "/opt/gip kit/hello-agent/gipkit-service.sh" run');
    expect(script).toContain("UNIT='gipkit-hello-agent.service'");
  });

  it('an unknown verb exits 2 with the usage', async () => {
    const { control } = await component();
    expect(await control('restart')).toMatchObject({ exitCode: 2, stderr: expect.stringContaining('usage') as unknown });
  });
});
