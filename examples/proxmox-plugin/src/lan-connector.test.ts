import { describe, expect, it } from 'vitest';
import { ErrorCode, type SessionOpener } from '@gipkit/plugin-api';
import { SimulatedGuest } from '@gipkit/testkit';
import { describeConnector } from '@gipkit/testkit/conformance';
import { LanConnector } from '@gipkit/connector-kit';
import { callOptions } from './testing/guest-agent-lab.js';
import { SimulatedSessionOpener } from './testing/simulated-session-opener.js';

function rig() {
  const guests = new Map([
    ['lin-1', new SimulatedGuest('lin-1', 'linux')],
    ['win-1', new SimulatedGuest('win-1', 'windows')],
    ['closed', new SimulatedGuest('closed', 'linux')],
    ['silent', new SimulatedGuest('silent', 'linux')],
  ]);
  const faults = (vm: string) => (vm === 'closed' ? [{ kind: 'refuse' } as const] : vm === 'silent' ? [{ kind: 'hang', step: 'connect' } as const] : []);
  const linux = new SimulatedSessionOpener({ guests, latencyMs: 1, faults: (request) => faults(request.vm) });
  const windows = new SimulatedSessionOpener({ guests, latencyMs: 1, faults: (request) => faults(request.vm) });
  const connector = new LanConnector({ platform: 'proxmox', linux, windows });
  const request = (vm: string, family: 'linux' | 'windows' = 'linux') =>
    ({ vm, host: 'pve-1', platform: 'proxmox', family, addresses: ['10.0.1.10'], account: 'root', proxy: 'gip-1' }) as const;
  return { connector, linux, windows, request, guests };
}

describeConnector('lan on proxmox (simulated session openers)', async () => {
  const { connector, request } = rig();
  return { connector, reachable: request('lin-1'), refused: request('closed'), hanging: request('silent'), scratchPath: '/tmp/gipkit-conformance/scratch.txt' };
});

describe('lan connector', () => {
  it('routes each request to the session opener of the guest OS family', async () => {
    const { connector, linux, windows, request } = rig();
    await (await connector.connect(request('win-1', 'windows'), callOptions())).close();
    await (await connector.connect(request('lin-1'), callOptions())).close();
    expect(windows.requests.map((r) => r.vm)).toEqual(['win-1']);
    expect(linux.requests.map((r) => r.vm)).toEqual(['lin-1']);
  });

  it('a family without an opener fails with GIPKIT_CONNECTOR_FAILED naming the option', async () => {
    const { linux, request } = rig();
    const connector = new LanConnector({ platform: 'proxmox', linux });
    await expect(connector.connect(request('win-1', 'windows'), callOptions())).rejects.toMatchObject({
      code: ErrorCode.ConnectorFailed,
      message: expect.stringContaining('give the windows option'),
    });
  });

  it('an opener that rejects with a plain error is GIPKIT_CONNECTOR_FAILED, and its message is not shown', async () => {
    const { request } = rig();
    const broken: SessionOpener = { open: () => Promise.reject(new Error('password hunter2 rejected')) };
    const rejected = new LanConnector({ platform: 'proxmox', linux: broken }).connect(request('lin-1'), callOptions());
    await expect(rejected).rejects.toMatchObject({ code: ErrorCode.ConnectorFailed });
    await expect(rejected).rejects.not.toHaveProperty('message', expect.stringContaining('hunter2'));
  });

  it('rule 1: connect settles within its timeout even when the opener ignores it', async () => {
    const { request } = rig();
    const deaf: SessionOpener = { open: () => new Promise(() => undefined) };
    const started = Date.now();
    await expect(new LanConnector({ platform: 'proxmox', linux: deaf }).connect(request('lin-1'), callOptions(100))).rejects.toMatchObject({
      code: ErrorCode.ConnectionTimedOut,
    });
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('a session opened after the connection gave up is closed, not leaked', async () => {
    const { request, guests } = rig();
    const slow = new SimulatedSessionOpener({ guests, latencyMs: 150 });
    const late: SessionOpener = { open: (r, method) => slow.open(r, method, callOptions()) };
    await expect(new LanConnector({ platform: 'proxmox', linux: late }).connect(request('lin-1'), callOptions(50))).rejects.toMatchObject({
      code: ErrorCode.ConnectionTimedOut,
    });
    await expect.poll(() => slow.requests.length).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 250));
    expect(slow.connector.open.size).toBe(0);
  });
});
