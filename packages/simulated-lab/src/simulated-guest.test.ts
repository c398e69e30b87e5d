import { describe, expect, it } from 'vitest';
import { SimulatedGuest } from './simulated-guest.js';

const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);

/** Only the header of a control script: all the simulated guest reads (docs/reference/deployers.md). */
function controlScript(folder: string, options: { mode?: string; family?: string; start?: readonly string[]; serviceManager?: string } = {}): Uint8Array {
  return bytes([
    '#!/bin/sh',
    '# gipkit-control-script v1',
    `# gipkit-family: ${options.family ?? 'linux'}`,
    '# gipkit-name: hello-agent',
    `# gipkit-mode: ${options.mode ?? 'non-persistent'}`,
    `# gipkit-folder: ${folder}`,
    `# gipkit-service-manager: ${options.serviceManager ?? 'auto'}`,
    `# gipkit-start: ${JSON.stringify(options.start ?? ['/bin/sh', 'agent.sh'])}`,
    '# gipkit-health: ["/bin/sh","health.sh"]',
    'echo the body is never run by the simulation',
  ].join('\n'));
}

function linuxGuest(folder = '/tmp/gipkit-r1-hello-agent', options: Parameters<typeof controlScript>[1] = {}, guestOptions: ConstructorParameters<typeof SimulatedGuest>[2] = {}) {
  const guest = new SimulatedGuest('web-1', 'linux', guestOptions);
  guest.files.set(`${folder}/agent.sh`, bytes('agent'));
  guest.files.set(`${folder}/gipkit-service.sh`, controlScript(folder, options));
  guest.files.set(`${folder}/VERSION`, bytes('1.0.0\n'));
  const control = (verb: string) => guest.run(['/bin/sh', `${folder}/gipkit-service.sh`, verb]);
  return { guest, control, folder };
}

