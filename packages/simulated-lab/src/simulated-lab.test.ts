import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ErrorCode, type ConnectRequest } from '@gipkit/plugin-api';
import { LAB, labInventory } from './example-lab.fixture.js';
import { loadLabFile } from './load-lab-file.js';
import { SimulatedLab, type LabFault } from './simulated-lab.js';

const call = () => ({ timeoutMs: 1_000, signal: new AbortController().signal });
const bytes = new Uint8Array([1]);

const inventory = labInventory;

function request(vm: string, proxy: string, platform: 'vmware' | 'hyperv' = 'vmware'): ConnectRequest {
  return { vm, proxy, addresses: ['10.0.0.5'], host: 'host', platform, family: 'windows', account: 'CORP\\backup' };
}

function connector(lab: SimulatedLab, platform: string, method: string) {
  const found = lab.connectors.find((c) => c.platform === platform && c.method === method);
  if (found === undefined) throw new Error(`no ${platform} ${method} connector`);
  return found;
}

describe('SimulatedLab', () => {
  it('takes a lab file as loadLabFile returns it: the demo lab refuses win-proxy-a and drops erp-b once after 2 calls', async () => {
    const estate = inventory();
    const lab = new SimulatedLab(estate, loadLabFile(join(LAB, 'simulated-lab.yaml'), { inventory: estate }));
    const vmwareLan = connector(lab, 'vmware', 'lan');
    await expect(vmwareLan.connect(request('sql-a', 'win-proxy-a'), call())).rejects.toMatchObject({ code: ErrorCode.ConnectionRefused });
    await expect(connector(lab, 'vmware', 'vix').connect(request('sql-a', 'win-proxy-a'), call())).rejects.toMatchObject({ code: ErrorCode.ConnectionRefused });
    await (await vmwareLan.connect(request('sql-a', 'vbr'), call())).close();

    const hypervLan = connector(lab, 'hyperv', 'lan');
    const first = await hypervLan.connect(request('erp-b', 'vbr', 'hyperv'), call());
    await first.upload(bytes, 'C:\\a', call());
    await first.upload(bytes, 'C:\\b', call());
    await expect(first.upload(bytes, 'C:\\c', call())).rejects.toMatchObject({ code: ErrorCode.ConnectionDropped });
    await first.close();
    const second = await hypervLan.connect(request('erp-b', 'vbr', 'hyperv'), call());
    for (const path of ['C:\\a', 'C:\\b', 'C:\\c']) await second.upload(bytes, path, call());
    await second.close();
    expect(lab.openSessions()).toBe(0);
  });

  it('a fault applies to connections that match every field given; times limits it to the first N', async () => {
    const lab = new SimulatedLab(inventory(), { faults: [{ server: 'vbr', vm: 'sql-a', method: 'vix', times: 2, fault: 'refuse' }] });
    const vix = connector(lab, 'vmware', 'vix');
    await (await connector(lab, 'vmware', 'lan').connect(request('sql-a', 'vbr'), call())).close();
    await (await vix.connect(request('sql-a', 'win-proxy-a'), call())).close();
    await (await vix.connect(request('web-a', 'vbr'), call())).close();
    for (let attempt = 0; attempt < 2; attempt++) await expect(vix.connect(request('sql-a', 'vbr'), call())).rejects.toMatchObject({ code: ErrorCode.ConnectionRefused });
    await (await vix.connect(request('sql-a', 'vbr'), call())).close();
  });

  it('fail-health makes the guest health check fail, from the options or injected while the lab runs', () => {
    const lab = new SimulatedLab(inventory(), { faults: [{ vm: 'erp-b', fault: 'fail-health' }] });
    expect(lab.guest('erp-b').failHealth).toBe(true);
    expect(lab.guest('sql-a').failHealth).toBe(false);
    lab.inject({ vm: 'sql-a', fault: 'fail-health' });
    expect(lab.guest('sql-a').failHealth).toBe(true);
  });

  it('inject adds a connection fault while the lab runs (a proxy that goes away mid-job)', async () => {
    const lab = new SimulatedLab(inventory());
    const lan = connector(lab, 'vmware', 'lan');
    await (await lan.connect(request('sql-a', 'win-proxy-a'), call())).close();
    lab.inject({ server: 'win-proxy-a', fault: 'hang', step: 'connect' });
    await expect(lan.connect(request('sql-a', 'win-proxy-a'), { timeoutMs: 20, signal: new AbortController().signal })).rejects.toMatchObject({ code: ErrorCode.ConnectionTimedOut });
  });

  it('what a lab file would refuse throws at once when given in code, naming the value', () => {
    const estate = inventory();
    expect(() => new SimulatedLab(estate, { latencyMs: Number.NaN })).toThrow(/latencyMs must be a number of milliseconds from 0 to 2147483647 \(found NaN\)/);
    expect(() => new SimulatedLab(estate, { faults: [{ vm: 'nope', fault: 'fail-health' }] })).toThrow(/the lab has no guest "nope"/);
    expect(() => new SimulatedLab(estate, { faults: [{ fault: 'drop', afterCalls: -1 }] })).toThrow(/afterCalls must be a whole number, 0 or more \(found -1\)/);
    expect(() => new SimulatedLab(estate, { faults: [{ fault: 'refuse', times: 0 }] })).toThrow(/times must be a whole number of at least 1 \(found 0\)/);
    expect(() => new SimulatedLab(estate, { faults: [{ fault: 'melt' } as unknown as LabFault] })).toThrow(/fault must be one of refuse, drop, hang, fail-remove, fail-health \(found "melt"\)/);
  });
});
