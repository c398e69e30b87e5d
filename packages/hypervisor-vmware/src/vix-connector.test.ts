import { afterEach, describe, expect, it, vi } from 'vitest';
import { ConnectorError, ErrorCode, type CallOptions, type CommandResult, type ConnectRequest, type OsFamily } from '@gipkit/plugin-api';
import { SimulatedGuest } from '@gipkit/testkit';
import { describeConnector } from '@gipkit/testkit/conformance';
import { addTestCommands, everythingShown } from '@gipkit/guest-lan/testing';
import { VixConnector, type VixConnectorOptions } from './vix-connector.js';
import { SimulatedGuestOperations, type SimulatedGuestOperationsFault } from './testing/index.js';

const PASSWORD = 'Vix-Pa55word!';
const options = (timeoutMs = 2_000, signal = new AbortController().signal): CallOptions => ({ timeoutMs, signal });
const request = (vm: string, family: OsFamily = 'linux', account = 'root'): ConnectRequest => ({
  vm, host: 'esx-1', platform: 'vmware', family, addresses: [], account, secret: { env: 'GIPKIT_TEST_VIX_SECRET' }, proxy: 'proxy-1',
});
const result = (exitCode: number, stdout = '', stderr = ''): CommandResult => ({ exitCode, stdout, stderr, truncated: false });

function lab(faults: Record<string, readonly SimulatedGuestOperationsFault[]> = {}, connectorOptions: VixConnectorOptions = {}, latencyMs = 0) {
  process.env['GIPKIT_TEST_VIX_SECRET'] = PASSWORD;
  const guests = new Map<string, SimulatedGuest>();
  for (const [vm, family] of [['lin', 'linux'], ['win', 'windows'], ['no-tools', 'linux'], ['stuck', 'linux']] as const) {
    guests.set(vm, addTestCommands(new SimulatedGuest(vm, family)));
  }
  const transport = new SimulatedGuestOperations({
    guests, latencyMs,
    accounts: new Map([['root', PASSWORD], ['Administrator', PASSWORD]]),
    faults: (target) => [...(faults[target.vm] ?? []), ...(target.vm === 'no-tools' ? [{ kind: 'tools-not-running' } as const] : [])],
  });
  const connector = new VixConnector(transport, { pollIntervalMs: 10, ...connectorOptions });
  return { guests, transport, connector, guest: (vm: string) => guests.get(vm)! };
}

afterEach(() => {
  delete process.env['GIPKIT_TEST_VIX_SECRET'];
});

describeConnector('VixConnector, Linux guest (simulated vSphere guest operations)', async () => {
  const { connector } = lab({ stuck: [{ kind: 'hang', operation: 'connect' }] });
  return { connector, reachable: request('lin'), refused: request('no-tools'), hanging: request('stuck'), scratchPath: '/tmp/gipkit-conformance/scratch' };
});

describeConnector('VixConnector, Windows guest (simulated vSphere guest operations)', async () => {
  const { connector } = lab({ stuck: [{ kind: 'hang', operation: 'connect' }] });
  return {
    connector,
    reachable: request('win', 'windows', 'Administrator'),
    refused: request('no-tools', 'windows', 'Administrator'),
    hanging: request('stuck', 'windows', 'Administrator'),
    scratchPath: 'C:\\ProgramData\\gipkit-conformance\\scratch.txt',
  };
});

