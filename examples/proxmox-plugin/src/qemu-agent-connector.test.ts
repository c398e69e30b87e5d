import { Buffer } from 'node:buffer';
import { describe, expect, it } from 'vitest';
import { ConnectorError, ErrorCode, type GuestSession } from '@gipkit/plugin-api';
import { describeConnector } from '@gipkit/testkit/conformance';
import { POWERSHELL } from './guest-commands.js';
import { QemuAgentConnector } from './qemu-agent-connector.js';
import { FILE_WRITE_MAX_BYTES } from './qemu-agent-session.js';
import { FILE_WRITE_MAX_CONTENT, QemuGuestAgentError, QemuGuestAgentFailure, type QemuGuestAgentTransport } from './qemu-guest-agent-transport.js';
import { callOptions, guestAgentLab } from './testing/guest-agent-lab.js';

const same = (actual: Uint8Array | undefined, expected: Uint8Array): boolean => actual !== undefined && Buffer.from(actual).equals(Buffer.from(expected));

const VMS = { 'lin-1': 'linux', 'win-1': 'windows', 'no-agent': 'linux', 'hung': 'linux' } as const;

function rig(options: { readonly latencyMs?: number; readonly runningPolls?: number } = {}) {
  const lab = guestAgentLab(VMS, options);
  lab.faults.set('no-agent', [{ kind: 'agent-not-running' }]);
  lab.faults.set('hung', [{ kind: 'hang' }]);
  const connector = new QemuAgentConnector({ transport: lab.agent, pollIntervalMs: 5 });
  return { ...lab, connector };
}

for (const [family, vm, scratchPath] of [
  ['linux', 'lin-1', '/tmp/gipkit-conformance/nested/scratch.txt'],
  ['windows', 'win-1', 'C:\\Windows\\Temp\\gipkit-conformance\\nested\\scratch.txt'],
] as const) {
  describeConnector(`qemu-agent (${family} guest, simulated Proxmox VE API)`, async () => {
    const { connector, request } = rig({ latencyMs: 1, runningPolls: 2 });
    return { connector, reachable: request(vm), refused: request('no-agent'), hanging: request('hung'), scratchPath };
  });
}

