import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGipkit, NoConnectorError, type ValidInput } from '@gipkit/core';
import { linuxDeployerPlugin } from '@gipkit/deployer-linux';
import { windowsDeployerPlugin } from '@gipkit/deployer-windows';
import { API_VERSION, ErrorCode, type GuestConnector, type OsFamily, type Plugin } from '@gipkit/plugin-api';
import { SimulatedLab } from '@gipkit/simulated-lab';
import { BUNDLE, estate, EventLog, leftovers } from './run-fixture.js';

/** The lab's connectors for `methods` only, each reaching only `families` when given (as a LAN connector with only an SSH opener does). */
function partialLab(input: ValidInput, methods: readonly string[], families?: readonly OsFamily[]): { lab: SimulatedLab; plugin: Plugin } {
  const lab = new SimulatedLab(input.inventory);
  const connectors: GuestConnector[] = lab.connectors
    .filter((connector) => methods.includes(connector.method))
    .map((connector) => ({
      platform: connector.platform,
      method: connector.method,
      ...(families === undefined ? {} : { families }),
      connect: (request, options) => connector.connect(request, options),
    }));
  return { lab, plugin: { name: 'partial-lab', apiVersion: API_VERSION, setup: (registry) => connectors.forEach((connector) => registry.addConnector(connector)) } };
}

beforeAll(() => {
  process.env.GIPKIT_TEST_GUEST_SECRET = 'no-connector-test-secret';
});
afterAll(() => {
  delete process.env.GIPKIT_TEST_GUEST_SECRET;
});

function engine(plugin: Plugin) {
  const gipkit = createGipkit({ plugins: [plugin, linuxDeployerPlugin(), windowsDeployerPlugin()] });
  return { gipkit, log: new EventLog(gipkit) };
}

