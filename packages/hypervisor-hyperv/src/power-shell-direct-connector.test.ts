import { afterEach, describe, expect, it } from 'vitest';
import { ConnectorError, ErrorCode, type CallOptions, type CommandResult, type ConnectRequest, type OsFamily } from '@gipkit/plugin-api';
import { SimulatedGuest } from '@gipkit/testkit';
import { describeConnector } from '@gipkit/testkit/conformance';
import { addTestCommands, everythingShown } from '@gipkit/guest-lan/testing';
import { PowerShellDirectConnector, type PowerShellDirectConnectorOptions } from './power-shell-direct-connector.js';
import { SimulatedPowerShellDirect, type SimulatedPowerShellDirectFault } from './testing/index.js';

const PASSWORD = 'Hyper-V-Pa55word!';
const options = (timeoutMs = 2_000, signal = new AbortController().signal): CallOptions => ({ timeoutMs, signal });
const request = (vm: string, family: OsFamily = 'windows', account = 'Administrator'): ConnectRequest => ({
  vm, host: 'hv-1', platform: 'hyperv', family, addresses: [], account, secret: { env: 'GIPKIT_TEST_PSD_SECRET' }, proxy: 'hv-1',
});
const result = (exitCode: number, stdout = '', stderr = ''): CommandResult => ({ exitCode, stdout, stderr, truncated: false });

function lab(faults: Record<string, readonly SimulatedPowerShellDirectFault[]> = {}, connectorOptions: PowerShellDirectConnectorOptions = {}, latencyMs = 0) {
  process.env['GIPKIT_TEST_PSD_SECRET'] = PASSWORD;
  const guests = new Map<string, SimulatedGuest>();
  for (const vm of ['win', 'closed', 'stuck']) {
    guests.set(vm, addTestCommands(new SimulatedGuest(vm, 'windows')));
  }
  const transport = new SimulatedPowerShellDirect({
    guests, latencyMs, accounts: new Map([['Administrator', PASSWORD]]),
    faults: (target) => [...(faults[target.vm] ?? []), ...(target.vm === 'closed' ? [{ kind: 'refuse' } as const] : [])],
  });
  return { transport, connector: new PowerShellDirectConnector(transport, connectorOptions), guest: (vm: string) => guests.get(vm)! };
}

afterEach(() => {
  delete process.env['GIPKIT_TEST_PSD_SECRET'];
});

describeConnector('PowerShellDirectConnector (simulated PowerShell Direct)', async () => {
  const { connector } = lab({ stuck: [{ kind: 'hang', operation: 'openSession' }] });
  return { connector, reachable: request('win'), refused: request('closed'), hanging: request('stuck'), scratchPath: 'C:\\ProgramData\\gipkit-conformance\\scratch.txt' };
});

describe('PowerShellDirectConnector', () => {
  it('PowerShell Direct refuses Linux guests', async () => {
    const { connector, transport } = lab();
    await expect(connector.connect(request('win', 'linux', 'root'), options())).rejects.toMatchObject({
      code: ErrorCode.ConnectionRefused, message: /PowerShell Direct serves Windows guests/,
    });
    expect(transport.openSessions).toBe(0);
  });

  it('argv arrives unchanged and exit codes pass through', async () => {
    const { connector } = lab();
    const session = await connector.connect(request('win'), options());
    const argv = ['args', "it's", '\u2019', '"quoted"', 'trailing\\', 'C:\\my dir\\', '$(Stop-Computer)', '', 'a b'];
    expect(JSON.parse((await session.run(argv, options())).stdout)).toEqual(argv.slice(1));
    expect((await session.run(['exit', '5'], options())).exitCode).toBe(5);
    expect(await session.run(['say', 'out', 'err'], options())).toEqual(result(0, 'out', 'err'));
    await session.close();
  });

  it('upload creates the folder then copies; remove takes a folder; a missing path is not an error', async () => {
    const { connector, guest } = lab();
    const session = await connector.connect(request('win'), options());
    await session.upload(new TextEncoder().encode('x'), 'C:/Program Files/gipkit/run-1/bin/agent.exe', options());
    expect(guest('win').listing()).toEqual(['C:\\Program Files\\gipkit\\run-1\\bin\\agent.exe']);
    await session.remove('C:\\Program Files\\gipkit\\run-1', options());
    expect(guest('win').listing()).toEqual([]);
    await expect(session.remove('C:\\Program Files\\gipkit\\run-1', options())).resolves.toBeUndefined();
    await expect(session.remove('D:\\', options())).rejects.toMatchObject({ code: ErrorCode.ConnectorFailed });
    await session.close();
  });

  it('timeouts and abort end hung calls', async () => {
    const { connector } = lab({ win: [{ kind: 'endless-process' }], stuck: [{ kind: 'hang', operation: 'invoke' }] });
    const session = await connector.connect(request('win'), options());
    const started = Date.now();
    await expect(session.run(['true'], options(100))).rejects.toMatchObject({ code: ErrorCode.ConnectionTimedOut });
    expect(Date.now() - started).toBeLessThan(1_000);
    const cancel = new AbortController();
    const removing = session.remove('C:\\x', options(60_000, cancel.signal));
    cancel.abort();
    await expect(removing).rejects.toMatchObject({ code: ErrorCode.ConnectionAborted });
    await session.close();
  });

  it('a broken session is GIPKIT_CONNECTOR_DROPPED; a closed session refuses calls', async () => {
    const { connector } = lab({ win: [{ kind: 'drop', afterCalls: 1 }] });
    const session = await connector.connect(request('win'), options());
    await session.run(['true'], options());
    await expect(session.run(['true'], options())).rejects.toMatchObject({ code: ErrorCode.ConnectionDropped });
    await session.close();
    await expect(session.run(['true'], options())).rejects.toMatchObject({ code: ErrorCode.ConnectionDropped });
  });

  it('a wrong password is an authentication error, and secrets never appear in errors', async () => {
    const { connector } = lab();
    const failures = [
      await connector.connect(request('win', 'windows', 'Guest'), options()).catch((error: unknown) => error),
      await connector.connect(request('closed'), options()).catch((error: unknown) => error),
    ];
    expect(failures[0]).toMatchObject({ code: ErrorCode.ConnectionAuthFailed });
    for (const failure of failures) {
      expect(failure).toBeInstanceOf(ConnectorError);
      expect(everythingShown(failure)).not.toContain(PASSWORD);
    }
  });

  it('a session that opens after connect gave up is closed, not leaked', async () => {
    const { connector, transport } = lab({}, {}, 60);
    await expect(connector.connect(request('win'), options(20))).rejects.toMatchObject({ code: ErrorCode.ConnectionTimedOut });
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(transport.openSessions).toBe(0);
  });

  it('keeps at most maxOutputBytes of each stream and says it truncated', async () => {
    const { connector } = lab({}, { maxOutputBytes: 4 });
    const session = await connector.connect(request('win'), options());
    expect(await session.run(['say', 'abcdefgh', 'ab'], options())).toEqual({ exitCode: 0, stdout: 'abcd', stderr: 'ab', truncated: true });
    await session.close();
  });
});