describe('VixConnector', () => {
  it('tools not running: refused with a message that names VMware Tools', async () => {
    const { connector } = lab();
    await expect(connector.connect(request('no-tools'), options())).rejects.toMatchObject({
      code: ErrorCode.ConnectionRefused, message: /VMware Tools is not running/,
    });
  });

  for (const [family, vm, account] of [['linux', 'lin', 'root'], ['windows', 'win', 'Administrator']] as const) {
    it(`${family}: argv arrives unchanged, exit codes pass through, output capture files are deleted after run`, async () => {
      const { connector, guest } = lab();
      const before = guest(vm).listing();
      const session = await connector.connect(request(vm, family, account), options());
      const argv = ['args', "it's", '"quoted"', 'trailing\\', 'C:\\my dir\\', '$HOME', '%PATH%', '&', '', 'a b'];
      expect(JSON.parse((await session.run(argv, options())).stdout)).toEqual(argv.slice(1));
      expect((await session.run(['exit', '42'], options())).exitCode).toBe(42);
      expect(await session.run(['say', 'out', 'err'], options())).toEqual(result(0, 'out', 'err'));
      expect((await session.run(['gipkit-no-such-command'], options())).exitCode).toBe(127);
      expect(guest(vm).listing()).toEqual(before);
      await session.close();
    });
  }

  it('runs through /bin/sh -c on Linux and cmd.exe on Windows, with output redirected to the temp folder', async () => {
    const { connector, transport } = lab();
    const linux = await connector.connect(request('lin'), options());
    await linux.run(['true'], options());
    const windows = await connector.connect(request('win', 'windows', 'Administrator'), options());
    await windows.run(['true'], options());
    expect(transport.programs[0]).toMatchObject({ programPath: '/bin/sh', arguments: expect.stringMatching(/^-c ''\\''true'\\'' <\/dev\/null >'\\''\/tmp\/gipkit-/) });
    expect(transport.programs[1]).toMatchObject({ programPath: 'C:\\Windows\\System32\\cmd.exe', arguments: expect.stringMatching(/^\/d \/v:off \/s \/c "true <NUL 1>"C:\\Windows\\Temp\\gipkit-/) });
    await Promise.all([linux.close(), windows.close()]);
  });

  it('polls a running program every pollIntervalMs until it exits', async () => {
    const { connector, transport, guest } = lab({ lin: [{ kind: 'endless-process' }] }, { pollIntervalMs: 20 });
    const session = await connector.connect(request('lin'), options());
    const running = session.run(['true'], options());
    await vi.waitFor(() => expect(transport.processes(guest('lin')).running()).toHaveLength(1));
    await new Promise((resolve) => setTimeout(resolve, 100));
    const [process] = transport.processes(guest('lin')).running();
    transport.processes(guest('lin')).terminate(process!.pid);
    expect((await running).exitCode).toBe(1);
    expect(guest('lin').listing()).toEqual([]);
    await session.close();
  });

  it('a run that never ends times out; the program is terminated and its output files deleted', async () => {
    const { connector, transport, guest } = lab({ lin: [{ kind: 'endless-process' }] });
    const session = await connector.connect(request('lin'), options());
    const started = Date.now();
    await expect(session.run(['true'], options(100))).rejects.toMatchObject({ code: ErrorCode.ConnectionTimedOut });
    expect(Date.now() - started).toBeLessThan(1_000);
    await vi.waitFor(() => {
      expect(transport.processes(guest('lin')).running()).toEqual([]);
      expect(guest('lin').listing()).toEqual([]);
    });
    await session.close();
  });

  it('closing right after a timed-out run still terminates the program and deletes its output files', async () => {
    const { connector, transport, guest } = lab({ lin: [{ kind: 'endless-process' }] }, {}, 5);
    const session = await connector.connect(request('lin'), options());
    await expect(session.run(['true'], options(60))).rejects.toMatchObject({ code: ErrorCode.ConnectionTimedOut });
    await session.close();
    expect(transport.processes(guest('lin')).running()).toEqual([]);
    expect(guest('lin').listing()).toEqual([]);
    expect(transport.openConnections).toBe(0);
  });

  it('abort ends a hung call at once', async () => {
    const { connector } = lab({ lin: [{ kind: 'hang', operation: 'putFile' }] });
    const session = await connector.connect(request('lin'), options());
    const cancel = new AbortController();
    const uploading = session.upload(new Uint8Array([1]), '/opt/x', options(60_000, cancel.signal));
    setTimeout(() => cancel.abort(), 20);
    await expect(uploading).rejects.toMatchObject({ code: ErrorCode.ConnectionAborted });
    await session.close();
  });

  it('upload creates missing folders and passes the mode; remove takes a folder; a missing path is not an error', async () => {
    const { connector, guest, transport } = lab();
    const session = await connector.connect(request('lin'), options());
    await session.upload(new TextEncoder().encode('#!/bin/sh\n'), '/opt/gipkit/run-1/bin/agent', { ...options(), mode: 0o755 });
    await session.upload(new TextEncoder().encode('x'), '/opt/gipkit/run-1/agent.conf', options());
    expect(guest('lin').listing()).toEqual(['/opt/gipkit/run-1/agent.conf', '/opt/gipkit/run-1/bin/agent']);
    expect(transport.directories(guest('lin')).has('/opt/gipkit/run-1/bin')).toBe(true);
    await session.remove('/opt/gipkit/run-1/agent.conf', options());
    await session.remove('/opt/gipkit', options());
    expect(guest('lin').listing()).toEqual([]);
    expect(transport.directories(guest('lin')).has('/opt/gipkit')).toBe(false);
    await expect(session.remove('/opt/gipkit', options())).resolves.toBeUndefined();
    await expect(session.remove('/', options())).rejects.toMatchObject({ code: ErrorCode.ConnectorFailed });
    await expect(session.upload(new Uint8Array(), 'relative/path', options())).rejects.toMatchObject({ code: ErrorCode.ConnectorFailed });
    await session.close();
  });

  it('a lost vSphere session is GIPKIT_CONNECTOR_DROPPED; a closed session refuses calls', async () => {
    const { connector } = lab({ lin: [{ kind: 'drop', afterCalls: 1 }] });
    const session = await connector.connect(request('lin'), options());
    await expect(session.run(['true'], options())).rejects.toMatchObject({ code: ErrorCode.ConnectionDropped });
    await session.close();
    await expect(session.remove('/tmp/x', options())).rejects.toMatchObject({ code: ErrorCode.ConnectionDropped });
  });

  it('a wrong password is an authentication error, and secrets never appear in errors', async () => {
    const { connector } = lab();
    const failures = [
      await connector.connect(request('lin', 'linux', 'nobody'), options()).catch((error: unknown) => error),
      await connector.connect(request('no-tools'), options()).catch((error: unknown) => error),
    ];
    expect(failures[0]).toMatchObject({ code: ErrorCode.ConnectionAuthFailed });
    for (const failure of failures) {
      expect(failure).toBeInstanceOf(ConnectorError);
      expect(everythingShown(failure)).not.toContain(PASSWORD);
    }
    delete process.env['GIPKIT_TEST_VIX_SECRET'];
    await expect(connector.connect(request('lin'), options())).rejects.toMatchObject({ code: ErrorCode.SecretUnavailable });
  });

  it('a session that opens after connect gave up is closed, not leaked', async () => {
    const { connector, transport } = lab({}, {}, 60);
    await expect(connector.connect(request('lin'), options(20))).rejects.toMatchObject({ code: ErrorCode.ConnectionTimedOut });
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(transport.openConnections).toBe(0);
  });

  it('keeps at most maxOutputBytes of each stream and says it truncated', async () => {
    const { connector } = lab({}, { maxOutputBytes: 3 });
    const session = await connector.connect(request('lin'), options());
    expect(await session.run(['say', 'abcdef', 'ab'], options())).toEqual({ exitCode: 0, stdout: 'abc', stderr: 'ab', truncated: true });
    await session.close();
  });
});
