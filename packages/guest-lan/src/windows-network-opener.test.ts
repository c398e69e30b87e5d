import { afterEach, describe, expect, it, vi } from 'vitest';
import { ConnectorError, ErrorCode, type CallOptions, type CommandResult, type ConnectRequest } from '@gipkit/plugin-api';
import { SimulatedGuest } from '@gipkit/testkit';
import { describeConnector } from '@gipkit/testkit/conformance';
import { LanConnector } from '@gipkit/connector-kit';
import { WindowsNetworkOpener, type WindowsNetworkOpenerOptions } from './windows-network-opener.js';
import { addTestCommands, everythingShown, SimulatedWindowsNetwork, type SimulatedWindowsNetworkFault } from './testing/index.js';

const PASSWORD = 'S3cret-Pa55word!';
const options = (timeoutMs = 2_000, signal = new AbortController().signal): CallOptions => ({ timeoutMs, signal });
const request = (vm: string, addresses: readonly string[], account = 'LAB\\backup'): ConnectRequest => ({
  vm, host: 'esx-1', platform: 'vmware', family: 'windows', addresses, account, secret: { env: 'GIPKIT_TEST_WINDOWS_SECRET' }, proxy: 'proxy-1',
});
const result = (exitCode: number, stdout = '', stderr = ''): CommandResult => ({ exitCode, stdout, stderr, truncated: false });

function lab(faults: Record<string, readonly SimulatedWindowsNetworkFault[]> = {}, openerOptions: WindowsNetworkOpenerOptions = {}, latencyMs = 0) {
  process.env['GIPKIT_TEST_WINDOWS_SECRET'] = PASSWORD;
  const guest = addTestCommands(new SimulatedGuest('win-1', 'windows'));
  const guests = new Map([['10.0.0.5', guest], ['10.0.0.6', guest], ['10.0.0.7', guest]]);
  const network = new SimulatedWindowsNetwork({
    guests, latencyMs, accounts: new Map([['LAB\\backup', PASSWORD]]), faults: (target) => faults[target.address] ?? [],
  });
  const connector = new LanConnector({ platform: 'vmware', windows: new WindowsNetworkOpener(network, openerOptions) });
  return { guest, network, connector };
}

afterEach(() => {
  delete process.env['GIPKIT_TEST_WINDOWS_SECRET'];
});

describeConnector('LanConnector over the Windows network (simulated)', async () => {
  const { connector } = lab({ '10.0.0.6': [{ kind: 'hang', operation: 'connect' }] });
  return {
    connector,
    reachable: request('win-1', ['10.0.0.5']),
    refused: request('win-1', ['10.9.9.9']),
    hanging: request('win-1', ['10.0.0.6']),
    scratchPath: 'C:\\ProgramData\\gipkit-conformance\\scratch.txt',
  };
});

