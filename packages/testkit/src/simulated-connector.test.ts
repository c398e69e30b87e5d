import { describe, expect, it } from 'vitest';
import { ErrorCode, type ConnectRequest } from '@gipkit/plugin-api';
import { describeConnector } from './describe-connector.js';
import { SimulatedConnector, SimulatedGuest, type Fault } from '@gipkit/simulated-lab';

const request = (vm: string): ConnectRequest => ({ vm, proxy: 'proxy-1', addresses: ['10.0.0.5'], host: 'esx', platform: 'vmware', family: 'linux', account: 'root' });
const options = (timeoutMs = 1_000) => ({ timeoutMs, signal: new AbortController().signal });

function lab(faults: Record<string, readonly Fault[]> = {}, latencyMs = 0) {
  const guests = new Map(['web', 'closed', 'stuck', 'flaky', 'locked'].map((vm) => [vm, new SimulatedGuest(vm, 'linux')]));
  guests.get('web')!.commands.set('true', () => ({ exitCode: 0, stdout: '', stderr: '', truncated: false }));
  const connector = new SimulatedConnector({ platform: 'vmware', method: 'lan', guests, latencyMs, faults: (r) => faults[r.vm] ?? [] });
  return { guests, connector };
}

describeConnector('SimulatedConnector', async () => {
  const { connector } = lab({ closed: [{ kind: 'refuse' }], stuck: [{ kind: 'hang', step: 'connect' }] });
  return { connector, reachable: request('web'), refused: request('closed'), hanging: request('stuck'), scratchPath: '/tmp/gipkit-conformance' };
});

describe('SimulatedConnector faults', () => {
  it('drop: the session fails after the given number of calls', async () => {
    const { connector } = lab({ flaky: [{ kind: 'drop', afterCalls: 1 }] });
    const session = await connector.connect(request('flaky'), options());
    await session.upload(new Uint8Array([1]), '/tmp/a', options());
    await expect(session.upload(new Uint8Array([2]), '/tmp/b', options())).rejects.toMatchObject({ code: ErrorCode.ConnectionDropped });
  });

  it('hang: a hung step ends at its timeout', async () => {
    const { connector } = lab({ web: [{ kind: 'hang', step: 'run' }] });
    const session = await connector.connect(request('web'), options());
    await expect(session.run(['true'], options(50))).rejects.toMatchObject({ code: ErrorCode.ConnectionTimedOut });
  });

  it('fail-remove: cleanup failures are errors to report, and the files stay', async () => {
    const { connector, guests } = lab({ locked: [{ kind: 'fail-remove' }] });
    const session = await connector.connect(request('locked'), options());
    await session.upload(new Uint8Array([1]), '/opt/gipkit/run/agent', options());
    await expect(session.remove('/opt/gipkit/run', options())).rejects.toMatchObject({ code: ErrorCode.ConnectorFailed });
    expect(guests.get('locked')!.listing()).toEqual(['/opt/gipkit/run/agent']);
  });

  it('remove takes a folder and what runs from it; open sessions are tracked until closed', async () => {
    const { connector, guests } = lab();
    const session = await connector.connect(request('web'), options());
    await session.upload(new Uint8Array([1]), '/tmp/gipkit-1/agent', options());
    expect((await session.run(['start', '/tmp/gipkit-1/agent'], options())).exitCode).toBe(0);
    expect(connector.open.size).toBe(1);
    await session.remove('/tmp/gipkit-1', options());
    expect(guests.get('web')!.listing()).toEqual([]);
    expect(guests.get('web')!.running.size).toBe(0);
    await session.close();
    expect(connector.open.size).toBe(0);
  });

  it('latency applies to every step', async () => {
    const { connector } = lab({}, 30);
    const started = performance.now();
    const session = await connector.connect(request('web'), options());
    await session.run(['true'], options());
    expect(performance.now() - started).toBeGreaterThanOrEqual(55);
  });
});