describe('qemu-agent connector', () => {
  const open = async (vm: keyof typeof VMS = 'lin-1', options: Parameters<typeof rig>[0] = {}) => {
    const lab = rig(options);
    const session = await lab.connector.connect(lab.request(vm), callOptions());
    return { ...lab, session, guest: lab.guests.get(vm)! };
  };

  it('connects by finding the VM and asking its agent which commands it allows, and reports the method', async () => {
    const { session, agent } = await open();
    expect([session.vm, session.proxy, session.method]).toEqual(['lin-1', 'gip-1', 'qemu-agent']);
    expect(agent.calls).toEqual(['GET /cluster/resources?type=vm', 'GET /nodes/pve-1/qemu/100/agent/info']);
  });

  it('rule 8: run polls exec-status until the program exited and returns its exit code and output', async () => {
    const { session, guest, agent } = await open('lin-1', { runningPolls: 3 });
    guest.commands.set('greet', () => ({ exitCode: 3, stdout: 'hello', stderr: 'warned', truncated: false }));
    expect(await session.run(['greet'], callOptions())).toEqual({ exitCode: 3, stdout: 'hello', stderr: 'warned', truncated: false });
    expect(agent.calls.filter((call) => call.includes('exec-status'))).toHaveLength(4);
  });

  it('rule 8: a program the agent cannot start is exit code 127, not a rejection', async () => {
    const { session } = await open();
    const result = await session.run(['gipkit-no-such-command'], callOptions());
    expect(result).toMatchObject({ exitCode: 127, stdout: '' });
    expect(result.stderr).toContain('Failed to execute child process');
  });

  it(`upload writes a file of up to ${FILE_WRITE_MAX_BYTES} bytes in one file-write call of base64 content`, async () => {
    const { session, guest, agent } = await open();
    const contents = new Uint8Array(FILE_WRITE_MAX_BYTES).map((_, index) => index % 251);
    await session.upload(contents, '/tmp/one/file.bin', callOptions());
    expect(same(guest.files.get('/tmp/one/file.bin'), contents)).toBe(true);
    expect(agent.calls.filter((call) => call.endsWith('file-write'))).toHaveLength(1);
  });

  it('upload writes a larger file in parts of at most 60 KiB of content each, joins them in the guest, and leaves no part behind', async () => {
    const { session, guest, agent } = await open('lin-1');
    const contents = new Uint8Array(150_000).map((_, index) => (index * 7) % 256);
    await session.upload(contents, '/tmp/big/file.bin', callOptions());
    expect(same(guest.files.get('/tmp/big/file.bin'), contents)).toBe(true);
    expect(agent.calls.filter((call) => call.endsWith('file-write'))).toHaveLength(Math.ceil(150_000 / FILE_WRITE_MAX_BYTES));
    expect(guest.listing()).toEqual(['/tmp/big/file.bin']);
    expect(Math.ceil(FILE_WRITE_MAX_BYTES / 3) * 4).toBeLessThanOrEqual(FILE_WRITE_MAX_CONTENT);
  });

  it('the same on a Windows guest, with the PowerShell join', async () => {
    const { session, guest } = await open('win-1');
    const contents = new Uint8Array(100_000).map((_, index) => index % 13);
    await session.upload(contents, 'C:\\Windows\\Temp\\big\\file.bin', callOptions());
    expect(same(guest.files.get('C:\\Windows\\Temp\\big\\file.bin'), contents)).toBe(true);
    expect(guest.listing()).toEqual(['C:\\Windows\\Temp\\big\\file.bin']);
  });

  it('rule 16: upload creates the missing parent folders first (mkdir -p), once per folder', async () => {
    const { session, agent } = await open();
    await session.upload(new TextEncoder().encode('a'), '/opt/acme/deep/a.txt', callOptions());
    await session.upload(new TextEncoder().encode('b'), '/opt/acme/deep/b.txt', callOptions());
    expect(agent.calls.filter((call) => call.endsWith('/agent/exec'))).toHaveLength(1);
    expect((await agent.fileRead({ node: 'pve-1', vmid: 100 }, '/opt/acme/deep/b.txt', new AbortController().signal)).content).toBe('b');
  });

  it('upload sets the POSIX mode it is given (chmod), Linux guests', async () => {
    const { session, agent } = await open();
    await session.upload(new TextEncoder().encode('#!/bin/sh\n'), '/tmp/x/run.sh', { ...callOptions(), mode: 0o755 });
    expect(agent.modes.get('lin-1')?.get('/tmp/x/run.sh')).toBe(0o755);
  });

  it('rule 16: remove deletes a folder recursively (rm -rf) and succeeds for a missing path', async () => {
    const { session, guest } = await open();
    await session.upload(new TextEncoder().encode('a'), '/tmp/tree/a/b.txt', callOptions());
    await session.upload(new TextEncoder().encode('c'), '/tmp/tree/c.txt', callOptions());
    await session.remove('/tmp/tree', callOptions());
    expect(guest.listing()).toEqual([]);
    await expect(session.remove('/tmp/tree', callOptions())).resolves.toBeUndefined();
    // The folder is gone: the next upload into it makes it again.
    await session.upload(new TextEncoder().encode('again'), '/tmp/tree/c.txt', callOptions());
    expect(guest.listing()).toEqual(['/tmp/tree/c.txt']);
  });

  it('remove on a Windows guest runs PowerShell Remove-Item -Recurse -Force on the literal path', async () => {
    const { session, guest, agent } = await open('win-1');
    await session.upload(new TextEncoder().encode('x'), "C:\\Windows\\Temp\\it's here\\x.txt", callOptions());
    await session.remove("C:\\Windows\\Temp\\it's here", callOptions());
    expect(guest.listing()).toEqual([]);
    const removal = agent.commands.at(-1)!.command;
    expect(removal.slice(0, POWERSHELL.length + 1)).toEqual([...POWERSHELL, '-EncodedCommand']);
    const script = Buffer.from(removal.at(-1)!, 'base64').toString('utf16le');
    expect(script).toContain('Remove-Item -LiteralPath $arguments.path -Recurse -Force');
    expect(script).toContain(`'{"path":"C:\\\\Windows\\\\Temp\\\\it''s here"}'`);
  });

  it('refuses a relative path or a file system root, before any call', async () => {
    const { session, agent } = await open();
    const before = agent.calls.length;
    await expect(session.remove('/', callOptions())).rejects.toMatchObject({ code: ErrorCode.ConnectorFailed });
    await expect(session.upload(new Uint8Array(1), 'relative/x', callOptions())).rejects.toMatchObject({ code: ErrorCode.ConnectorFailed });
    expect(agent.calls.length).toBe(before);
  });

  it('rule 6: a call whose API request hangs ends at its timeout', async () => {
    const { session, faults } = await open();
    faults.set('lin-1', [{ kind: 'hang', call: 'exec-status' }]);
    const started = Date.now();
    await expect(session.run(['cat', '/etc/hostname'], callOptions(100))).rejects.toMatchObject({ code: ErrorCode.ConnectionTimedOut });
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('rule 6: a program that outlives its call is killed in the guest (kill -KILL), the call rejects at its timeout', async () => {
    const { session, faults, agent } = await open();
    faults.set('lin-1', [{ kind: 'never-exits' }]);
    await expect(session.run(['cat', '/etc/hostname'], callOptions(100))).rejects.toMatchObject({ code: ErrorCode.ConnectionTimedOut });
    await expect.poll(() => agent.killed('lin-1')).toHaveLength(1);
  });

  it('rule 6: cancelling a running call rejects it at once with GIPKIT_CONNECTOR_ABORTED', async () => {
    const { session, faults } = await open();
    faults.set('lin-1', [{ kind: 'never-exits' }]);
    const cancel = new AbortController();
    const running = session.run(['cat', '/etc/hostname'], callOptions(60_000, cancel.signal));
    setTimeout(() => cancel.abort(), 20);
    await expect(running).rejects.toMatchObject({ code: ErrorCode.ConnectionAborted });
  });

  it('rule 15: when the agent goes away, the pending call and every later call reject with GIPKIT_CONNECTOR_DROPPED', async () => {
    const { session, faults } = await open();
    faults.set('lin-1', [{ kind: 'never-exits' }]);
    const pending = session.run(['cat', '/etc/hostname'], callOptions());
    const alsoPending = session.run(['cat', '/etc/hostname'], callOptions());
    await new Promise((resolve) => setTimeout(resolve, 30));
    faults.set('lin-1', [{ kind: 'agent-not-running' }]);
    await expect(pending).rejects.toMatchObject({ code: ErrorCode.ConnectionDropped });
    await expect(alsoPending).rejects.toMatchObject({ code: ErrorCode.ConnectionDropped });
    faults.delete('lin-1');
    await expect(session.upload(new Uint8Array(1), '/tmp/x', callOptions())).rejects.toMatchObject({ code: ErrorCode.ConnectionDropped });
    await expect(session.close()).resolves.toBeUndefined();
  });

  it('rule 7: close is idempotent, and a closed session rejects every call with GIPKIT_CONNECTOR_DROPPED', async () => {
    const { session } = await open();
    await session.close();
    await session.close();
    await expect(session.run(['cat', '/etc/hostname'], callOptions())).rejects.toMatchObject({ code: ErrorCode.ConnectionDropped });
  });

  describe('rule 4: a failed connection names its cause', () => {
    /** Finds every VM, then fails the agent info call with `error`. */
    const failing = (error: unknown): QemuGuestAgentTransport => {
      const unused = (): Promise<never> => Promise.reject(new Error('not called'));
      return {
        locate: async () => ({ node: 'pve-1', vmid: 100 }),
        info: () => Promise.reject(error),
        exec: unused,
        execStatus: unused,
        fileWrite: unused,
        fileRead: unused,
      };
    };
    const connect = (transport: QemuGuestAgentTransport) =>
      new QemuAgentConnector({ transport }).connect(guestAgentLab(VMS).request('lin-1'), callOptions());

    it.each([
      ['the guest agent is not running', QemuGuestAgentFailure.AgentNotRunning, ErrorCode.ConnectionRefused],
      ['the VM is not running', QemuGuestAgentFailure.VmNotRunning, ErrorCode.ConnectionRefused],
      ['the API cannot be reached', QemuGuestAgentFailure.ApiUnreachable, ErrorCode.ConnectionRefused],
      ['the API token is refused', QemuGuestAgentFailure.Unauthorized, ErrorCode.ConnectionAuthFailed],
      ['the token secret cannot be read', QemuGuestAgentFailure.SecretUnavailable, ErrorCode.SecretUnavailable],
      ['the API certificate is not trusted', QemuGuestAgentFailure.CertificateRejected, ErrorCode.HostKeyRejected],
    ])('%s', async (_, reason, code) => {
      const rejected = connect(failing(new QemuGuestAgentError(reason, `simulated: ${reason}`)));
      await expect(rejected).rejects.toBeInstanceOf(ConnectorError);
      await expect(rejected).rejects.toMatchObject({ code });
    });

    it('an unknown VM is GIPKIT_CONNECTOR_FAILED', async () => {
      const lab = guestAgentLab(VMS);
      const connector = new QemuAgentConnector({ transport: lab.agent });
      await expect(connector.connect(lab.request('nowhere'), callOptions())).rejects.toMatchObject({ code: ErrorCode.ConnectorFailed });
    });

    it('a transport that rejects with a plain error is GIPKIT_CONNECTOR_FAILED, and its message is not shown', async () => {
      const rejected = connect(failing(new Error('401 for PVEAPIToken=gipkit@pve!backup=0b1c-secret')));
      await expect(rejected).rejects.toMatchObject({ code: ErrorCode.ConnectorFailed });
      await expect(rejected).rejects.not.toHaveProperty('message', expect.stringContaining('0b1c-secret'));
    });

    it('an agent that blocks guest-exec or the file commands is refused when connecting, naming them', async () => {
      const { connector, request, faults } = rig();
      faults.set('lin-1', [{ kind: 'commands-disabled', commands: ['guest-exec', 'guest-file-write'] }]);
      await expect(connector.connect(request('lin-1'), callOptions())).rejects.toMatchObject({
        code: ErrorCode.ConnectionRefused,
        message: expect.stringContaining('does not allow guest-exec, guest-file-write'),
      });
    });

    it('the simulated agent that is not running is refused, with a hint', async () => {
      const { connector, request } = rig();
      await expect(connector.connect(request('no-agent'), callOptions())).rejects.toMatchObject({
        code: ErrorCode.ConnectionRefused,
        message: expect.stringContaining('qemu-guest-agent installed and running'),
      });
    });
  });

  it('rule 3: the guest credentials are not used: a request whose secret cannot be read still connects', async () => {
    const { connector, request } = rig();
    const session: GuestSession = await connector.connect({ ...request('lin-1'), secret: { env: 'GIPKIT_PROXMOX_TEST_UNSET_SECRET' } }, callOptions());
    await session.close();
  });

  it('without a transport, connecting fails with GIPKIT_CONNECTOR_FAILED naming the option', async () => {
    const { request } = rig();
    await expect(new QemuAgentConnector().connect(request('lin-1'), callOptions())).rejects.toMatchObject({
      code: ErrorCode.ConnectorFailed,
      message: expect.stringContaining('guestAgent'),
    });
  });

  it('a non-positive poll interval is a plugin error when the connector is made', () => {
    expect(() => new QemuAgentConnector({ pollIntervalMs: 0 })).toThrow(expect.objectContaining({ code: ErrorCode.PluginInvalid }));
  });
});