describe('SimulatedGuest: the control-script protocol', () => {
  it('start runs the component (a pid file in its folder), status and health see it, stop ends it', () => {
    const { guest, control, folder } = linuxGuest();
    expect(control('status').exitCode).toBe(3);
    expect(control('health').exitCode).toBe(3);
    expect(control('start').exitCode).toBe(0);
    expect(guest.processList()).toEqual([`1000 /bin/sh agent.sh (in ${folder})`]);
    expect(guest.listing()).toContain(`${folder}/gipkit-service.pid`);
    expect(control('start').stdout).toBe('already running\n');
    expect(control('status').exitCode).toBe(0);
    expect(control('health').exitCode).toBe(0);
    expect(control('stop').exitCode).toBe(0);
    expect(guest.processList()).toEqual([]);
    expect(guest.listing()).not.toContain(`${folder}/gipkit-service.pid`);
    expect(control('stop').exitCode).toBe(0);
  });

  it('removing a folder does not stop what runs from it (as on a real guest): stop first', () => {
    const { guest, control, folder } = linuxGuest();
    control('start');
    guest.remove(folder);
    expect(guest.listing()).toEqual([]);
    expect(guest.processList()).toHaveLength(1);
  });

  it('failHealth: health exits 1 while the component runs', () => {
    const { guest, control } = linuxGuest();
    control('start');
    guest.failHealth = true;
    expect(control('health')).toMatchObject({ exitCode: 1, stderr: expect.stringContaining('simulated fault') as unknown });
    expect(new SimulatedGuest('x', 'linux', { failHealth: true }).failHealth).toBe(true);
  });

  it('a start program given by a relative path that is not in the folder dies at once: health exits 3', () => {
    const { guest, control } = linuxGuest(undefined, { start: ['./no-such-agent'] });
    expect(control('start').exitCode).toBe(0);
    expect(guest.processList()).toEqual([]);
    expect(control('health').exitCode).toBe(3);
  });

  it('install (persistent): a systemd unit when the guest has systemd, else a daemon; uninstall undoes it', () => {
    const withSystemd = linuxGuest('/opt/gipkit/hello-agent', { mode: 'persistent' });
    expect(withSystemd.control('install').stdout).toBe('installed as systemd\n');
    expect(withSystemd.guest.listing()).toContain('/etc/systemd/system/gipkit-hello-agent.service');
    withSystemd.control('start');
    expect(withSystemd.guest.processList()).toEqual(['1000 /bin/sh agent.sh (in /opt/gipkit/hello-agent, service gipkit-hello-agent)']);
    expect(withSystemd.control('uninstall').exitCode).toBe(0);
    expect(withSystemd.guest.services.size).toBe(0);
    expect(withSystemd.guest.processList()).toEqual([]);

    const without = linuxGuest('/opt/gipkit/hello-agent', { mode: 'persistent' }, { systemd: false });
    expect(without.control('install').stdout).toBe('installed as daemon\n');
    expect(without.guest.services.size).toBe(0);
    const forced = linuxGuest('/opt/gipkit/hello-agent', { mode: 'persistent', serviceManager: 'systemd' }, { systemd: false });
    expect(forced.control('install').exitCode).toBe(1);
    expect(linuxGuest().control('install').exitCode).toBe(2);
  });

  it('version prints the VERSION file of the folder; unknown verbs exit 2', () => {
    const { guest, control, folder } = linuxGuest();
    expect(control('version')).toMatchObject({ exitCode: 0, stdout: '1.0.0\n' });
    guest.files.delete(`${folder}/VERSION`);
    expect(control('version').exitCode).toBe(1);
    expect(control('restart').exitCode).toBe(2);
  });

  it('a missing script, or a file without the header, is not a control script: the shell is just an unknown command', () => {
    const { guest } = linuxGuest();
    guest.files.set('/tmp/other.sh', bytes('#!/bin/sh\necho hello\n'));
    expect(guest.run(['/bin/sh', '/tmp/other.sh', 'start']).exitCode).toBe(127);
    expect(guest.run(['/bin/sh', '/tmp/missing/gipkit-service.sh', 'stop']).exitCode).toBe(127);
    guest.commands.set('/bin/sh', () => ({ exitCode: 0, stdout: 'custom', stderr: '', truncated: false }));
    expect(guest.run(['/bin/sh', '-c', 'true']).stdout).toBe('custom');
  });

  it('Windows: powershell.exe -File <script> <verb>, backslash paths, a BOM and CRLF; install makes a Windows service', () => {
    const guest = new SimulatedGuest('sql-1', 'windows');
    const folder = 'C:\\Program Files\\gipkit\\hello-agent';
    const header = new TextDecoder().decode(controlScript(folder, { family: 'windows', mode: 'persistent', start: ['powershell.exe', '-File', 'agent.ps1'] }));
    guest.files.set(`${folder}\\gipkit-service.ps1`, bytes(`\uFEFF${header.split('\n').slice(1).join('\r\n')}`));
    guest.files.set(`${folder}\\VERSION`, bytes('1.0.0\r\n'));
    const control = (verb: string) => guest.run(['powershell.exe', '-NoProfile', '-File', `${folder}\\gipkit-service.ps1`, verb]);
    expect(control('install').stdout).toBe('installed as windows-service gipkit-hello-agent\n');
    expect(control('start').exitCode).toBe(0);
    expect(control('health').exitCode).toBe(0);
    expect(guest.processList()).toEqual([`1000 powershell.exe -File agent.ps1 (in ${folder}, service gipkit-hello-agent)`]);
    expect(control('stop').exitCode).toBe(0);
    guest.remove(folder);
    expect(guest.listing()).toEqual([]);
  });

  it('the plain commands (start, stop, running, cat) and remove keep working as before', () => {
    const guest = new SimulatedGuest('web-1', 'linux');
    guest.files.set('/tmp/a/agent', bytes('x'));
    expect(guest.run(['start', '/tmp/a/agent']).exitCode).toBe(0);
    expect(guest.run(['running', '/tmp/a/agent']).stdout).toBe('running');
    expect(guest.processList()).toEqual(['/tmp/a/agent']);
    expect(guest.run(['cat', '/tmp/a/agent']).stdout).toBe('x');
    guest.remove('/tmp/a');
    expect(guest.running.size).toBe(0);
    expect(guest.listing()).toEqual([]);
  });

  it('reads an encoded folder script\'s metadata, short or running past the first part it decodes', () => {
    const guest = new SimulatedGuest('sql-1', 'windows');
    const encode = (script: string): string[] => ['powershell.exe', '-NoProfile', '-EncodedCommand', Buffer.from(script, 'utf16le').toString('base64')];
    const script = (folder: string): string => `# gipkit-folder-script v1\r\n# gipkit-verb: check\r\n# gipkit-folder: ${folder}\r\n$ErrorActionPreference = 'Stop'\r\n${'# body\r\n'.repeat(400)}`;
    expect(guest.folderScriptOf(encode(script('C:\\Temp\\gipkit-a')))).toEqual(new Map([['verb', 'check'], ['folder', 'C:\\Temp\\gipkit-a']]));
    const long = `C:\\Temp\\${'d'.repeat(3000)}`;
    expect(guest.folderScriptOf(encode(script(long)))?.get('folder')).toBe(long);
    expect(guest.folderScriptOf(encode(`not a folder script\n${'x'.repeat(5000)}`))).toBeUndefined();
  });
});