describe('WindowsNetworkOpener', () => {
  it('exit codes pass through, including large unsigned ones', async () => {
    const { connector } = lab();
    const session = await connector.connect(request('win-1', ['10.0.0.5']), options());
    expect((await session.run(['exit', '3'], options())).exitCode).toBe(3);
    expect((await session.run(['exit', '3221225477'], options())).exitCode).toBe(3221225477);
    await session.close();
  });

  it('returns stdout and stderr separately, and deletes the output capture files after the run', async () => {
    const { connector, guest } = lab();
    const before = guest.listing();
    const session = await connector.connect(request('win-1', ['10.0.0.5']), options());
    expect(await session.run(['say', 'to out "quoted" & more', 'to err %PATH%'], options())).toEqual(result(0, 'to out "quoted" & more', 'to err %PATH%'));
    expect(guest.listing()).toEqual(before);
    await session.close();
  });

  it('runs the program through cmd.exe with output redirected to the guest temp folder', async () => {
    const { connector, network } = lab({}, { tempFolder: 'D:\\Scratch' });
    const session = await connector.connect(request('win-1', ['10.0.0.5']), options());
    await session.run(['true'], options());
    expect(network.commandLines[0]).toMatch(/^cmd\.exe \/d \/v:off \/s \/c "true <NUL 1>"D:\\Scratch\\gipkit-[0-9a-f-]+\.out" 2>"D:\\Scratch\\gipkit-[0-9a-f-]+\.err""$/);
    await session.close();
  });

  it('keeps at most maxOutputBytes of each stream and says it truncated', async () => {
    const { connector } = lab({}, { maxOutputBytes: 4 });
    const session = await connector.connect(request('win-1', ['10.0.0.5']), options());
    expect(await session.run(['say', 'abcdefgh', 'ab'], options())).toEqual({ exitCode: 0, stdout: 'abcd', stderr: 'ab', truncated: true });
    await session.close();
  });

  it('a run that never ends times out; its process is ended and its output files deleted', async () => {
    const { connector, guest, network } = lab({ '10.0.0.5': [{ kind: 'endless-process' }] });
    const session = await connector.connect(request('win-1', ['10.0.0.5']), options());
    const started = Date.now();
    await expect(session.run(['true'], options(100))).rejects.toMatchObject({ code: ErrorCode.ConnectionTimedOut });
    expect(Date.now() - started).toBeLessThan(1_000);
    await vi.waitFor(() => {
      expect(network.processes(guest).running()).toEqual([]);
      expect(guest.listing()).toEqual([]);
    });
    await session.close();
  });

  it('closing right after a timed-out run still ends its process and deletes its output files', async () => {
    const { connector, guest, network } = lab({ '10.0.0.5': [{ kind: 'endless-process' }] }, {}, 5);
    const session = await connector.connect(request('win-1', ['10.0.0.5']), options());
    await expect(session.run(['true'], options(60))).rejects.toMatchObject({ code: ErrorCode.ConnectionTimedOut });
    await session.close();
    expect(network.processes(guest).running()).toEqual([]);
    expect(guest.listing()).toEqual([]);
    expect(network.openConnections).toBe(0);
  });

  it('abort ends a hung call at once', async () => {
    const { connector } = lab({ '10.0.0.5': [{ kind: 'hang', operation: 'waitProcess' }] });
    const session = await connector.connect(request('win-1', ['10.0.0.5']), options());
    const cancel = new AbortController();
    const running = session.run(['true'], options(60_000, cancel.signal));
    setTimeout(() => cancel.abort(), 20);
    await expect(running).rejects.toMatchObject({ code: ErrorCode.ConnectionAborted });
    await session.close();
  });

  it('tries the guest addresses in order until one answers', async () => {
    const { connector, network } = lab();
    const session = await connector.connect(request('win-1', ['10.9.9.9', '10.0.0.7']), options());
    expect((await session.run(['true'], options())).exitCode).toBe(0);
    expect(network.openConnections).toBe(1);
    await session.close();
    expect(network.openConnections).toBe(0);
  });

  it('refuses a guest with no known address, and names every address that did not answer', async () => {
    const { connector } = lab({ '10.0.0.7': [{ kind: 'rpc-unavailable' }] });
    await expect(connector.connect(request('win-1', []), options())).rejects.toMatchObject({ code: ErrorCode.ConnectionRefused, message: /no IP address/ });
    await expect(connector.connect(request('win-1', ['10.9.9.9', '10.0.0.7']), options())).rejects.toMatchObject({
      code: ErrorCode.ConnectionRefused, message: /10\.9\.9\.9 \(network-path-not-found\), 10\.0\.0\.7 \(rpc-unavailable\)/,
    });
  });

  it('access denied and a wrong password are authentication errors', async () => {
    const { connector } = lab({ '10.0.0.7': [{ kind: 'access-denied' }] });
    await expect(connector.connect(request('win-1', ['10.0.0.7']), options())).rejects.toMatchObject({ code: ErrorCode.ConnectionAuthFailed, message: /administrator/ });
    process.env['GIPKIT_TEST_WINDOWS_SECRET'] = 'wrong';
    await expect(connector.connect(request('win-1', ['10.0.0.5']), options())).rejects.toMatchObject({ code: ErrorCode.ConnectionAuthFailed });
    delete process.env['GIPKIT_TEST_WINDOWS_SECRET'];
    await expect(connector.connect(request('win-1', ['10.0.0.5']), options())).rejects.toMatchObject({ code: ErrorCode.SecretUnavailable });
  });

  it('secrets never appear in errors', async () => {
    const { connector } = lab({ '10.0.0.7': [{ kind: 'access-denied' }] });
    const failures: unknown[] = [];
    for (const [account, addresses] of [['LAB\\backup', ['10.0.0.7']], ['LAB\\other', ['10.0.0.5']], ['LAB\\backup', ['10.9.9.9']]] as const) {
      failures.push(await connector.connect(request('win-1', addresses, account), options()).catch((error: unknown) => error));
    }
    for (const failure of failures) {
      expect(failure).toBeInstanceOf(ConnectorError);
      expect(everythingShown(failure)).not.toContain(PASSWORD);
    }
  });

  it('a dropped connection is GIPKIT_CONNECTOR_DROPPED; a closed session refuses calls', async () => {
    const { connector } = lab({ '10.0.0.5': [{ kind: 'drop', afterCalls: 2 }] });
    const session = await connector.connect(request('win-1', ['10.0.0.5']), options());
    await session.upload(new Uint8Array([1]), 'C:\\gipkit\\a', options());
    await expect(session.upload(new Uint8Array([1]), 'C:\\gipkit\\b', options())).rejects.toMatchObject({ code: ErrorCode.ConnectionDropped });
    await session.close();
    await expect(session.run(['true'], options())).rejects.toMatchObject({ code: ErrorCode.ConnectionDropped });
  });

  it('hardening 18: a streamed upload reaches the transport chunk by chunk, never as one buffer', async () => {
    const { network, guest } = lab();
    const seen: number[] = [];
    const counting = {
      connect: async (...args: Parameters<SimulatedWindowsNetwork['connect']>) => {
        const connection = await network.connect(...args);
        return {
          ...connection,
          writeFile: async (share: string, path: string, chunks: AsyncIterable<Uint8Array>, size: number, signal: AbortSignal) => {
            const kept: Uint8Array[] = [];
            for await (const chunk of chunks) {
              seen.push(chunk.byteLength);
              kept.push(chunk);
            }
            return connection.writeFile(share, path, (async function* () { yield* kept; })(), size, signal);
          },
        };
      },
    };
    const connector = new LanConnector({ platform: 'vmware', windows: new WindowsNetworkOpener(counting) });
    const session = await connector.connect(request('win-1', ['10.0.0.5']), options());
    const stream = { size: 3 * 1024, open: async function* () { for (let i = 0; i < 3; i++) yield new Uint8Array(1024).fill(i); } };
    await session.upload(stream, 'C:\\gipkit\\big.bin', options());
    expect(seen).toEqual([1024, 1024, 1024]);
    expect(guest.files.get('C:\\gipkit\\big.bin')?.byteLength).toBe(3 * 1024);
    await session.close();
  });

  it('upload creates folders on the admin share; remove takes a folder; a missing path is not an error', async () => {
    const { connector, guest } = lab();
    const session = await connector.connect(request('win-1', ['10.0.0.5']), options());
    await session.upload(new TextEncoder().encode('agent'), 'C:/Program Files/gipkit/run-1/agent.exe', options());
    await session.upload(new TextEncoder().encode('conf'), 'c:\\Program Files\\gipkit\\run-1\\conf\\agent.ini', options());
    expect(guest.listing()).toEqual(['C:\\Program Files\\gipkit\\run-1\\agent.exe', 'C:\\Program Files\\gipkit\\run-1\\conf\\agent.ini']);
    await session.remove('C:\\Program Files\\gipkit\\run-1', options());
    expect(guest.listing()).toEqual([]);
    await expect(session.remove('C:\\Program Files\\gipkit\\run-1', options())).resolves.toBeUndefined();
    await session.close();
  });

  it('refuses paths that are not absolute Windows paths, and never removes a whole drive', async () => {
    const { connector } = lab();
    const session = await connector.connect(request('win-1', ['10.0.0.5']), options());
    await expect(session.upload(new Uint8Array(), '/tmp/x', options())).rejects.toMatchObject({ code: ErrorCode.ConnectorFailed });
    await expect(session.upload(new Uint8Array(), 'C:\\a\\..\\Windows\\x', options())).rejects.toMatchObject({ code: ErrorCode.ConnectorFailed });
    await expect(session.remove('C:\\', options())).rejects.toMatchObject({ code: ErrorCode.ConnectorFailed, message: /whole drive/ });
    await session.close();
  });

  it('a session that opens after connect gave up is closed, not leaked', async () => {
    const { connector, network } = lab({}, {}, 60);
    await expect(connector.connect(request('win-1', ['10.0.0.5']), options(20))).rejects.toMatchObject({ code: ErrorCode.ConnectionTimedOut });
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(network.openConnections).toBe(0);
  });

  it('serves Windows guests only', async () => {
    const { network } = lab();
    const opener = new WindowsNetworkOpener(network);
    await expect(opener.open({ ...request('win-1', ['10.0.0.5']), family: 'linux' }, 'lan', options())).rejects.toMatchObject({ code: ErrorCode.ConnectorFailed });
  });
});