describe('hardening 20: a run that cannot deploy refuses to start', () => {
  it('hardening 20: planned VMs that no registered connector reaches by their planned methods stop the run before any connection, one line per platform and method naming the VMs', async () => {
    const input = estate({ vms: 3, linuxVms: 2, proxies: 1 });
    // LAN for Linux guests only (an SSH opener and no Windows transport), no VIX: the Windows VMs cannot be reached.
    const { lab, plugin } = partialLab(input, ['lan'], ['linux']);
    const { gipkit, log } = engine(plugin);
    const error = await gipkit.run(input, { bundle: BUNDLE }).then(() => undefined, (caught: unknown) => caught);
    expect(error).toBeInstanceOf(NoConnectorError);
    const refused = error as NoConnectorError;
    expect(refused.code).toBe(ErrorCode.RunNoConnector);
    expect(refused.unreached).toBe(3);
    expect(refused.problems).toEqual([
      'vmware/lan to windows guests: the vmware/lan connector is configured for linux guests only, not windows (3 VMs: w1, w2, w3)',
      'vmware/vix to windows guests: no connector is registered for vmware/vix (3 VMs: w1, w2, w3)',
    ]);
    expect(refused.message).toContain('cannot start job nightly: 3 of 5 VMs cannot be reached by any registered connector');
    // Nothing started: no job, no deployment, no session, nothing in any guest.
    expect(log.of('job.started')).toEqual([]);
    expect(log.of('deployment.started')).toEqual([]);
    expect(lab.openSessions()).toBe(0);
    expect(leftovers(lab)).toEqual({});
  });

  it('hardening 20: a line lists five VMs and how many more', async () => {
    const input = estate({ vms: 8, proxies: 1 });
    const { plugin } = partialLab(input, ['lan'], ['linux']);
    const { gipkit } = engine(plugin);
    const error = (await gipkit.run(input, { bundle: BUNDLE }).catch((caught: unknown) => caught)) as NoConnectorError;
    expect(error.problems[0]).toBe('vmware/lan to windows guests: the vmware/lan connector is configured for linux guests only, not windows (8 VMs: w1, w2, w3, w4, w5 and 3 more)');
  });

  it('hardening 20: with whenNoConnector fail-vms the reachable VMs deploy, the others end failed and the run is not accepted, even under continue-crash-consistent', async () => {
    const input = estate({ vms: 2, linuxVms: 2, proxies: 1, job: { onGuestProcessingFailure: 'continue-crash-consistent' } });
    const { lab, plugin } = partialLab(input, ['lan'], ['linux']);
    const { gipkit, log } = engine(plugin);
    const result = await gipkit.run(input, { bundle: BUNDLE, whenNoConnector: 'fail-vms' });
    expect(result.accepted).toBe(false);
    expect(result.counts).toMatchObject({ succeeded: 2, failed: 2, crashConsistent: 0 });
    const failed = log.of('deployment.failed');
    expect(failed.map((event) => [event.vm, event.outcome, event.cause.code])).toEqual([
      ['w1', 'failed', ErrorCode.RunNoConnector],
      ['w2', 'failed', ErrorCode.RunNoConnector],
    ]);
    expect(failed[0]?.cause.message).toContain('no registered connector reaches w1 from p1');
    // No connection was tried for them, and no failover.
    expect(log.of('connection.failed')).toEqual([]);
    expect(log.of('failover.started')).toEqual([]);
    expect(log.of('deployment.started').map((event) => event.vm)).toEqual(['l1', 'l2']);
    expect([...log.terminalCounts().values()].every((count) => count === 1)).toBe(true);
    expect(leftovers(lab)).toEqual({});
  });

  it('hardening 20: an unknown whenNoConnector is refused before any work', async () => {
    const input = estate({ vms: 1, proxies: 1 });
    const { plugin } = partialLab(input, ['lan', 'vix']);
    const { gipkit, log } = engine(plugin);
    const error = await gipkit.run(input, { bundle: BUNDLE, whenNoConnector: 'ignore' as 'refuse' }).catch((caught: unknown) => caught);
    expect((error as { code?: string }).code).toBe(ErrorCode.RunMisconfigured);
    expect((error as Error).message).toContain(`whenNoConnector must be 'refuse' or 'fail-vms' (found "ignore")`);
    expect(log.events).toEqual([]);
  });

  it('hardening 20: a proxy tries only the methods a registered connector reaches', async () => {
    const input = estate({ vms: 1, proxies: 1 });
    const { plugin } = partialLab(input, ['vix']);
    const { gipkit, log } = engine(plugin);
    const result = await gipkit.run(input, { bundle: BUNDLE });
    expect(result.accepted).toBe(true);
    // The rules allow lan first, then vix; with no lan connector the proxy goes straight to vix: no "no connector" failure.
    expect(log.of('connection.failed')).toEqual([]);
    expect(log.of('deployment.succeeded').map((event) => [event.vm, event.server, event.method])).toEqual([['w1', 'p1', 'vix']]);
  });

  it('hardening 20: a failover goes only to a backup server that has a connector for one of its methods', async () => {
    // The backup server sits in an isolated network: it may reach the VM by VIX only. Only a LAN connector is registered.
    const input = createGipkit().validateInput({
      inventory: {
        backupServer: 'vbr',
        networks: [{ id: 'lan', cidrs: ['10.0.0.0/16'] }, { id: 'dmz', cidrs: ['10.9.0.0/16'], isolated: true }],
        hosts: [{ id: 'esx', platform: 'vmware', version: '8.0' }],
        servers: [
          { id: 'vbr', os: { family: 'windows' }, addresses: ['10.9.0.2'], roles: ['backup-server'] },
          { id: 'p1', os: { family: 'windows' }, addresses: ['10.0.0.3'], roles: ['vmware-proxy'] },
        ],
        vms: [{ id: 'w1', host: 'esx', guest: { family: 'windows' }, addresses: ['10.0.1.1'] }],
      },
      job: {
        id: 'nightly', vms: ['w1'], guestProcessing: { applicationAware: true },
        credentials: { kind: 'standard', account: 'CORP\\backup', secret: { env: 'GIPKIT_TEST_GUEST_SECRET' } },
      },
    });
    const { lab, plugin } = partialLab(input, ['lan']);
    lab.inject({ server: 'p1', fault: 'refuse' });
    const { gipkit, log } = engine(plugin);
    const result = await gipkit.run(input, { bundle: BUNDLE });
    expect(result.accepted).toBe(false);
    expect(log.of('failover.started')).toEqual([]);
    const failed = log.of('deployment.failed');
    expect(failed).toHaveLength(1);
    expect(failed[0]?.server).toBe('p1');
    expect(failed[0]?.cause.message).toContain('no failover: no registered connector reaches w1 from the backup server vbr by the methods it may use');
  });
});
